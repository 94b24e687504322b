/**
 * A/B of HTTP/1.1 server CPU per request between builds (each a checkout with `dist/`
 * built): bench/http.ts's h1 keep-alive load (16 loops of GETs, a 13-byte body) runs in a
 * child process against each build's `createServer` on noble + node:crypto and against
 * node:https, round-robin, and this process's CPU over the measured seconds is divided by
 * the requests served. Prints min and median per server with the load average.
 * Run: `node dist/bench/http-cpu-ab.js --builds /path/a,/path/b [--rounds 4] [--seconds 3]
 * [--backend noble+node-crypto]`. Not part of `npm test`.
 */
import { fork } from 'node:child_process';
import https from 'node:https';
import type { Server as NetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { localhostECDSA } from '../test/fixtures/certs.js';
import { isMainScript } from './main-script.js';
import { handler } from './http-load.js';
import { cpuMs, line, loadBuildModules, roundOrder } from './ab.js';

/** Loads `server` with bench/http.ts's h1 load (16 keep-alive loops) run in a child process; this process's CPU ms per request. */
async function serverCpuPerRequest(server: NetServer, seconds: number): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  const warmup = 1;
  const load = fork(fileURLToPath(import.meta.url), ['--load', '--', `https://localhost:${port}/`, String(warmup), String(seconds)], { stdio: 'inherit' });
  await new Promise((done) => load.once('message', done)); // the load has begun
  await new Promise((done) => setTimeout(done, warmup * 1000));
  const start = process.cpuUsage();
  const result = await new Promise<{ requests: number; errors: number }>((done) => load.once('message', done));
  const ms = cpuMs(start);
  load.kill();
  await new Promise<void>((done) => {
    server.close(() => done());
    (server as NetServer & { closeAllConnections?: () => void }).closeAllConnections?.();
    setTimeout(done, 2000).unref();
  });
  if (result.errors > 0 || result.requests === 0) throw new Error(`http load: ${result.requests} requests, ${result.errors} errors`);
  return ms / result.requests;
}

/** The load process: runs bench/http.ts's load generator in a worker and reports its result. */
function runLoad(url: string, warmupSeconds: number, seconds: number): void {
  const worker = new Worker(new URL('./http.js', import.meta.url), { workerData: { httpLoad: { url, protocol: 'h1', concurrency: 16, warmupSeconds, seconds } } });
  worker.once('online', () => process.send!({ started: true }));
  worker.on('message', (result: unknown) => {
    if (result !== 'counting') process.send!(result); // bench/http.ts's worker also says when its counting begins
  });
  worker.once('error', (error) => {
    console.error('record-ab load:', error);
    process.exit(1);
  });
}

/** A build's server: its own createServer and bench container, loaded from `root/dist`. */
async function serverOf(root: string, backend: string): Promise<() => NetServer> {
  const { backends, dist } = await loadBuildModules(root);
  const { createServer } = (await import(`${dist}/src/http/index.js`)) as typeof import('../src/http/index.js');
  const container = backends.benchContainer(backend);
  return () => createServer({ container }, handler);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      builds: { type: 'string', default: '.' },
      rounds: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'noble+node-crypto' },
      load: { type: 'boolean', default: false },
    },
  });
  if (values.load) {
    const [url = '', warmup = '1', seconds = '3'] = positionals;
    runLoad(url, Number(warmup), Number(seconds));
    return;
  }
  const servers = await Promise.all(values.builds!.split(',').filter(Boolean).map((root) => serverOf(root, values.backend!)));
  // node:https serves the same load as the reference (same handler, the ECDSA P-256 leaf).
  const contenders = [...servers, () => https.createServer(localhostECDSA, handler)];
  const perRequest = contenders.map((): number[] => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const i of roundOrder(contenders.length, round)) perRequest[i]!.push(await serverCpuPerRequest(contenders[i]!(), Number(values.seconds)));
  }
  console.log(line(`${values.backend} h1 (builds, then node:https)`, perRequest, 'server CPU ms per request'));
}

if (isMainScript(import.meta.url)) await main();
