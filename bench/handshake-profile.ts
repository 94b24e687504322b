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
 * read from runs without it). Backends are the bench labels plus `direct` (node:tls itself)
 * and `bare-tcp` (a net.Server answering PONG, none of this library: Node's socket lifecycle alone).
 *
 * For the TCP gap (docs/handshake-profile.md round 4): `--warmup S` (seconds of connections
 * before measuring, default 1.5), `--windows N` (measured windows per server process, one after
 * another), `--rounds N` (every cell again, in turn), `--breakdown` (user/system, CPU per thread,
 * context switches, loop iterations, GC per handshake: bench/process-breakdown.ts),
 * `--async-counts` (async resources created per handshake, by type), `--trace-jit` (V8's
 * --trace-opt/--trace-deopt during the windows only, on the server's stdout), `--strace FILE`
 * (`strace -c -f` on the server for each window), `--no-stalls` (no 1 ms stall monitor: it wakes
 * an idle server every millisecond), `--server-flags "A|B"` (one server per set of Node flags) and
 * `--builds rootA,rootB` (one server per build's dist/): variants measured window by window in
 * turn, with a min/median line per cell. Not part of `npm test`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import tls from 'node:tls';
import net from 'node:net';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { line, quantile, roundOrder } from './ab.js';
import type { Container } from 'inversify';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { benchContainer, benchServerConfiguration, NODE_TLS, NOBLE_ON_NODE_CRYPTO, PLAINTEXT } from './backends.js';
import { DIRECT_NODE_TLS, directPingPong, directPingPongServer } from './direct-node-tls.js';
import { connectToBenchServer, receiveExactly } from './tcp-client.js';
import { localhostRSA } from '../test/fixtures/certs.js';
import { breakdown, countAsyncResources, formatBreakdown, snapshot, type Breakdown, type ProcessSnapshot } from './process-breakdown.js';

const PING = new TextEncoder().encode('PING');
const PONG = new TextEncoder().encode('PONG');
/** node:tls's 48-byte ticketKeys form, the same in every server, so resumption works across runs. */
const TICKET_KEYS = new Uint8Array(48).fill(7);
/** The label of the node:tls reference on the command line. */
const DIRECT = 'direct';
/** The label of a bare net.Server (no TLS, none of this library): what Node's socket lifecycle alone costs, against `plaintext`. */
const BARE_TCP = 'bare-tcp';

/** What the server process reports for one measured window. */
interface ServerReport {
  readonly type: 'report';
  readonly handshakes: number;
  readonly resumed: number;
  readonly cpuMs: number;
  /** Longest event-loop delay seen (wall clock; inflated on a loaded machine); absent with `--no-stalls`. */
  readonly maxStallMs?: number;
  /** Median and 90th percentile over connections of the most CPU time spent between two 1 ms ticks while it was open. */
  readonly sliceCpuMs: readonly [number, number];
  readonly errors: number;
  /** With `--breakdown`: where the server's CPU went, per handshake. */
  readonly breakdown?: Breakdown;
  /** With `--async-counts`: async resources created per handshake, by type. */
  readonly asyncPerHandshake?: Readonly<Record<string, number>>;
}

/** What the server process measures beside its CPU time. */
interface ServeOptions {
  readonly slices: boolean;
  readonly profileDir: string | undefined;
  readonly rsa: boolean;
  readonly breakdown: boolean;
  readonly asyncCounts: boolean;
  /** Run `monitorEventLoopDelay` (a 1 ms libuv timer: it wakes an idle server every millisecond, which costs CPU). */
  readonly stallMonitor: boolean;
  /** V8's `--trace-opt --trace-deopt` on for the measured windows only (their lines go to the server's stdout). */
  readonly traceJit: boolean;
}

// ---------------------------------------------------------------- server process

function serve(backend: string, { slices, profileDir, rsa, breakdown: breaking, asyncCounts, stallMonitor, traceJit }: ServeOptions): void {
  let handshakes = 0;
  let before: ProcessSnapshot | undefined;
  const asyncResources = asyncCounts ? countAsyncResources() : undefined;
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
    backend === BARE_TCP
      ? bareTcpServer(() => handshakes++)
      : backend === DIRECT
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
      if (stallMonitor) stalls.enable();
      lastCpu = 0;
      perConnection = [];
      if (breaking) before = snapshot();
      if (traceJit) setFlagsFromString('--trace-opt --trace-deopt');
      asyncResources?.enable();
      if (profiler) {
        profiler.connect();
        void post('Profiler.enable').then(() => post('Profiler.start'));
      }
    } else if (message.type === 'end') {
      stalls.disable();
      const cpu = process.cpuUsage(cpuStart);
      const after = before ? snapshot() : undefined;
      if (traceJit) setFlagsFromString('--no-trace-opt --no-trace-deopt');
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
        ...(stallMonitor ? { maxStallMs: Math.max(0, stalls.max / 1e6 - 1) } : {}),
        sliceCpuMs: [quantile(perConnection, 0.5), quantile(perConnection, 0.9)],
        errors,
        ...(before && after ? { breakdown: breakdown(before, after, handshakes) } : {}),
        ...(asyncResources ? { asyncPerHandshake: Object.fromEntries([...asyncResources.counts].map(([type, n]) => [type, n / handshakes])) } : {}),
      };
      process.send?.(report);
    } else if (message.type === 'stop') {
      process.exit(0);
    }
  });
}

/** Reads PING, answers PONG and ends, with net.Socket alone (half-open, no delay, as TCPRawConnection sets them). */
function bareTcpServer(onConnection: () => void): net.Server {
  return net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    onConnection();
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end(PONG));
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
  readonly breakdown: boolean;
  readonly asyncCounts: boolean;
  readonly stallMonitor: boolean;
  readonly traceJit: boolean;
  /** Node flags for the server processes, one set per variant (`--server-flags "--max-semi-space-size=16|--single-threaded-gc"`; an empty set is allowed). */
  readonly serverFlags: readonly (readonly string[])[];
  /** Count the server's system calls over the measured window with `strace -c -f` into this file. */
  readonly strace: string | undefined;
  /** Repeat every cell this many times, in turn (A, B, A, B ...). */
  readonly rounds: number;
  /** Measured windows per server process, one after the other (shows what warming up still changes). */
  readonly windows: number;
  /** Connections before the first window, in seconds (default 1.5). */
  readonly warmupSeconds: number;
  /** Checkouts with dist/ built whose servers are compared, window by window (the client is this build's). */
  readonly builds: readonly string[];
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
    breakdown: argv.includes('--breakdown'),
    asyncCounts: argv.includes('--async-counts'),
    stallMonitor: !argv.includes('--no-stalls'),
    traceJit: argv.includes('--trace-jit'),
    serverFlags: (value('--server-flags') ?? '').split('|').map((set) => set.split(' ').filter(Boolean)),
    strace: value('--strace'),
    rounds: Number(value('--rounds') ?? 1),
    windows: Number(value('--windows') ?? 1),
    warmupSeconds: Number(value('--warmup') ?? 1.5),
    builds: (value('--builds') ?? '').split(',').filter(Boolean),
  };
}

/** What a server process runs: the bench script of one build, with Node flags. */
interface ServerVariant {
  readonly script: string;
  readonly flags: readonly string[];
}

/** Every build (`--builds`, default this one) with every set of `--server-flags`, in that order. */
function serverVariants(options: Options): ServerVariant[] {
  const scripts = options.builds.length > 0 ? options.builds.map((root) => path.resolve(root, 'dist/bench/handshake-profile.js')) : [fileURLToPath(import.meta.url)];
  return scripts.flatMap((script) => options.serverFlags.map((flags) => ({ script, flags })));
}

/** A forked server process for `backend`, running `script` (this file, or the same bench of another build). */
async function startServer(backend: string, options: Options, { script, flags }: ServerVariant) {
  const { slices, rsa, cpuProf } = options;
  const args = [
    '--serve',
    backend,
    ...(slices ? ['--slices'] : []),
    ...(rsa ? ['--rsa'] : []),
    ...(cpuProf ? ['--cpu-prof', cpuProf] : []),
    ...(options.breakdown ? ['--breakdown'] : []),
    ...(options.asyncCounts ? ['--async-counts'] : []),
    ...(options.stallMonitor ? [] : ['--no-stalls']),
    ...(options.traceJit ? ['--trace-jit'] : []),
  ];
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...flags] });
  let tracer: ChildProcess | undefined;
  let traced = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.once('message', (m: { type: string; port: number }) => (m.type === 'listening' ? resolve(m.port) : reject(new Error(m.type))));
  });
  /** strace attached to every thread of the server for the measured window (`strace -c` prints its table when interrupted). */
  const traceStart = async (): Promise<void> => {
    if (!options.strace) return;
    tracer = spawn('strace', ['-c', '-f', '-o', `${options.strace}.${backend.replace(/\W/g, '_')}.${child.pid}.${++traced}`, '-p', String(child.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    // strace reports each thread it attached to on stderr: wait for the first before measuring.
    await new Promise<void>((resolve, reject) => {
      tracer!.once('error', () => reject(new Error('strace not found: apt-get install -y strace')));
      tracer!.stderr!.once('data', () => resolve());
    });
  };
  const traceStop = async (): Promise<void> => {
    if (!tracer) return;
    const exited = new Promise((resolve) => tracer!.once('exit', resolve));
    tracer.kill('SIGINT');
    await exited;
  };
  const report = async (): Promise<ServerReport> => {
    await traceStop();
    return new Promise((resolve) => {
      const onMessage = (m: ServerReport): void => {
        if (m.type !== 'report') return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send({ type: 'end' });
    });
  };
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    });
  const begin = async (): Promise<void> => {
    await traceStart();
    child.send({ type: 'begin' });
  };
  return { port, begin, report, stop };
}

/** One connection: handshake (offering `session` if given), PING, PONG, close; returns the next session. */
async function pingPong(container: Container | undefined, port: number, resuming: boolean, session: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  if (!container) {
    await directPingPong(port);
    return undefined;
  }
  const connection = await connectToBenchServer(container, port, session ? { session } : {});
  try {
    if (!resuming) {
      await connection.sendBytes(PING);
      await receiveExactly(connection, 4);
      return undefined;
    }
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

/** One measured window's figures, client and server. */
type WindowResult = ServerReport & { readonly variant: number; readonly perSecond: number; readonly clientCpuMs: number; readonly clientHandshakes: number };

/**
 * One measured cell: a server process per build, each warmed up, then `windows` windows of
 * `seconds` of connections at `concurrency`, the builds taking turns (A B, B A, ...).
 */
async function cell(backend: string, concurrency: number, options: Options): Promise<WindowResult[]> {
  const servers = [];
  for (const variant of serverVariants(options)) servers.push(await startServer(backend, options, variant));
  // The plaintext server takes plaintext clients only.
  const clientLabel = backend === BARE_TCP ? PLAINTEXT : options.client === 'node-tls' && backend !== DIRECT && backend !== PLAINTEXT ? NODE_TLS : backend;
  const container = clientLabel === DIRECT ? undefined : benchContainer(clientLabel);
  let counting = false;
  let done = 0;
  let stopAt = 0;
  let port = 0;
  const worker = async (): Promise<void> => {
    let session: Uint8Array | undefined;
    let first: Uint8Array | undefined;
    while (performance.now() < stopAt) {
      try {
        const next = await pingPong(container, port, options.resumed, session);
        // A node-tls server does not renew a resumed ticket: keep the first one.
        session = next ?? first;
        first ??= next;
        if (counting) done++;
      } catch {
        /* counted by the server */
      }
    }
  };
  const run = async (seconds: number): Promise<void> => {
    stopAt = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  for (const server of servers) {
    port = server.port;
    await run(options.warmupSeconds);
  }
  const results: WindowResult[] = [];
  for (let w = 0; w < options.windows; w++) {
    for (const build of roundOrder(servers.length, w)) {
      const server = servers[build]!;
      port = server.port;
      await server.begin();
      counting = true;
      done = 0;
      const start = performance.now();
      const clientCpuStart = process.cpuUsage();
      await run(options.seconds);
      counting = false;
      const seconds = (performance.now() - start) / 1000;
      const clientCpu = process.cpuUsage(clientCpuStart);
      const report = await server.report();
      results.push({ ...report, variant: build, perSecond: done / seconds, clientCpuMs: (clientCpu.user + clientCpu.system) / 1000, clientHandshakes: done });
    }
  }
  for (const server of servers) await server.stop();
  return results;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const serving = process.argv.indexOf('--serve');
  if (serving >= 0) {
    const { slices, cpuProf: profileDir, rsa, breakdown: breaking, asyncCounts, stallMonitor, traceJit } = options;
    return serve(process.argv[serving + 1]!, { slices, profileDir, rsa, breakdown: breaking, asyncCounts, stallMonitor, traceJit });
  }
  console.log(
    `${options.resumed ? 'resumed' : 'full'} handshakes, ${options.rsa ? 'RSA-2048' : 'ECDSA P-256'} server key, client ${options.client}, ${options.seconds} s per cell; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const variants = serverVariants(options);
  if (variants.length > 1) variants.forEach((v, i) => console.log(`V${i + 1}: ${v.script} ${v.flags.join(' ')}`));
  console.log('backend              conc  handshakes/s  server CPU ms/hs  client CPU ms/hs  slice CPU ms p50/p90  max stall ms  resumed  errors');
  for (let round = 0; round < options.rounds; round++) {
    for (const backend of options.backends) {
      for (const concurrency of options.concurrencies) {
        const results = await cell(backend, concurrency, options);
        const variants = serverVariants(options);
        for (const [i, r] of results.entries()) printWindow(backend, concurrency, r, variants.length > 1 ? `V${r.variant + 1}` : options.windows > 1 ? `#${i + 1}` : '');
        if (variants.length > 1) {
          const perBuild = variants.map((_, build) => results.filter((r) => r.variant === build).map((r) => r.cpuMs / r.handshakes));
          console.log(line(`${backend} c=${concurrency} server`, perBuild, 'CPU ms per handshake'));
        }
      }
    }
  }
}

/** One row of the table (and the breakdown lines under it). */
function printWindow(backend: string, concurrency: number, r: WindowResult, tag: string): void {
  const cpuPer = r.handshakes > 0 ? r.cpuMs / r.handshakes : NaN;
  const clientPer = r.clientHandshakes > 0 ? r.clientCpuMs / r.clientHandshakes : NaN;
  const label = `${backend === DIRECT ? DIRECT_NODE_TLS.slice(0, 16) : backend}${tag ? ` ${tag}` : ''}`;
  console.log(
    `${label.padEnd(20)} ${String(concurrency).padStart(4)} ${r.perSecond.toFixed(1).padStart(13)} ${cpuPer.toFixed(2).padStart(17)} ${clientPer.toFixed(2).padStart(17)} ${`${r.sliceCpuMs[0].toFixed(2)} / ${r.sliceCpuMs[1].toFixed(2)}`.padStart(21)} ${(r.maxStallMs?.toFixed(1) ?? '-').padStart(13)} ${String(r.resumed).padStart(8)} ${String(r.errors).padStart(7)}`,
  );
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  if (r.breakdown) console.log(`  per handshake: ${formatBreakdown(r.breakdown)}; load ${load}`);
  if (r.asyncPerHandshake) {
    const types = Object.entries(r.asyncPerHandshake).sort(([, a], [, b]) => b - a);
    console.log(`  async resources per handshake: ${types.map(([type, n]) => `${type} ${n.toFixed(2)}`).join(', ')}`);
  }
}

void main();
