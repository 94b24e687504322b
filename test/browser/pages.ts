/**
 * The browser example (docs/examples/browser) bundled with esbuild for the browser,
 * `tlsservice/engine` resolved to the built entry (dist/adapters/noble/engine-entry.js),
 * and served with any extra files from a loopback HTTP server.
 */
import http from 'node:http';
import { once } from 'node:events';
import type net from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/** The repository root (this file runs from dist/test/browser). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built browser entry of the package (`tlsservice/engine`). */
export const ENGINE_ENTRY = `${ROOT}dist/adapters/noble/engine-entry.js`;
const EXAMPLE = `${ROOT}docs/examples/browser/`;

/** Resolves `tlsservice/engine` to the built entry, as the package export does. */
const engineAlias: Plugin = {
  name: 'tlsservice-engine',
  setup(b) {
    b.onResolve({ filter: /^tlsservice\/engine$/ }, () => ({ path: ENGINE_ENTRY }));
  },
};

/** esbuild options for a browser build: ESM, minified, names kept (error classes report their names). */
export const BROWSER_BUILD: BuildOptions = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  keepNames: true,
  write: false,
  logLevel: 'silent',
  plugins: [engineAlias],
};

/** Bundles the example's scripts; returns file name -> contents. */
export async function bundleExample(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    ...BROWSER_BUILD,
    entryPoints: ['client', 'server', 'server-worker'].map((name) => `${EXAMPLE}${name}.ts`),
    outdir: '/bundle',
  });
  return new Map(result.outputFiles!.map((file) => [file.path.slice('/bundle/'.length), file.contents]));
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  pem: 'application/x-pem-file',
};

/** A loopback HTTP server for the example's pages and scripts, plus `extra` files. */
export interface PageServer {
  readonly origin: string;
  /** Adds or replaces a served file. */
  put(name: string, contents: string | Uint8Array): void;
  close(): Promise<void>;
}

/** Serves the example's HTML and CSS, the bundles, and files put later. */
export async function servePages(bundles: Map<string, Uint8Array>, port = 0): Promise<PageServer> {
  const files = new Map<string, string | Uint8Array>(bundles);
  for (const name of ['client.html', 'server.html', 'style.css']) files.set(name, readFileSync(`${EXAMPLE}${name}`));
  const server = http.createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://pages').pathname.slice(1);
    const body = files.get(name);
    if (name === 'favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[name.split('.').pop()!] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    put: (name, contents) => void files.set(name, contents),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Where a test saves the screenshot `name`: under `$TLSSERVICE_SCREENSHOTS` (e.g.
 * `TLSSERVICE_SCREENSHOTS=docs/images npm run test:browser` refreshes the docs' images),
 * or nowhere, so a plain test run leaves the checkout clean.
 */
export function screenshotPath(name: `${string}.png`): `${string}.png` | undefined {
  const dir = process.env.TLSSERVICE_SCREENSHOTS;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return `${dir.replace(/\/+$/, '')}/${name}`;
}
