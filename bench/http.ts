/**
 * HTTP requests per second for a small response over keep-alive: our createServer on
 * every backend the container knows, against node:https (and node:http beside the
 * plaintext backend), all in one run. The load runs in a worker thread (its own event
 * loop and core) with node's own keep-alive client: https for TLS, http for plaintext.
 * Servers are measured round-robin for several rounds and each reports its median, so a
 * noisy neighbour skews every server alike rather than one.
 *   node dist/bench/http.js [--seconds 3] [--concurrency 16] [--rounds 3]
 * Not part of `npm test`.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BACKEND_NAMES, createContainer } from '../src/di/container.js';
import { createServer } from '../src/http/index.js';
import { localhostECDSA, testCA } from '../test/fixtures/certs.js';

/** What the load worker is asked to do. */
interface LoadOrder {
  readonly url: string;
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/** What the load worker reports. */
interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
}

/** One row of the report. */
interface Row {
  readonly server: string;
  readonly requestsPerSecond: number;
  readonly errors: number;
}

const BODY = Buffer.from('hello, world\n');

const handler: http.RequestListener = (_request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end(BODY);
};

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The load generator: `concurrency` loops of sequential GETs over a keep-alive agent. */
async function generateLoad(order: LoadOrder): Promise<LoadResult> {
  const secure = order.url.startsWith('https:');
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: order.concurrency, ca: testCA })
    : new http.Agent({ keepAlive: true, maxSockets: order.concurrency });
  const client = secure ? https : http;
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = client.get(order.url, { agent }, (response) => {
        response.on('data', () => undefined);
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
      });
      request.on('error', reject);
    });
  let requests = 0;
  let errors = 0;
  let counting = false;
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      try {
        await get();
        if (counting) requests++;
      } catch {
        if (counting) errors++;
      }
    }
  };
  const loops = Array.from({ length: order.concurrency }, loop);
  await new Promise((resolve) => setTimeout(resolve, order.warmupSeconds * 1000));
  counting = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, order.seconds * 1000));
  counting = false;
  const seconds = (performance.now() - start) / 1000;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return { requests, errors, seconds };
}

/** Runs the load worker against `url` and waits for its result. */
function measure(url: string, order: Omit<LoadOrder, 'url'>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { ...order, url } satisfies LoadOrder });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
  });
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function stop(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function benchServer(name: string, server: http.Server, scheme: string, order: Omit<LoadOrder, 'url'>): Promise<Row> {
  const port = await listen(server);
  const result = await measure(`${scheme}://localhost:${port}/`, order);
  await stop(server);
  return { server: name, requestsPerSecond: result.requests / result.seconds, errors: result.errors };
}

async function main(): Promise<void> {
  const order = { concurrency: option('concurrency', 16), warmupSeconds: 1, seconds: option('seconds', 3) };
  const rounds = option('rounds', 3);
  console.log(
    `HTTP/1.1 keep-alive, ${order.concurrency} concurrent clients, ${order.seconds} s per run, ` +
      `median of ${rounds} rounds, ${BODY.length}-byte body`,
  );
  const servers: { name: string; scheme: string; create: () => http.Server }[] = [
    { name: 'node:https', scheme: 'https', create: () => https.createServer(localhostECDSA, handler) },
    { name: 'node:http', scheme: 'http', create: () => http.createServer(handler) },
    ...BACKEND_NAMES.map((backend) => ({
      name: `tlsservice ${backend}`,
      scheme: backend === 'plaintext' ? 'http' : 'https',
      create: () => createServer({ container: createContainer(backend, { server: localhostECDSA }) }, handler),
    })),
  ];
  const samples = new Map<string, Row[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) samples.get(server.name)!.push(await benchServer(server.name, server.create(), server.scheme, order));
  }
  const rows = servers.map((server) => median(samples.get(server.name)!));
  const reference = rows[0]!.requestsPerSecond;
  console.log(['server'.padEnd(22), 'requests/s'.padStart(11), 'vs node:https'.padStart(14), 'errors'.padStart(7)].join(' '));
  for (const row of rows) {
    console.log(
      [
        row.server.padEnd(22),
        row.requestsPerSecond.toFixed(0).padStart(11),
        `${(row.requestsPerSecond / reference).toFixed(2)}x`.padStart(14),
        String(row.errors).padStart(7),
      ].join(' '),
    );
  }
}

/** The row with the median requests/s. */
function median(rows: readonly Row[]): Row {
  const sorted = [...rows].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (isMainThread) {
  await main();
} else {
  parentPort!.postMessage(await generateLoad(workerData as LoadOrder));
}
