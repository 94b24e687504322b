/**
 * `tlsservice/engine` in the browser: it bundles with esbuild for platform=browser (a
 * `node:` import would fail the build), pulls in no Node-only package, type-checks with
 * DOM types and without @types/node, and stays within a size budget, minified and
 * gzipped, for a client build and a server build apart.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BROWSER_BUILD, ROOT } from './pages.js';

/** A role's build: what an application of that role imports, and its budget (measured size + ~10%). */
interface RoleBuild {
  readonly imports: string;
  readonly maxMinifiedBytes: number;
  readonly maxGzippedBytes: number;
}

/**
 * Measured 2026-12-01 with TLS 1.2 (issue 16: both roles, RFC 5077 tickets, the abbreviated
 * handshake): client 463,482 B minified / 156,018 B gzipped; server 473,036 / 159,314. Before
 * TLS 1.2: client 420,237 / 143,555; server 429,789 / 146,803.
 * Of that, the Public Suffix List (tldts, for the no-wildcard-on-a-public-suffix rule of the
 * X.509 verifier) is about 124 KB minified; CRLs, resumption and 0-RTT add the rest. Before
 * them: 243,121 / 82,445 and 251,242 / 85,132; before X448, P-521 and FFDHE: 219,540 / 75,482
 * and 227,430 / 78,116.
 */
const ROLE_BUILDS: Readonly<Record<'client' | 'server', RoleBuild>> = {
  client: {
    imports: 'NobleTLSService, openWebSocket',
    maxMinifiedBytes: 510_000,
    maxGzippedBytes: 172_000,
  },
  server: {
    imports: 'NobleTLSService, openWebSocket, createDevelopmentCA, issueCertificate',
    maxMinifiedBytes: 520_000,
    maxGzippedBytes: 175_000,
  },
};

/** Packages that must never reach a browser bundle. */
const NODE_ONLY = /node_modules\/(inversify|reflect-metadata|ws|undici|@types\/node)\//;

async function bundle(imports: string) {
  const result = await build({
    ...BROWSER_BUILD,
    stdin: { contents: `export { ${imports} } from 'tlsservice/engine';`, resolveDir: ROOT, loader: 'js' },
    metafile: true,
  });
  const code = result.outputFiles![0]!.contents;
  return { code, gzipped: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile!.inputs) };
}

for (const [role, { imports, maxMinifiedBytes, maxGzippedBytes }] of Object.entries(ROLE_BUILDS)) {
  test(`size budget, ${role} build: at most ${maxMinifiedBytes} B minified and ${maxGzippedBytes} B gzipped`, async (t) => {
    const { code, gzipped, inputs } = await bundle(imports);
    t.log(`${role}: ${code.length} B minified, ${gzipped} B gzipped, ${inputs.length} modules`);
    t.true(code.length <= maxMinifiedBytes, `${code.length} B minified is over the budget of ${maxMinifiedBytes}`);
    t.true(gzipped <= maxGzippedBytes, `${gzipped} B gzipped is over the budget of ${maxGzippedBytes}`);
    t.deepEqual(inputs.filter((input) => NODE_ONLY.test(input)), []);
    t.true(inputs.some((input) => input.endsWith('adapters/noble/engine.js')));
  });
}

test('the whole entry bundles for the browser without node: imports, Buffer or process', async (t) => {
  const { code, gzipped, inputs } = await bundle('TLSEngine, NobleTLSService, openWebSocket, verifyCertificateChain, createDevelopmentCA');
  t.log(`entry: ${code.length} B minified, ${gzipped} B gzipped`);
  t.deepEqual(inputs.filter((input) => NODE_ONLY.test(input) || input.startsWith('node:')), []);
  const text = new TextDecoder().decode(code);
  t.notRegex(text, /\brequire\(/);
  t.notRegex(text, /(?<![\w.])Buffer\b/); // ArrayBuffer and names ending in Buffer are fine
  t.notRegex(text, /(?<![\w.])process\./);
});

test('the engine entry and the browser example type-check with DOM types and without @types/node', (t) => {
  const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}docs/examples/browser/tsconfig.json`], { encoding: 'utf8' });
  t.is(tsc.status, 0, tsc.stdout + tsc.stderr);
});
