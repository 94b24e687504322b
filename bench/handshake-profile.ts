/**
 * Server-side cost of a TLS handshake, per backend (issue 14 targets 5 and 6, issue 13's
 * resumed rate): a server process (this script, forked with `--serve`) accepts loopback
 * connections doing handshake, PING, PONG, close, and reports its own CPU time per
 * handshake (the client process's CPU per handshake is printed beside it) and its longest event-loop stall (`monitorEventLoopDelay`, 1 ms resolution);
 * the client side keeps `concurrency` connections in flight and reports handshakes/s.
 *
 * Run: `node dist/bench/handshake-profile.js [--seconds 5] [--backends a,b] [--concurrency 1,16]
 * [--client same|node-tls] [--resumed] [--rsa] [--slices] [--cpu-prof DIR]`. `--client same` (the default)
 * pairs each backend with itself as bench/run.ts does; `--client node-tls` uses the node-tls
 * backend as every client, so the server is what is measured. `--cpu-prof DIR` writes the
 * server's V8 CPU profile of the measured window there. `--slices` adds a 1 ms timer in the
 * server that records the most CPU time spent between two ticks (the longest synchronous
 * slice, robust to a loaded machine; the timer itself costs CPU, so CPU per handshake is
 * read from runs without it). Not part of `npm test`.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import tls from 'node:tls';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { quantile } from './ab.js';
import type { Container } from 'inversify';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { benchContainer, benchServerConfiguration, NODE_TLS, NOBLE_ON_NODE_CRYPTO } from './backends.js';
import { DIRECT_NODE_TLS, directPingPong, directPingPongServer } from './direct-node-tls.js';
import { connectToBenchServer, receiveExactly } from './tcp-client.js';
import { localhostRSA } from '../test/fixtures/certs.js';

const PING = new TextEncoder().encode('PING');
const PONG = new TextEncoder().encode('PONG');
/** node:tls's 48-byte ticketKeys form, the same in every server, so resumption works across runs. */
const TICKET_KEYS = new Uint8Array(48).fill(7);
/** The label of the node:tls reference on the command line. */
const DIRECT = 'direct';

/** What the server process reports for one measured window. */
interface ServerReport {
  readonly type: 'report';
  readonly handshakes: number;
  readonly resumed: number;
  readonly cpuMs: number;
  /** Longest event-loop delay seen (wall clock; inflated on a loaded machine). */
  readonly maxStallMs: number;
  /** Median and 90th percentile over connections of the most CPU time spent between two 1 ms ticks while it was open. */
  readonly sliceCpuMs: readonly [number, number];
  readonly errors: number;
}

// ---------------------------------------------------------------- server process

function serve(backend: string, slices: boolean, profileDir: string | undefined, rsa: boolean): void {
  let handshakes = 0;
  let resumed = 0;
  let errors = 0;
  let cpuStart = process.cpuUsage();
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  // The longest slice in CPU time: what the process used between two 1 ms timer ticks (robust to
  // a loaded machine), the most of it while each connection was open (at concurrency 1 that
  // connection's own longest slice), reported as the median and 90th percentile over connections.
  let lastCpu = 0;
  let open = 0;
  let connectionMax = 0;
  let perConnection: number[] = [];
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  if (slices) {
    setInterval(() => {
      const now = cpuNow();
      if (lastCpu > 0 && open > 0) connectionMax = Math.max(connectionMax, now - lastCpu);
      lastCpu = now;
    }, 1).unref();
  }
  const onConnection = (socket: net.Socket): void => {
    open++;
    socket.once('close', () => {
      open--;
      if (open === 0) {
        perConnection.push(connectionMax);
        connectionMax = 0;
      }
    });
  };
  const profiler = profileDir ? new inspector.Session() : undefined;
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => profiler!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const server =
    backend === DIRECT
      ? rsa
        ? directRsaServer(() => errors++)
        : directPingPongServer(() => errors++)
      : (() => {
          const container = benchContainer(backend);
          const configuration = benchServerConfiguration({ ticketKeys: TICKET_KEYS, ...(rsa ? localhostRSA : {}) });
          return net.createServer((socket) => {
            const raw = TCPRawConnection.fromSocket(socket);
            void (async () => {
              try {
                const connection = await Connection.fromClient(raw, { service: serviceFrom(container), ...configuration });
                handshakes++;
                if (connection.negotiated.resumed) resumed++;
                const ping = await connection.receiveBytes(4);
                if (ping.length === 0) throw new Error('no PING');
                await connection.sendBytes(PONG);
                await connection.close();
              } catch {
                errors++;
                raw.destroy();
              }
            })();
          });
        })();
  if (backend === DIRECT) {
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      handshakes++;
      if (socket.isSessionReused()) resumed++;
    });
  }
  server.on('connection', onConnection);
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    const address = server.address();
    process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'begin') {
      handshakes = resumed = errors = 0;
      cpuStart = process.cpuUsage();
      stalls.reset();
      stalls.enable();
      lastCpu = 0;
      perConnection = [];
      if (profiler) {
        profiler.connect();
        void post('Profiler.enable').then(() => post('Profiler.start'));
      }
    } else if (message.type === 'end') {
      stalls.disable();
      const cpu = process.cpuUsage(cpuStart);
      if (profiler) {
        void post('Profiler.stop').then((result) => {
          const file = path.join(profileDir!, `${backend.replace(/\W/g, '_')}.cpuprofile`);
          writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
          profiler.disconnect();
        });
      }
      const report: ServerReport = {
        type: 'report',
        handshakes,
        resumed,
        cpuMs: (cpu.user + cpu.system) / 1000,
        maxStallMs: Math.max(0, stalls.max / 1e6 - 1),
        sliceCpuMs: [quantile(perConnection, 0.5), quantile(perConnection, 0.9)],
        errors,
      };
      process.send?.(report);
    } else if (message.type === 'stop') {
      process.exit(0);
    }
  });
}

/** The node:tls reference with the RSA leaf (bench/direct-node-tls.ts serves the ECDSA one). */
function directRsaServer(onError: () => void): tls.Server {
  const server = tls.createServer({ cert: localhostRSA.cert, key: localhostRSA.key }, (socket) => {
    socket.once('data', () => socket.end(PONG));
    socket.on('error', () => {
      onError();
      socket.destroy();
    });
  });
  server.on('tlsClientError', onError);
  return server;
}


// ---------------------------------------------------------------- client side

interface Options {
  readonly seconds: number;
  readonly backends: readonly string[];
  readonly concurrencies: readonly number[];
  readonly client: 'same' | 'node-tls';
  readonly resumed: boolean;
  readonly slices: boolean;
  /** Serve the RSA-2048 localhost leaf instead of the ECDSA P-256 one. */
  readonly rsa: boolean;
  readonly cpuProf: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    seconds: Number(value('--seconds') ?? 5),
    backends: (value('--backends') ?? `${DIRECT},${NODE_TLS},${NOBLE_ON_NODE_CRYPTO},noble`).split(','),
    concurrencies: (value('--concurrency') ?? '1,16').split(',').map(Number),
    client: value('--client') === 'node-tls' ? 'node-tls' : 'same',
    resumed: argv.includes('--resumed'),
    slices: argv.includes('--slices'),
    rsa: argv.includes('--rsa'),
    cpuProf: value('--cpu-prof'),
  };
}

/** A forked server process for `backend`. */
async function startServer(backend: string, slices: boolean, rsa: boolean, cpuProf: string | undefined) {
  const args = ['--serve', backend, ...(slices ? ['--slices'] : []), ...(rsa ? ['--rsa'] : []), ...(cpuProf ? ['--cpu-prof', cpuProf] : [])];
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.once('message', (m: { type: string; port: number }) => (m.type === 'listening' ? resolve(m.port) : reject(new Error(m.type))));
  });
  const report = (): Promise<ServerReport> =>
    new Promise((resolve) => {
      const onMessage = (m: ServerReport): void => {
        if (m.type !== 'report') return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send({ type: 'end' });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    });
  return { port, begin: () => child.send({ type: 'begin' }), report, stop };
}

/** One connection: handshake (offering `session` if given), PING, PONG, close; returns the next session. */
async function pingPong(container: Container | undefined, port: number, session: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  if (!container) {
    await directPingPong(port);
    return undefined;
  }
  const connection = await connectToBenchServer(container, port, session ? { session } : {});
  try {
    const arrived = new Promise<Uint8Array | undefined>((resolve) => {
      connection.sessions.onSession((s) => resolve(s));
      setTimeout(() => resolve(undefined), 200).unref();
    });
    await connection.sendBytes(PING);
    await receiveExactly(connection, 4);
    // A resumed connection may bring no new ticket (node:tls servers send none): keep the old one then.
    return connection.sessions.getSession() ?? (connection.sessions.isSessionReused() ? undefined : await arrived);
  } finally {
    await connection.close();
  }
}

/** One measured cell: warm-up, then `seconds` of connections at `concurrency`. */
async function cell(backend: string, concurrency: number, options: Options) {
  const server = await startServer(backend, options.slices, options.rsa, options.cpuProf);
  const clientLabel = options.client === 'node-tls' ? (backend === DIRECT ? DIRECT : NODE_TLS) : backend;
  const container = clientLabel === DIRECT ? undefined : benchContainer(clientLabel);
  let counting = false;
  let done = 0;
  let stopAt = performance.now() + 1500; // warm-up
  const worker = async (): Promise<void> => {
    let session: Uint8Array | undefined;
    let first: Uint8Array | undefined;
    while (performance.now() < stopAt) {
      try {
        const next = await pingPong(container, server.port, options.resumed ? session : undefined);
        // A node-tls server does not renew a resumed ticket: keep the first one.
        session = next ?? first;
        first ??= next;
        if (counting) done++;
      } catch {
        /* counted by the server */
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  server.begin();
  counting = true;
  const start = performance.now();
  const clientCpuStart = process.cpuUsage();
  stopAt = start + options.seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const clientCpu = process.cpuUsage(clientCpuStart);
  const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
  const report = await server.report();
  await server.stop();
  return { backend, concurrency, perSecond: done / seconds, clientCpuMs, clientHandshakes: done, ...report };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const serving = process.argv.indexOf('--serve');
  if (serving >= 0) return serve(process.argv[serving + 1]!, options.slices, options.cpuProf, options.rsa);
  console.log(
    `${options.resumed ? 'resumed' : 'full'} handshakes, ${options.rsa ? 'RSA-2048' : 'ECDSA P-256'} server key, client ${options.client}, ${options.seconds} s per cell; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log('backend              conc  handshakes/s  server CPU ms/hs  client CPU ms/hs  slice CPU ms p50/p90  max stall ms  resumed  errors');
  for (const backend of options.backends) {
    for (const concurrency of options.concurrencies) {
      const r = await cell(backend, concurrency, options);
      const cpuPer = r.handshakes > 0 ? r.cpuMs / r.handshakes : NaN;
      const clientPer = r.clientHandshakes > 0 ? r.clientCpuMs / r.clientHandshakes : NaN;
      console.log(
        `${(backend === DIRECT ? DIRECT_NODE_TLS.slice(0, 16) : backend).padEnd(20)} ${String(concurrency).padStart(4)} ${r.perSecond.toFixed(1).padStart(13)} ${cpuPer.toFixed(2).padStart(17)} ${clientPer.toFixed(2).padStart(17)} ${`${r.sliceCpuMs[0].toFixed(2)} / ${r.sliceCpuMs[1].toFixed(2)}`.padStart(21)} ${r.maxStallMs.toFixed(1).padStart(13)} ${String(r.resumed).padStart(8)} ${String(r.errors).padStart(7)}`,
      );
    }
  }
}

void main();
