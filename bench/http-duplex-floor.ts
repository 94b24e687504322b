/**
 * The floor under any TLS server written in JavaScript on node:crypto that serves node:http
 * and node:http2 (issue 14 target 7), measured in one run. The same keep-alive load as
 * bench/http.ts goes, alternating, against:
 * - cleartext servers (HTTP/1.1 and h2c) fed the accepted net.Socket itself (native:
 *   node:http(2) reads and writes its libuv handle in C++);
 * - the same fed a plain pass-through Duplex over that socket (what every socket of our
 *   server is; node:http2 wraps it in its JSStreamSocket), which also counts the reads and
 *   writes per request and their sizes;
 * - node:https / node:http2's secure server (OpenSSL in C++);
 * - our `createServer` on `--backend` (default noble+node-crypto).
 * Then the record crypto a JS TLS server cannot skip is timed in this process: node:crypto
 * AES-128-GCM (the suite our server picks for node's clients) opening one record per
 * Duplex read and sealing one per Duplex write, at the sizes counted, through the node
 * provider's AeadKey (one cipher object per record; node cannot re-key one). The floor is
 * JS Duplex + that crypto; node TLS's CPU per request over the floor is the most
 * requests/s any such server can reach against node's own when the server is the
 * bottleneck. Server main-thread CPU per request, median of `rounds` (after one discarded
 * warm-up round), load average printed.
 *   node dist/bench/http-duplex-floor.js [--seconds 2] [--concurrency 16] [--rounds 3] [--backend noble+node-crypto]
 * Not part of `npm test`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { createServer } from '../src/http/index.js';
import { localhostECDSA } from '../test/fixtures/certs.js';
import { benchContainer, NOBLE_ON_NODE_CRYPTO } from './backends.js';
import { median } from './ab.js';
import { isMainScript } from './main-script.js';
import { generateLoad, handler, type LoadResult } from './http-load.js';

/** What the load worker is asked to do: load the server at `url`. */
interface FloorOrder {
  readonly url: string;
  readonly protocol: 'h1' | 'h2';
  readonly concurrency: number;
  readonly seconds: number;
}

/** Reads and writes a pass-through Duplex saw: each read would be at least one record to open, each write one to seal. */
class TrafficCount {
  reads = 0;
  bytesRead = 0;
  writes = 0;
  bytesWritten = 0;
}

/** Pass-through Duplex over a socket: the shape of any non-native stream given to node:http(2). */
class PassThroughSocket extends Duplex {
  constructor(
    private readonly socket: net.Socket,
    private readonly count: TrafficCount,
  ) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      count.reads++;
      count.bytesRead += chunk.length;
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.count.writes++;
    this.count.bytesWritten += chunk.length;
    this.socket.write(chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.count.writes++;
    this.socket.cork();
    for (let i = 0; i < chunks.length; i++) {
      this.count.bytesWritten += chunks[i]!.chunk.length;
      this.socket.write(chunks[i]!.chunk, i === chunks.length - 1 ? callback : undefined);
    }
    this.socket.uncork();
  }

  override _final(callback: () => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

/** The servers measured, per protocol. */
const KINDS = ['native socket', 'JS Duplex', 'node TLS', 'tlsservice'] as const;
type Kind = (typeof KINDS)[number];

/** A server of `kind` for `protocol`; `count` is filled by the JS Duplex kind. */
function server(protocol: 'h1' | 'h2', kind: Kind, backend: string, count: TrafficCount): net.Server & { closeAllConnections?: () => void } {
  if (kind === 'node TLS') return protocol === 'h1' ? https.createServer(localhostECDSA, handler) : http2.createSecureServer(localhostECDSA, handler);
  if (kind === 'tlsservice') return createServer({ container: benchContainer(backend), allowHTTP2: protocol === 'h2' }, handler);
  const inner: net.Server = protocol === 'h1' ? http.createServer(handler) : http2.createServer(handler);
  if (kind === 'native socket') {
    // As the Duplex case (and our server's TCPRawConnection): no Nagle delay on either.
    inner.prependListener('connection', (socket: net.Socket) => socket.setNoDelay(true));
    return inner;
  }
  const sockets = new Set<net.Socket>();
  const outer = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    inner.emit('connection', new PassThroughSocket(socket, count));
  });
  outer.once('close', () => sockets.forEach((s) => s.destroy()));
  return outer;
}

/** CPU milliseconds of this process's main thread (where the servers run), from /proc (Linux; 10 ms ticks). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
          counted = Object.assign(new TrafficCount(), count);
          return;
        }
        if (message.errors > 0 || message.requests === 0) return reject(new Error(`${protocol} ${kind}: ${message.requests} requests, ${message.errors} errors`));
        const window = new TrafficCount();
        window.reads = count.reads - counted.reads;
        window.bytesRead = count.bytesRead - counted.bytesRead;
        window.writes = count.writes - counted.writes;
        window.bytesWritten = count.bytesWritten - counted.bytesWritten;
        resolve({ rate: message.requests / message.seconds, cpuMicrosPerRequest: ((mainThreadCpuMs() - cpuAtStart) * 1000) / message.requests, requests: message.requests, count: window });
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

/** CPU microseconds per call of `run`, the least of five 0.2 s windows (after one of warm-up). */
function microsPerCall(run: () => void): number {
  const windows: number[] = [];
  for (let w = 0; w < 6; w++) {
    const start = process.cpuUsage();
    const end = performance.now() + 200;
    let calls = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) run();
      calls += 100;
    }
    const used = process.cpuUsage(start);
    if (w > 0) windows.push((used.user + used.system) / calls);
  }
  return Math.min(...windows);
}

/**
 * node:crypto's cost of one TLS 1.3 record of `plaintextLength` bytes (plus the content-type
 * byte) on the node provider: [seal µs, open µs], one fresh cipher object per record as
 * the record layer makes them.
 */
function recordCryptoMicros(plaintextLength: number): [number, number] {
  const key = nodeCryptoProvider.aead('AES-128-GCM', new Uint8Array(16).fill(7));
  const nonce = new Uint8Array(12).fill(1);
  const inner = new Uint8Array(plaintextLength + 1);
  const header = Uint8Array.of(23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff);
  const sealed = key.seal(nonce, inner, header);
  const out: Uint8Array[] = [];
  const seal = microsPerCall(() => {
    out.length = 0;
    key.sealFramed(nonce, header, [inner.subarray(0, plaintextLength), inner.subarray(plaintextLength)], out);
  });
  const open = microsPerCall(() => {
    if (key.open(nonce, sealed, header) === null) throw new Error('open failed');
  });
  return [seal, open];
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
    const per = (pick: (s: Sample) => number): number => median(duplexSamples.map((s) => pick(s) / s.requests));
    const readsPerRequest = per((s) => s.count.reads);
    const writesPerRequest = per((s) => s.count.writes);
    const readSize = Math.round(per((s) => s.count.bytesRead) / readsPerRequest);
    const writeSize = Math.round(per((s) => s.count.bytesWritten) / writesPerRequest);
    const [, openMicros] = recordCryptoMicros(readSize);
    const [sealMicros] = recordCryptoMicros(writeSize);
    const crypto = readsPerRequest * openMicros + writesPerRequest * sealMicros;
    const floor = cpu(`${protocol} JS Duplex`) + crypto;
    const nodeTLS = cpu(`${protocol} node TLS`);
    const ours = cpu(`${protocol} tlsservice`);
    const label = protocol === 'h1' ? 'node:https' : 'node:http2';
    for (const kind of KINDS) {
      const key = `${protocol} ${kind}`;
      const name = kind === 'node TLS' ? label : kind;
      console.log(`${protocol} ${name.padEnd(14)} ${rate(key).toFixed(0).padStart(6)} req/s  ${cpu(key).toFixed(0).padStart(4)} µs/request`);
    }
    console.log(
      `${protocol} record crypto: ${readsPerRequest.toFixed(2)} reads of ${readSize} B (open ${openMicros.toFixed(1)} µs) + ` +
        `${writesPerRequest.toFixed(2)} writes of ${writeSize} B (seal ${sealMicros.toFixed(1)} µs) = ${crypto.toFixed(1)} µs/request`,
    );
    console.log(
      `${protocol} floor (JS Duplex + record crypto) ${floor.toFixed(0)} µs/request; ${label} / floor = ${(nodeTLS / floor).toFixed(2)}x ` +
        `(the most a JS TLS server on node:crypto can reach; target 1.2x); tlsservice / floor = ${(ours / floor).toFixed(2)}x; ` +
        `${label} / tlsservice = ${(nodeTLS / ours).toFixed(2)}x`,
    );
  }
}

const invokedDirectly = isMainThread && isMainScript(import.meta.url);

if (!isMainThread && (workerData as { floorLoad?: FloorOrder } | undefined)?.floorLoad) {
  parentPort!.postMessage(await floorLoad((workerData as { floorLoad: FloorOrder }).floorLoad));
} else if (invokedDirectly) {
  await main();
}
