/**
 * The package as published: `npm pack`, install the tarball into a scratch project
 * (dependencies from npm's cache or the registry), and run it as users do: an ESM
 * consumer, a CommonJS consumer (`require` of our ES modules, Node >= 20.19), TypeScript
 * consumers (NodeNext, and legacy `module: commonjs` without esModuleInterop,
 * skipLibCheck off, `await using`), and esbuild bundling `tlsservice/engine` for the
 * browser from the installed package. Run with `npm run test:package` (it packs and
 * installs: too slow for `npm test`).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tlsservice-package-'));
const project = join(scratch, 'consumer');

test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a command in the scratch project; the error carries its output. */
async function sh(command: string, args: string[], cwd = project): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, timeout: 240_000, maxBuffer: 16 * 2 ** 20, env: { ...process.env, npm_config_loglevel: 'error' } });
    return stdout + stderr;
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

const ESM_CONSUMER = `
import { readFileSync } from 'node:fs';
import { connect, createTLSServer, createContainer, BACKEND_NAMES } from 'tlsservice';
import { TLSEngine, nobleCryptoProvider } from 'tlsservice/engine';
import { parseCertificate } from 'tlsservice/x509';
import { TLSServiceAgent } from 'tlsservice/http';
import tls from 'tlsservice/tls';
import https from 'tlsservice/https';
const [cert, key, ca] = ['cert.pem', 'key.pem', 'ca.pem'].map((f) => readFileSync(new URL(f, import.meta.url)));
if (typeof TLSEngine.client !== 'function' || !nobleCryptoProvider || !parseCertificate(new Uint8Array(readFileSync(new URL('cert.der', import.meta.url))))) throw new Error('engine/x509 entry');
if (typeof tls.connect !== 'function' || typeof https.createServer !== 'function' || typeof TLSServiceAgent !== 'function') throw new Error('tls/https entry');
createContainer('noble');
for (const backend of BACKEND_NAMES.filter((b) => b !== 'plaintext')) {
  const server = createTLSServer({ backend, key, cert }, (socket) => { socket.resume(); socket.end('esm ' + backend); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect({ backend, port: server.address().port, host: 'localhost', ca });
  let text = '';
  socket.on('data', (chunk) => (text += chunk));
  await new Promise((resolve, reject) => { socket.on('end', resolve); socket.on('error', reject); });
  if (!socket.authorized) throw new Error('not authorized');
  console.log(text);
  await new Promise((resolve) => server.close(resolve));
}
`;

const CJS_CONSUMER = `
const { readFileSync } = require('node:fs');
const { connect, createTLSServer } = require('tlsservice');
const { TLSEngine } = require('tlsservice/engine');
const path = require('node:path');
const [cert, key, ca] = ['cert.pem', 'key.pem', 'ca.pem'].map((f) => readFileSync(path.join(__dirname, f)));
if (typeof TLSEngine.server !== 'function') throw new Error('engine entry');
const server = createTLSServer({ key, cert }, (socket) => { socket.resume(); socket.end('cjs ' + socket.getProtocol()); });
server.listen(0, '127.0.0.1', () => {
  const socket = connect({ port: server.address().port, host: 'localhost', ca });
  let text = '';
  socket.on('data', (chunk) => (text += chunk));
  socket.on('end', () => { console.log(text); server.close(); });
  socket.on('error', (error) => { console.error(error); process.exitCode = 1; server.close(); });
});
`;

const TS_CONSUMER = `
import { readFileSync } from 'node:fs';
import { Connection, connect, connectTCP, createContainer, createServer, serviceFrom, type BackendName, type NegotiatedParameters } from 'tlsservice';
import { TLSEngine, type ClientEngineSettings } from 'tlsservice/engine';
import { verifyHostname } from 'tlsservice/x509';
import { undiciConnector } from 'tlsservice/http';

const backend: BackendName = 'noble';
const ca = readFileSync('ca.pem', 'utf8');
export async function talk(port: number): Promise<NegotiatedParameters> {
  const raw = await connectTCP({ host: 'localhost', port });
  await using connection = await Connection.toServer(raw, { service: serviceFrom(createContainer(backend)), ca, servername: 'localhost' });
  return connection.negotiated;
}
export const socket = (port: number) => connect({ port, ca, ALPNProtocols: ['http/1.1'] }).getPeerCertificate(true).issuerCertificate;
export const server = createServer({ backend, key: readFileSync('key.pem'), cert: readFileSync('cert.pem') }, (_req, res) => res.end());
export const settings: Partial<ClientEngineSettings> = { serverName: 'localhost' };
export const kinds = [typeof TLSEngine, typeof verifyHostname, typeof undiciConnector];
`;

test.serial('npm pack ships a package that installs and runs from ESM, CommonJS and TypeScript', async (t) => {
  t.timeout(300_000, 'packing, installing and compiling take a while on a loaded machine');
  const packed = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch, '--json'], root);
  const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const required of ['LICENSE', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/engine.js', 'dist/src/cli/main.js', 'dist/adapters/noble/engine.js']) {
    t.true(files.includes(required), `the tarball holds ${required}`);
  }
  t.false(files.some((f) => f.endsWith('.map')), 'no source maps without their sources');
  t.false(files.some((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/')), 'no tests or benchmarks');

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, info!.filename)]);
  const fixtures = join(root, 'test', 'fixtures', 'certs');
  cpSync(join(fixtures, 'localhost-ecdsa.pem'), join(project, 'cert.pem'));
  cpSync(join(fixtures, 'localhost-ecdsa.key.pem'), join(project, 'key.pem'));
  cpSync(join(fixtures, 'ca.pem'), join(project, 'ca.pem'));
  const { X509Certificate } = await import('node:crypto');
  writeFileSync(join(project, 'cert.der'), new X509Certificate(readFileSync(join(fixtures, 'localhost-ecdsa.pem'))).raw);

  writeFileSync(join(project, 'esm.mjs'), ESM_CONSUMER);
  t.is((await sh('node', ['esm.mjs'])).trim().split('\n').filter((l) => l.startsWith('esm')).join(','), 'esm noble,esm node-tls');

  writeFileSync(join(project, 'cjs.cjs'), CJS_CONSUMER);
  t.regex(await sh('node', ['cjs.cjs']), /^cjs TLSv1\.3$/m);

  writeFileSync(join(project, 'consumer.ts'), TS_CONSUMER);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = join(root, 'node_modules', '@types');
  const common = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'ES2022', '--lib', 'ES2023,ESNext.Disposable', '--types', 'node', '--typeRoots', typeRoots, 'consumer.ts'];
  await sh('node', [tsc, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', ...common]);
  t.pass('TypeScript NodeNext consumer compiles');
  await sh('node', [tsc, '--module', 'commonjs', '--moduleResolution', 'node10', '--esModuleInterop', 'false', ...common]);
  t.pass('TypeScript commonjs/node10 consumer without esModuleInterop compiles');

  const { build } = await import('esbuild');
  const bundle = await build({
    stdin: { contents: "export * from 'tlsservice/engine';", resolveDir: project },
    bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
  });
  t.notRegex(bundle.outputFiles[0]!.text, /from ["']node:/);
  t.true(readdirSync(join(project, 'node_modules', 'tlsservice')).includes('LICENSE'));
});
