/**
 * The floor of any JS TLS server on node:crypto under node:http and node:http2 (issue 14
 * target 7; the parts are bench/http-floor.ts's), on its own and with one more reference
 * than section 9 of the bench has: the same keep-alive load as bench/http.ts goes,
 * alternating, against cleartext servers (HTTP/1.1 and h2c) fed the accepted net.Socket
 * itself (native: node:http(2) reads and writes its libuv handle in C++) and fed a
 * pass-through JS Duplex over it, node:https / node:http2's secure server, and our
 * `createServer` on `--backend`. Prints server main-thread CPU per request (median of
 * `rounds`, after one discarded warm-up round), the record crypto at the counted sizes, the
 * floor, and node TLS over the floor (the most such a server can reach); load average printed.
 *   node dist/bench/http-duplex-floor.js [--seconds 2] [--concurrency 16] [--rounds 3] [--backend noble+node-crypto]
 * Not part of `npm test`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createServer } from '../src/http/index.js';
import { localhostECDSA } from '../test/fixtures/certs.js';
import { benchContainer, NOBLE_ON_NODE_CRYPTO } from './backends.js';
import { median } from './ab.js';
import { isMainScript } from './main-script.js';
import { generateLoad, handler, type LoadResult } from './http-load.js';
import { duplexServer, httpFloor, mainThreadCpuMs, TrafficCount } from './http-floor.js';

/** What the load worker is asked to do: load the server at `url`. */
interface FloorOrder {
  readonly url: string;
  readonly protocol: 'h1' | 'h2';
  readonly concurrency: number;
  readonly seconds: number;
}

/** The servers measured, per protocol. */
const KINDS = ['native socket', 'JS Duplex', 'node TLS', 'tlsservice'] as const;
type Kind = (typeof KINDS)[number];

/** A server of `kind` for `protocol`; `count` is filled by the JS Duplex kind. */
function server(protocol: 'h1' | 'h2', kind: Kind, backend: string, count: TrafficCount): net.Server & { closeAllConnections?: () => void } {
  if (kind === 'node TLS') return protocol === 'h1' ? https.createServer(localhostECDSA, handler) : http2.createSecureServer(localhostECDSA, handler);
  if (kind === 'tlsservice') return createServer({ container: benchContainer(backend), allowHTTP2: protocol === 'h2' }, handler);
  if (kind === 'JS Duplex') return duplexServer(protocol, count);
  const inner: net.Server = protocol === 'h1' ? http.createServer(handler) : http2.createServer(handler);
  // As the Duplex case (and our server's TCPRawConnection): no Nagle delay on either.
  inner.prependListener('connection', (socket: net.Socket) => socket.setNoDelay(true));
  return inner;
}

/** What one load run measured: requests per second, the server thread's CPU microseconds per request, and the Duplex's traffic per request. */
interface Sample {
  readonly rate: number;
  readonly cpuMicrosPerRequest: number;
  readonly requests: number;
  readonly count: TrafficCount;
}

/** The shared load generator (bench/http-load.ts) against the server at `url`; tells the parent when counting begins. */
function floorLoad(order: FloorOrder): Promise<LoadResult> {
  return generateLoad({ url: order.url, protocol: order.protocol, concurrency: order.concurrency, warmupSeconds: 0.3, seconds: order.seconds }, () => parentPort!.postMessage('counting'));
}

async function sample(protocol: 'h1' | 'h2', kind: Kind, backend: string, concurrency: number, seconds: number): Promise<Sample> {
  const count = new TrafficCount();
  const s = server(protocol, kind, backend, count);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  const url = kind === 'native socket' || kind === 'JS Duplex' ? `http://127.0.0.1:${port}/` : `https://localhost:${port}/`;
  try {
    return await new Promise<Sample>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { floorLoad: { url, protocol, concurrency, seconds } } });
      let cpuAtStart = 0;
      let counted = count;
      worker.on('message', (message: 'counting' | LoadResult) => {
        if (message === 'counting') {
          cpuAtStart = mainThreadCpuMs();
          // Count only the measured window: the server keeps filling the object it was given.
          counted = count.snapshot();
          return;
        }
        if (message.errors > 0 || message.requests === 0) return reject(new Error(`${protocol} ${kind}: ${message.requests} requests, ${message.errors} errors`));
        resolve({ rate: message.requests / message.seconds, cpuMicrosPerRequest: ((mainThreadCpuMs() - cpuAtStart) * 1000) / message.requests, requests: message.requests, count: count.since(counted) });
      });
      worker.once('error', reject);
    });
  } finally {
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      setTimeout(resolve, 1_000).unref();
    });
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const seconds = option('seconds', 2);
  const concurrency = option('concurrency', 16);
  const rounds = option('rounds', 3);
  const at = process.argv.indexOf('--backend');
  const backend = at >= 0 ? process.argv[at + 1]! : NOBLE_ON_NODE_CRYPTO;
  const samples = new Map<string, Sample[]>();
  // One discarded round first, so no server's first measured round pays its JIT warm-up.
  for (const protocol of ['h1', 'h2'] as const) for (const kind of KINDS) await sample(protocol, kind, backend, concurrency, 0.5);
  for (let round = 0; round < rounds; round++) {
    for (const protocol of ['h1', 'h2'] as const) {
      // Alternate the order each round so no server always runs after the same one.
      const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
      for (const kind of order) {
        const key = `${protocol} ${kind}`;
        samples.set(key, [...(samples.get(key) ?? []), await sample(protocol, kind, backend, concurrency, seconds)]);
      }
    }
  }
  const rate = (key: string): number => median(samples.get(key)!.map((s) => s.rate));
  const cpu = (key: string): number => median(samples.get(key)!.map((s) => s.cpuMicrosPerRequest));
  console.log(`keep-alive, ${concurrency} concurrent, ${seconds} s x ${rounds} rounds, server CPU per request (main thread), tlsservice on ${backend}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const protocol of ['h1', 'h2'] as const) {
    const duplexSamples = samples.get(`${protocol} JS Duplex`)!;
    const per = (pick: (t: TrafficCount) => number): number => median(duplexSamples.map((s) => pick(s.count) / s.requests));
    const perRequest = Object.assign(new TrafficCount(), { reads: per((t) => t.reads), bytesRead: per((t) => t.bytesRead), writes: per((t) => t.writes), bytesWritten: per((t) => t.bytesWritten) });
    const f = httpFloor(protocol, cpu(`${protocol} JS Duplex`), perRequest, cpu(`${protocol} node TLS`));
    const ours = cpu(`${protocol} tlsservice`);
    const label = protocol === 'h1' ? 'node:https' : 'node:http2';
    for (const kind of KINDS) {
      const key = `${protocol} ${kind}`;
      const name = kind === 'node TLS' ? label : kind;
      console.log(`${protocol} ${name.padEnd(14)} ${rate(key).toFixed(0).padStart(6)} req/s  ${cpu(key).toFixed(0).padStart(4)} µs/request`);
    }
    console.log(
      `${protocol} record crypto: ${f.readsPerRequest.toFixed(2)} reads of ${f.readBytes} B (open ${f.openMicros.toFixed(1)} µs) + ` +
        `${f.writesPerRequest.toFixed(2)} writes of ${f.writeBytes} B (seal ${f.sealMicros.toFixed(1)} µs)`,
    );
    console.log(
      `${protocol} floor (JS Duplex + record crypto) ${f.floorMicros.toFixed(0)} µs/request; ${label} / floor = ${f.reachable.toFixed(2)}x ` +
        `(the most a JS TLS server on node:crypto can reach; target 1.2x); tlsservice / floor = ${(ours / f.floorMicros).toFixed(2)}x; ` +
        `${label} / tlsservice = ${(f.nodeMicros / ours).toFixed(2)}x`,
    );
  }
}

const invokedDirectly = isMainThread && isMainScript(import.meta.url);

if (!isMainThread && (workerData as { floorLoad?: FloorOrder } | undefined)?.floorLoad) {
  parentPort!.postMessage(await floorLoad((workerData as { floorLoad: FloorOrder }).floorLoad));
} else if (invokedDirectly) {
  await main();
}
