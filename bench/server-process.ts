/**
 * The benchmark server, run in its own process (`child_process.fork`) so client and
 * server each have an event loop and a core: listens on 127.0.0.1, accepts TCP
 * connections with TCPRawConnection + Connection.fromClient for one backend, and serves
 * them in the mode the parent asked for (see `server-handle.ts`).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { benchContainer, benchServerConfiguration } from './backends.js';
import { DIRECT_NODE_TLS, directPingPongServer, directSinkServer } from './direct-node-tls.js';
import { quantile } from './ab.js';
import type { MeasureKind, ParentMessage, ServerMessage, ServerMode } from './server-handle.js';

const PONG = new TextEncoder().encode('PONG');
const DONE = new TextEncoder().encode('DONE');

let established = 0;
let errors = 0;
const sockets = new Set<net.Socket>();

function send(message: ServerMessage): void {
  process.send?.(message);
}

/** Reads exactly `count` bytes (or fewer if the stream ends). */
async function readExactly(connection: Connection, count: number): Promise<Uint8Array> {
  const out = new Uint8Array(count);
  let got = 0;
  while (got < count) {
    const bytes = await connection.receiveBytes(count - got);
    if (bytes.length === 0) break;
    out.set(bytes, got);
    got += bytes.length;
  }
  return out.subarray(0, got);
}

/** Reads and discards exactly `count` bytes in large reads. */
async function drain(connection: Connection, count: number): Promise<void> {
  let left = count;
  while (left > 0) {
    const bytes = await connection.receiveBytes(Math.min(left, 1 << 20));
    if (bytes.length === 0) throw new Error(`stream ended with ${left} bytes outstanding`);
    left -= bytes.length;
  }
}

/** Serves one accepted connection in `mode`. */
async function serve(connection: Connection, mode: ServerMode): Promise<void> {
  switch (mode) {
    case 'ping-pong': {
      await readExactly(connection, 4);
      await connection.sendBytes(PONG);
      await connection.close();
      return;
    }
    case 'sink': {
      const header = await readExactly(connection, 8);
      const total = Number(new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0));
      await drain(connection, total);
      await connection.sendBytes(DONE);
      await connection.receiveBytes(1);
      await connection.close();
      return;
    }
    case 'idle': {
      established++;
      try {
        await connection.receiveBytes(1);
      } finally {
        established--;
      }
      await connection.close();
      return;
    }
  }
}

function start(backend: string, mode: ServerMode, processTicketKey: boolean, maxVersion: 'TLSv1.2' | undefined): void {
  if (backend === DIRECT_NODE_TLS && mode === 'idle') throw new Error(`${backend} serves ping-pong and sink only`);
  if (backend === DIRECT_NODE_TLS && maxVersion) throw new Error(`${backend} is not pinned to a version`);
  // node:tls direct keeps one SecureContext, and so one ticket key, for the whole server anyway.
  const ticketKeys = processTicketKey ? new Uint8Array(randomBytes(48)) : undefined;
  const server =
    backend !== DIRECT_NODE_TLS
      ? tlsServiceServer(backend, mode, ticketKeys, maxVersion)
      : mode === 'sink'
        ? directSinkServer(() => errors++)
        : directPingPongServer(() => errors++);
  server.prependListener('connection', (socket: net.Socket) => {
    connectionAccepted();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('error', (error) => send({ type: 'failed', message: error.message }));
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    const address = server.address();
    send({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

/** A TCP server handing each accepted socket to a Connection with a fresh service of `backend`. */
function tlsServiceServer(backend: string, mode: ServerMode, ticketKeys: Uint8Array | undefined, maxVersion: 'TLSv1.2' | undefined): net.Server {
  const container = benchContainer(backend);
  const configuration = benchServerConfiguration({ ...(ticketKeys ? { ticketKeys } : {}), ...(maxVersion ? { maxVersion } : {}) });
  return net.createServer((socket) => {
    const raw = TCPRawConnection.fromSocket(socket);
    void (async () => {
      try {
        const connection = await Connection.fromClient(raw, { service: serviceFrom(container), ...configuration });
        await serve(connection, mode);
      } catch {
        errors++;
        raw.destroy();
      }
    })();
  });
}

async function reportMemory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
  const usage = process.memoryUsage();
  send({
    type: 'memory',
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    established,
    errors,
  });
}

/** The measurement in progress (see MeasureKind). */
let measuring:
  | {
      kind: MeasureKind;
      cpu: NodeJS.CpuUsage;
      errors: number;
      /** The most CPU one loop turn took over the whole measurement. */
      longest: number;
      /** The most CPU one loop turn took since the last accepted connection; -1 before the first. */
      window: number;
      /** The longest turn of each connection's window, in accept order. */
      perConnection: number[];
      running: boolean;
    }
  | undefined;

/** A reading of the two clocks a loop turn is bounded by. */
interface Clocks {
  readonly wall: number;
  readonly cpu: NodeJS.CpuUsage;
}

function clocks(): Clocks {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/**
 * Reads the clocks at every event-loop turn while a blocking measurement runs and keeps
 * the longest turn, overall and per connection. A turn's main-thread CPU time is at most
 * its wall time (which on a shared machine also counts the time the OS gave other
 * processes) and at most the process's CPU time over it (which also counts V8's
 * concurrent compiler and GC threads); Node 20 has no per-thread clock, so the turn
 * counts as the smaller of the two.
 */
function tick(last: Clocks): void {
  const current = measuring;
  if (!current?.running) return;
  const now = clocks();
  const cpuMs = (now.cpu.user - last.cpu.user + now.cpu.system - last.cpu.system) / 1000;
  const ms = Math.min(cpuMs, now.wall - last.wall);
  if (ms > current.longest) current.longest = ms;
  if (current.window >= 0 && ms > current.window) current.window = ms;
  setImmediate(tick, now);
}

/**
 * A connection was accepted: the previous connection's window ends here. The client
 * connects one at a time, so a window (one accept to the next) holds one handshake and
 * its exchange, and its longest turn is that handshake's longest synchronous slice.
 */
function connectionAccepted(): void {
  const current = measuring;
  if (current?.kind !== 'blocking') return;
  if (current.window >= 0) current.perConnection.push(current.window);
  current.window = 0;
}

function measureStart(kind: MeasureKind): void {
  measuring = { kind, cpu: process.cpuUsage(), errors, longest: 0, window: -1, perConnection: [], running: true };
  if (kind === 'blocking') setImmediate(tick, clocks());
  send({ type: 'measuring' });
}


function measureStop(): void {
  const current = measuring;
  if (!current) return;
  current.running = false;
  measuring = undefined;
  if (current.window >= 0) current.perConnection.push(current.window);
  const cpu = process.cpuUsage(current.cpu);
  send({
    type: 'measured',
    kind: current.kind,
    cpuMs: (cpu.user + cpu.system) / 1000,
    longestSliceMs: current.longest,
    sliceP50Ms: quantile(current.perConnection, 0.5),
    sliceP90Ms: quantile(current.perConnection, 0.9),
    slicedConnections: current.perConnection.length,
    errors: errors - current.errors,
  });
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      try {
        start(message.backend, message.mode, message.processTicketKey === true, message.maxVersion);
      } catch (error) {
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
      break;
    case 'memory':
      void reportMemory();
      break;
    case 'measure-start':
      measureStart(message.kind);
      break;
    case 'measure-stop':
      measureStop();
      break;
    case 'stop':
      for (const socket of sockets) socket.destroy();
      process.disconnect?.();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
