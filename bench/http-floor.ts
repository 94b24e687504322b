/**
 * What any TLS server written in JavaScript on node:crypto must pay per HTTP request
 * (issue 14 target 7), in two measured parts:
 * - node:http(2) over a JS Duplex (every socket such a server hands node:http is one;
 *   node:http2 wraps it in its JSStreamSocket), without TLS: `duplexServer`, which also
 *   counts the reads and writes per request and their sizes;
 * - the record crypto it cannot skip: node:crypto opening one record per read and sealing
 *   one per write at those sizes, through the node provider's AeadKey (one cipher object
 *   per record: node cannot re-key one): `recordCryptoMicros`.
 * Their sum is the floor; node's own TLS server's CPU per request over it is the most
 * requests/s such a server can reach against node's when the server is the bottleneck.
 * Used by bench/http.ts (section 9). Not part of `npm test`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { median } from './ab.js';
import { handler } from './http-load.js';

/** Reads and writes a pass-through Duplex saw: each read is at least one record to open, each write one to seal. */
export class TrafficCount {
  reads = 0;
  bytesRead = 0;
  writes = 0;
  bytesWritten = 0;

  /** What was counted since `earlier` (a copy taken with `snapshot`). */
  since(earlier: TrafficCount): TrafficCount {
    const window = new TrafficCount();
    window.reads = this.reads - earlier.reads;
    window.bytesRead = this.bytesRead - earlier.bytesRead;
    window.writes = this.writes - earlier.writes;
    window.bytesWritten = this.bytesWritten - earlier.bytesWritten;
    return window;
  }

  /** A copy of the counts now. */
  snapshot(): TrafficCount {
    return Object.assign(new TrafficCount(), this);
  }
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

/** A cleartext node:http (h1) or h2c server that is handed a pass-through Duplex over each accepted socket, counting into `count`. */
export function duplexServer(protocol: 'h1' | 'h2', count: TrafficCount): net.Server {
  const inner: net.Server = protocol === 'h1' ? http.createServer(handler) : http2.createServer(handler);
  const sockets = new Set<net.Socket>();
  const outer = net.createServer((socket) => {
    socket.setNoDelay(true); // as our server's TCPRawConnection does
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    inner.emit('connection', new PassThroughSocket(socket, count));
  });
  outer.once('close', () => sockets.forEach((s) => s.destroy()));
  return outer;
}

/** CPU milliseconds of this process's main thread (where the bench servers run, the load being in a worker), from /proc (Linux; 10 ms ticks). */
export function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU microseconds per call of `run`: the least of five 0.2 s windows, after one of warm-up. */
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
 * node:crypto's CPU for one TLS 1.3 record of `plaintextLength` bytes (plus its content-type
 * byte) with AES-128-GCM (the suite our server picks for node's clients), sealed and opened
 * as the record layer does it, one fresh cipher object per record.
 */
export function recordCryptoMicros(plaintextLength: number): { seal: number; open: number } {
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
  return { seal, open };
}

/** The floor for one protocol, from the JS Duplex run's CPU and counts per request and node's TLS server's CPU per request. */
export interface HTTPFloor {
  readonly protocol: 'h1' | 'h2';
  /** Server CPU µs per request of cleartext node:http(2) over a JS Duplex. */
  readonly duplexMicros: number;
  readonly readsPerRequest: number;
  readonly readBytes: number;
  /** node:crypto CPU µs to open one record of `readBytes`. */
  readonly openMicros: number;
  readonly writesPerRequest: number;
  readonly writeBytes: number;
  /** node:crypto CPU µs to seal one record of `writeBytes`. */
  readonly sealMicros: number;
  /** duplexMicros + the record crypto per request. */
  readonly floorMicros: number;
  /** Server CPU µs per request of node:https / node:http2 in the same run. */
  readonly nodeMicros: number;
  /** nodeMicros / floorMicros: the most requests/s a JS TLS server on node:crypto can reach against node's (target 7 asks 1.2x). */
  readonly reachable: number;
}

/** The median over samples of each count per request (each sample: the Duplex's traffic over its counted window and the requests served in it). */
export function perRequestMedian(samples: readonly { readonly traffic: TrafficCount; readonly requests: number }[]): TrafficCount {
  const per = (pick: (t: TrafficCount) => number): number => median(samples.map((s) => pick(s.traffic) / s.requests));
  return Object.assign(new TrafficCount(), {
    reads: per((t) => t.reads),
    bytesRead: per((t) => t.bytesRead),
    writes: per((t) => t.writes),
    bytesWritten: per((t) => t.bytesWritten),
  });
}

/** Works out the floor from per-request figures measured in the same run. */
export function httpFloor(protocol: 'h1' | 'h2', duplexMicros: number, perRequest: TrafficCount, nodeMicros: number): HTTPFloor {
  const readBytes = Math.round(perRequest.bytesRead / Math.max(perRequest.reads, 1e-9));
  const writeBytes = Math.round(perRequest.bytesWritten / Math.max(perRequest.writes, 1e-9));
  const openMicros = recordCryptoMicros(readBytes).open;
  const sealMicros = recordCryptoMicros(writeBytes).seal;
  const floorMicros = duplexMicros + perRequest.reads * openMicros + perRequest.writes * sealMicros;
  return {
    protocol,
    duplexMicros,
    readsPerRequest: perRequest.reads,
    readBytes,
    openMicros,
    writesPerRequest: perRequest.writes,
    writeBytes,
    sealMicros,
    floorMicros,
    nodeMicros,
    reachable: nodeMicros / floorMicros,
  };
}
