/**
 * Where the node-tls backend's handshake rate goes against node:tls used directly (issue
 * 14 target 1): the CPU one connection (handshake, PING, PONG, close) costs the client
 * (this process) and the server (its own process), for the backend and for node:tls
 * direct with one of the backend's per-connection habits added at a time. Connections
 * alternate between the variants one by one (concurrency 1), so a shared machine's load
 * falls on every variant alike; the load average is printed.
 *
 * Variants (the server is node:tls direct except for `backend`):
 * - `backend`: our Connection + node-tls service on both ends (bench/connection-rate.ts);
 * - `direct`: bench/direct-node-tls.ts, the bench's reference;
 * - `direct+socket`: tls.connect over an already connected net.Socket, as the backend does;
 * - `+keylog`: with a 'keylog' listener (the backend's client verifies at the key-log
 *   line, to send its alert ahead of its Finished);
 * - `+session`: with a 'session' listener (OpenSSL then serializes each ticket's session);
 * - `+snapshot`: without a 'session' listener, reading the session once at the end instead
 *   (`getTLSTicket()`, then `getSession()` when a ticket is in), as the backend's client
 *   keeps its newest session for `getSession()` after close;
 * - `+close`: closing as Connection.close() does (close_notify and FIN once PONG is in,
 *   destroy once flushed) rather than waiting for the server's close_notify first.
 *
 * - `baseline`: with `--baseline DIR`, the backend of another build (DIR is its dist/,
 *   e.g. a worktree of the commit before a change), so a change is A/B'd in one run.
 *
 * `--warm-up N` connections per variant before measuring (default 50): per-connection
 * code runs unoptimized for the first thousands of connections.
 *
 *   node dist/bench/node-tls-overhead.js [connections per variant, default 400] [--baseline DIR] [--warm-up N]
 * Not part of `npm test`.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { benchClientConfiguration, benchContainer, NODE_TLS } from './backends.js';
import { pingPong } from './connection-rate.js';
import { DIRECT_NODE_TLS, directPingPong } from './direct-node-tls.js';
import { BenchServer } from './server-handle.js';

/** One measured variant: its server and how a client makes one connection. */
interface Variant {
  readonly name: string;
  readonly server: BenchServer;
  readonly connect: (port: number) => Promise<unknown>;
  clientCpuMicros: number;
}

/** node:tls direct over a connected socket, with the backend's habits named in `habits`. */
function directOverSocket(habits: ReadonlySet<'keylog' | 'session' | 'snapshot' | 'close'>): (port: number) => Promise<void> {
  const configuration = benchClientConfiguration();
  const secureContext = tls.createSecureContext({ ca: configuration.ca as string });
  return (port) =>
    new Promise((resolve, reject) => {
      const raw = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      raw.once('error', reject);
      raw.once('connect', () => {
        raw.setNoDelay(true);
        const socket = tls.connect({ socket: raw, servername: configuration.servername, secureContext, allowHalfOpen: true } as tls.ConnectionOptions);
        if (habits.has('keylog')) socket.on('keylog', (line: Buffer) => line.toString('latin1'));
        if (habits.has('session')) socket.on('session', (session: Buffer) => new Uint8Array(session));
        let answer = '';
        socket.once('secureConnect', () => socket.write('PING'));
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString('latin1');
          if (answer.length >= 4 && habits.has('snapshot') && socket.getTLSTicket() !== undefined) socket.getSession();
          if (answer.length >= 4 && habits.has('close')) {
            socket.once('finish', () => {
              socket.destroy();
              resolve();
            });
            socket.end();
          }
        });
        if (!habits.has('close')) {
          socket.once('end', () => {
            socket.end();
            resolve();
          });
        }
        socket.once('error', reject);
      });
    });
}

/** The backend variant of the build in `dist` (its own bench modules, server process and container). */
async function backendOf(name: string, dist: string): Promise<Variant> {
  const base = pathToFileURL(`${path.resolve(dist)}/bench/`).href;
  const backends = (await import(`${base}backends.js`)) as typeof import('./backends.js');
  const rate = (await import(`${base}connection-rate.js`)) as typeof import('./connection-rate.js');
  const handle = (await import(`${base}server-handle.js`)) as typeof import('./server-handle.js');
  const container = backends.benchContainer(NODE_TLS);
  return { name, server: await handle.BenchServer.start(NODE_TLS, 'ping-pong'), connect: (port) => rate.pingPong(container, port), clientCpuMicros: 0 };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const baselineAt = args.indexOf('--baseline');
  const baseline = baselineAt >= 0 ? args.splice(baselineAt, 2)[1] : undefined;
  const warmAt = args.indexOf('--warm-up');
  const warmUp = warmAt >= 0 ? Number(args.splice(warmAt, 2)[1]) : 50;
  const perVariant = Number(args[0] ?? 400);
  const container = benchContainer(NODE_TLS);
  const direct = async (name: string, connect: (port: number) => Promise<unknown>): Promise<Variant> => ({
    name,
    server: await BenchServer.start(DIRECT_NODE_TLS, 'ping-pong'),
    connect,
    clientCpuMicros: 0,
  });
  const variants: Variant[] = [
    { name: 'backend', server: await BenchServer.start(NODE_TLS, 'ping-pong'), connect: (port) => pingPong(container, port), clientCpuMicros: 0 },
    await direct('direct', (port) => directPingPong(port)),
    await direct('direct+socket', directOverSocket(new Set())),
    await direct('direct+socket+keylog', directOverSocket(new Set(['keylog']))),
    await direct('direct+socket+session', directOverSocket(new Set(['session']))),
    await direct('direct+socket+snapshot', directOverSocket(new Set(['snapshot']))),
    await direct('direct+socket+close', directOverSocket(new Set(['close']))),
    ...(baseline ? [await backendOf('baseline', baseline)] : []),
  ];
  try {
    for (const variant of variants) for (let i = 0; i < warmUp; i++) await variant.connect(variant.server.port); // JIT, caches
    for (const variant of variants) await variant.server.measureStart('cpu');
    for (let i = 0; i < perVariant; i++) {
      for (const variant of variants) {
        const before = process.cpuUsage();
        await variant.connect(variant.server.port);
        const used = process.cpuUsage(before);
        variant.clientCpuMicros += used.user + used.system;
      }
    }
    const rows = [];
    for (const variant of variants) {
      const measured = await variant.server.measureStop();
      rows.push({ name: variant.name, server: measured.cpuMs / perVariant, client: variant.clientCpuMicros / 1000 / perVariant });
    }
    const reference = rows.find((r) => r.name === 'direct')!;
    console.log(`${perVariant} connections per variant after ${warmUp} to warm up, alternating, concurrency 1, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log('variant                  server ms/conn  (direct = 1)  client ms/conn  (direct = 1)');
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(24)} ${r.server.toFixed(3).padStart(14)}  ${(r.server / reference.server).toFixed(2).padStart(11)}x  ${r.client.toFixed(3).padStart(14)}  ${(r.client / reference.client).toFixed(2).padStart(11)}x`,
      );
    }
  } finally {
    for (const variant of variants) await variant.server.stop();
  }
}

await main();
