/**
 * Section 9, HTTP requests per second for a small response over keep-alive connections:
 * our createServer (src/http) on node-tls, noble and noble+node-crypto against
 * node:https (HTTP/1.1) and node:http2 (h2) in the same run. The load runs in a worker
 * thread (its own event loop and core): node's https.Agent with keep-alive for h1, and
 * node:http2 client sessions (several streams in flight on each) for h2. Servers are
 * measured round-robin for several rounds and each reports its median, so a noisy
 * neighbour skews every server alike rather than one. Each also reports its server CPU per
 * request (this process's main thread, where the servers run), and cleartext node:http /
 * h2c over a pass-through JS Duplex runs beside them, so the section can give the floor of
 * any JS TLS server on node:crypto (bench/http-floor.ts).
 *   node dist/bench/http.js [--seconds 3] [--concurrency 16] [--rounds 3]
 * Not part of `npm test`.
 */
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createServer } from '../src/http/index.js';
import { localhostECDSA } from '../test/fixtures/certs.js';
import { benchContainer, NODE_TLS } from './backends.js';
import { ratio, type HTTPRow, type HTTPSection } from './report.js';
import { duplexServer, httpFloor, mainThreadCpuMs, perRequestMedian, TrafficCount, type HTTPFloor } from './http-floor.js';
import { median } from './ab.js';
import { markdownTable } from './text-table.js';
import { httpFloorTable } from './report-tables.js';
import { isMainScript } from './main-script.js';
import { BODY, generateLoad, handler, type LoadOrder, type LoadResult } from './http-load.js';

/** How long and how hard to load each server. */
export interface HTTPPlan {
  /** Bench backend labels; the TLS ones get a row per protocol. */
  readonly backends: readonly string[];
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rounds: number;
}

/** What one sample measured: the load's result, the server thread's CPU over the counted window, and a Duplex's traffic in it. */
interface Sample extends LoadResult {
  readonly cpuMs: number;
  readonly traffic: TrafficCount | undefined;
}

/** Runs the load worker against `url` and waits for its result; the server thread's CPU and `count` are read over the counted window. */
function load(order: LoadOrder, count: TrafficCount | undefined): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { httpLoad: order } });
    let cpuAtStart = 0;
    let countAtStart: TrafficCount | undefined;
    worker.on('message', (message: 'counting' | LoadResult) => {
      if (message === 'counting') {
        cpuAtStart = mainThreadCpuMs();
        countAtStart = count?.snapshot();
        return;
      }
      resolve({ ...message, cpuMs: mainThreadCpuMs() - cpuAtStart, traffic: count && countAtStart ? count.since(countAtStart) : undefined });
    });
    worker.once('error', reject);
  });
}

/** A server under test: how to make it, and the row it fills. */
interface Contender {
  readonly name: string;
  readonly protocol: 'h1' | 'h2';
  readonly create: () => net.Server & { closeAllConnections?: () => void };
  /** The cleartext floor's server (http: URL), counting its Duplex traffic here. */
  readonly count?: TrafficCount;
}

/** The cleartext reference's row name. */
export const DUPLEX_FLOOR = 'cleartext over a JS Duplex';

function contenders(backends: readonly string[]): Contender[] {
  const ours = backends.filter((b) => b !== 'plaintext');
  const tlsservice = (protocol: 'h1' | 'h2'): Contender[] =>
    ours.map((backend) => ({
      name: `tlsservice ${backend}`,
      protocol,
      create: () => createServer({ container: benchContainer(backend), allowHTTP2: protocol === 'h2' }, handler),
    }));
  const floor = (protocol: 'h1' | 'h2'): Contender => {
    const count = new TrafficCount();
    return { name: DUPLEX_FLOOR, protocol, count, create: () => duplexServer(protocol, count) };
  };
  return [
    { name: 'node:https', protocol: 'h1', create: () => https.createServer(localhostECDSA, handler) },
    ...tlsservice('h1'),
    floor('h1'),
    { name: 'node:http2', protocol: 'h2', create: () => http2.createSecureServer(localhostECDSA, handler) },
    ...tlsservice('h2'),
    floor('h2'),
  ];
}

/** Listens, loads, closes; one sample. */
async function sample(contender: Contender, plan: HTTPPlan): Promise<Sample> {
  const server = contender.create();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const url = contender.count ? `http://127.0.0.1:${port}/` : `https://localhost:${port}/`;
    return await load({ url, protocol: contender.protocol, ...plan }, contender.count);
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
      setTimeout(resolve, 2_000).unref();
    });
  }
}

/** Measures requests/s and server CPU per request of every contender, median of `rounds` round-robin samples, and the floor per protocol. */
export async function measureHTTP(plan: HTTPPlan, progress: (line: string) => void): Promise<HTTPSection> {
  const all = contenders(plan.backends);
  const samples = new Map<string, Sample[]>();
  const failures = new Map<string, string>();
  const key = (c: Contender): string => `${c.protocol} ${c.name}`;
  for (let round = 0; round < plan.rounds; round++) {
    for (const contender of all) {
      if (failures.has(key(contender))) continue;
      progress(`http: ${contender.protocol} ${contender.name}, round ${round + 1} of ${plan.rounds} (${plan.seconds} s)`);
      try {
        const result = await sample(contender, plan);
        if (result.requests === 0) throw new Error(`no request served (${result.errors} errors)`);
        samples.set(key(contender), [...(samples.get(key(contender)) ?? []), result]);
      } catch (error) {
        failures.set(key(contender), error instanceof Error ? error.message : String(error));
      }
    }
  }
  const measured = all.map((contender) => {
    const list = samples.get(key(contender)) ?? [];
    const failure = failures.get(key(contender));
    return {
      protocol: contender.protocol,
      server: contender.name,
      requestsPerSecond: median(list.map((s) => s.requests / s.seconds)),
      cpuMicrosPerRequest: median(list.map((s) => (s.cpuMs * 1000) / s.requests)),
      errors: list.reduce((sum, s) => sum + s.errors, 0),
      ...(contender.count ? { cleartext: true } : {}),
      ...(failure || list.length === 0 ? { error: failure ?? 'no sample' } : {}),
    };
  });
  const nodeRow = (protocol: 'h1' | 'h2') => measured.find((r) => r.server === (protocol === 'h1' ? 'node:https' : 'node:http2') && !r.error);
  const rows: HTTPRow[] = measured.map((r) => ({ ...r, vsNode: r.error ? null : ratio(r.requestsPerSecond, nodeRow(r.protocol)?.requestsPerSecond) }));
  const floors: HTTPFloor[] = [];
  for (const protocol of ['h1', 'h2'] as const) {
    const duplex = samples.get(`${protocol} ${DUPLEX_FLOOR}`) ?? [];
    const node = nodeRow(protocol);
    const duplexRow = measured.find((r) => r.protocol === protocol && r.server === DUPLEX_FLOOR && !r.error);
    if (!node || !duplexRow || duplex.length === 0) continue;
    const perRequest = perRequestMedian(duplex.map((s) => ({ traffic: s.traffic!, requests: s.requests })));
    floors.push(httpFloor(protocol, duplexRow.cpuMicrosPerRequest, perRequest, node.cpuMicrosPerRequest));
  }
  return { concurrency: plan.concurrency, seconds: plan.seconds, rounds: plan.rounds, bodyBytes: BODY.length, rows, floors };
}

/** The servers measured when run on its own: node-tls and the noble engine on both providers. */
const STANDALONE_BACKENDS = [NODE_TLS, 'noble', 'noble+node-crypto'];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const plan: HTTPPlan = {
    backends: STANDALONE_BACKENDS,
    concurrency: option('concurrency', 16),
    warmupSeconds: 1,
    seconds: option('seconds', 3),
    rounds: option('rounds', 3),
  };
  const section = await measureHTTP(plan, (line) => process.stderr.write(`${line}\n`));
  console.log(`keep-alive, ${section.concurrency} concurrent requests, ${section.seconds} s per run, median of ${section.rounds} rounds, ${section.bodyBytes}-byte body`);
  console.log(
    markdownTable(
      ['protocol', 'server', 'requests/s', 'vs node', 'server CPU µs/request', 'errors'],
      section.rows.map((r) => [
        r.protocol,
        r.server,
        r.error ? `failed: ${r.error}` : r.requestsPerSecond.toFixed(0),
        r.vsNode === null ? '—' : `${r.vsNode.toFixed(2)}x`,
        r.error || r.cpuMicrosPerRequest === undefined ? '—' : r.cpuMicrosPerRequest.toFixed(0),
        String(r.errors),
      ]),
    ),
  );
  console.log(httpFloorTable(section));
}

const invokedDirectly = isMainThread && isMainScript(import.meta.url);

if (!isMainThread && (workerData as { httpLoad?: LoadOrder } | undefined)?.httpLoad) {
  parentPort!.postMessage(await generateLoad((workerData as { httpLoad: LoadOrder }).httpLoad, () => parentPort!.postMessage('counting')));
} else if (invokedDirectly) {
  await main();
}
