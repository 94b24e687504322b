/**
 * The floor a JS Duplex puts under node:http and node:http2, without TLS: the same
 * keep-alive load as bench/http.ts against cleartext servers (HTTP/1.1 and h2c) fed
 * either the accepted net.Socket itself (native: node:http2 reads and writes its libuv
 * handle in C++) or a plain pass-through Duplex over that socket (what every socket of
 * our server is; node:http2 wraps it in its JSStreamSocket). The ratio is the most any
 * server handing node:http2 a JS stream can reach against one handing it a native
 * socket, before any TLS work. Servers alternate, median of `rounds`, load average printed.
 *   node dist/bench/http-duplex-floor.js [--seconds 2] [--concurrency 16] [--rounds 3]
 * Not part of `npm test`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isMainScript } from './main-script.js';
import { generateLoad, handler, type LoadResult } from './http-load.js';

/** What the load worker is asked to do: load the cleartext server on `port`. */
interface FloorOrder {
  readonly port: number;
  readonly protocol: 'h1' | 'h2';
  readonly concurrency: number;
  readonly seconds: number;
}

/** Pass-through Duplex over a socket: the shape of any non-native stream given to node:http(2). */
class PassThroughSocket extends Duplex {
  constructor(private readonly socket: net.Socket) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
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
    this.socket.write(chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length; i++) this.socket.write(chunks[i]!.chunk, i === chunks.length - 1 ? callback : undefined);
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


/** A cleartext server for `protocol`, fed native sockets or pass-through Duplexes. */
function server(protocol: 'h1' | 'h2', duplex: boolean): net.Server {
  const inner: net.Server = protocol === 'h1' ? http.createServer(handler) : http2.createServer(handler);
  if (!duplex) {
    // As the Duplex case (and our server's TCPRawConnection): no Nagle delay on either.
    inner.prependListener('connection', (socket: net.Socket) => socket.setNoDelay(true));
    return inner;
  }
  const sockets = new Set<net.Socket>();
  const outer = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    inner.emit('connection', new PassThroughSocket(socket));
  });
  outer.once('close', () => sockets.forEach((s) => s.destroy()));
  return outer;
}

/** CPU milliseconds of this process's main thread (where the servers run), from /proc (Linux; 10 ms ticks). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** What one load run measured: requests per second, and the server thread's CPU microseconds per request. */
interface Sample {
  readonly rate: number;
  readonly cpuMicrosPerRequest: number;
}

/** The shared load generator (bench/http-load.ts) against the cleartext server on `port`; tells the parent when counting begins. */
function floorLoad(order: FloorOrder): Promise<LoadResult> {
  const url = `http://127.0.0.1:${order.port}/`;
  return generateLoad({ url, protocol: order.protocol, concurrency: order.concurrency, warmupSeconds: 0.3, seconds: order.seconds }, () => parentPort!.postMessage('counting'));
}

async function sample(protocol: 'h1' | 'h2', duplex: boolean, concurrency: number, seconds: number): Promise<Sample> {
  const s = server(protocol, duplex);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  try {
    return await new Promise<Sample>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { floorLoad: { port, protocol, concurrency, seconds } } });
      let cpuAtStart = 0;
      worker.on('message', (message: 'counting' | LoadResult) => {
        if (message === 'counting') cpuAtStart = mainThreadCpuMs();
        else resolve({ rate: message.requests / message.seconds, cpuMicrosPerRequest: ((mainThreadCpuMs() - cpuAtStart) * 1000) / message.requests });
      });
      worker.once('error', reject);
    });
  } finally {
    (s as { closeAllConnections?: () => void }).closeAllConnections?.();
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
  const rates = new Map<string, Sample[]>();
  for (let round = 0; round < rounds; round++) {
    for (const protocol of ['h1', 'h2'] as const) {
      for (const duplex of [false, true]) {
        const key = `${protocol} ${duplex ? 'JS Duplex' : 'native socket'}`;
        rates.set(key, [...(rates.get(key) ?? []), await sample(protocol, duplex, concurrency, seconds)]);
      }
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rate = (key: string): number => median(rates.get(key)!.map((s) => s.rate));
  const cpu = (key: string): number => median(rates.get(key)!.map((s) => s.cpuMicrosPerRequest));
  console.log(`cleartext keep-alive, ${concurrency} concurrent, ${seconds} s x ${rounds} rounds, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const protocol of ['h1', 'h2']) {
    const native = `${protocol} native socket`;
    const duplex = `${protocol} JS Duplex`;
    console.log(
      `${protocol}: native socket ${rate(native).toFixed(0)} req/s (${cpu(native).toFixed(0)} µs server CPU/request), ` +
        `JS Duplex ${rate(duplex).toFixed(0)} req/s (${cpu(duplex).toFixed(0)} µs), rate ratio ${(rate(duplex) / rate(native)).toFixed(2)}x, ` +
        `CPU ratio ${(cpu(duplex) / cpu(native)).toFixed(2)}x`,
    );
  }
}

const invokedDirectly = isMainThread && isMainScript(import.meta.url);

if (!isMainThread && (workerData as { floorLoad?: FloorOrder } | undefined)?.floorLoad) {
  parentPort!.postMessage(await floorLoad((workerData as { floorLoad: FloorOrder }).floorLoad));
} else if (invokedDirectly) {
  await main();
}
