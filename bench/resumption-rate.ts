/**
 * Section 7, resumption (issue 13): full and resumed handshakes per second over TCP for
 * every TLS backend and node:tls direct, measured the way the connection-rate section is
 * (server in its own process, PING/PONG, close), each client offering the newest ticket
 * it holds; the IO calls of a resumed handshake and of a 0-RTT request; and full
 * handshakes per second through `tlsservice server --workers 1` and `--workers 2`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Container } from 'inversify';
import type { ClientConfiguration } from '../src/configuration.js';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { memoryPair } from '../src/raw/memory.js';
import { benchClientConfiguration, benchContainer, benchServerConfiguration, NODE_TLS, NOBLE_ON_NODE_CRYPTO } from './backends.js';
import { measureRateCell, warmUpServer, type ConnectionOutcome, type ServerWarmUp } from './connection-rate.js';
import { DIRECT_NODE_TLS, directPingPong, type DirectSessionState } from './direct-node-tls.js';
import { ratio } from './report.js';
import { BenchServer } from './server-handle.js';
import { connectToBenchServer, receiveExactly } from './tcp-client.js';

/** How long and at which concurrencies the section measures. */
export interface ResumptionPlan {
  /** Bench backend labels (TLS ones; plaintext is skipped). */
  readonly backends: readonly string[];
  readonly concurrencies: readonly number[];
  readonly secondsPerCell: number;
  readonly warmupSeconds: number;
  /** Each server process's warm-up (half full handshakes, half resumed) before its first cell. */
  readonly serverWarmUp: ServerWarmUp;
  /** The concurrency of the `--workers` rows. */
  readonly workersConcurrency: number;
}

/** Handshakes per second of one backend, full or resumed, at one concurrency. */
export interface ResumptionRateCell {
  readonly backend: string;
  readonly kind: 'full' | 'resumed';
  readonly concurrency: number;
  readonly connections: number;
  readonly seconds: number;
  readonly connectionsPerSecond: number;
  readonly errors: number;
  /** Share of the measured connections that resumed (resumed cells; full cells: 0). */
  readonly resumedShare: number | null;
  /** Against node-tls, same kind and concurrency. */
  readonly vsNodeTLS: number | null;
  /** Resumed cells: against the same backend's full rate at the same concurrency. */
  readonly vsFull: number | null;
}

/** IO calls of one resumption scenario over an in-memory pair. */
export interface ResumptionIORow {
  readonly backend: string;
  readonly scenario: string;
  readonly clientCalls: number;
  readonly serverCalls: number;
  readonly total: number;
  readonly resumed: boolean;
  /** 0-RTT rows: what the server did with the early data. */
  readonly earlyData?: 'accepted' | 'rejected' | 'not offered';
  readonly error?: string;
}

/** Full handshakes per second through the CLI server with `--workers n`. */
export interface WorkersRow {
  readonly backend: string;
  readonly workers: number;
  readonly concurrency: number;
  readonly connectionsPerSecond: number;
  readonly errors: number;
  /** Against the same backend with one worker. */
  readonly vsOneWorker: number | null;
}

/** The section's figures. */
export interface ResumptionSection {
  readonly secondsPerCell: number;
  readonly concurrencies: readonly number[];
  readonly cells: readonly ResumptionRateCell[];
  readonly io: readonly ResumptionIORow[];
  readonly workersConcurrency: number;
  readonly workers: readonly WorkersRow[];
}

const PING = new TextEncoder().encode('PING');

/** Measures the whole section. */
export async function measureResumption(plan: ResumptionPlan, progress: (line: string) => void): Promise<ResumptionSection> {
  const tlsBackends = plan.backends.filter((b) => b !== 'plaintext');
  const labels = tlsBackends.flatMap((b) => (b === NODE_TLS ? [b, DIRECT_NODE_TLS] : [b]));
  const raw: Omit<ResumptionRateCell, 'vsNodeTLS' | 'vsFull'>[] = [];
  for (const backend of labels) {
    const server = await BenchServer.start(backend, 'ping-pong', { processTicketKey: true });
    try {
      progress(`resumption: ${backend}, warming the server up`);
      const half = { ...plan.serverWarmUp, connections: plan.serverWarmUp.connections / 2, seconds: plan.serverWarmUp.seconds / 2 };
      for (const kind of ['full', 'resumed'] as const) await warmUpServer(connector(backend, kind, half.concurrency, server.port), half);
      for (const kind of ['full', 'resumed'] as const) {
        for (const concurrency of plan.concurrencies) {
          progress(`resumption: ${backend} ${kind} at concurrency ${concurrency} (${plan.secondsPerCell} s)`);
          raw.push(await rateCell(backend, kind, concurrency, server.port, plan));
        }
      }
    } finally {
      await server.stop();
    }
  }
  const rateOf = (backend: string, kind: string, concurrency: number): number | null =>
    raw.find((c) => c.backend === backend && c.kind === kind && c.concurrency === concurrency && c.connections > 0)?.connectionsPerSecond ?? null;
  const cells = raw.map((cell) => ({
    ...cell,
    vsNodeTLS: ratio(cell.connectionsPerSecond, rateOf(NODE_TLS, cell.kind, cell.concurrency)),
    vsFull: cell.kind === 'resumed' ? ratio(cell.connectionsPerSecond, rateOf(cell.backend, 'full', cell.concurrency)) : null,
  }));

  const io: ResumptionIORow[] = [];
  for (const backend of tlsBackends.filter((b) => b !== NOBLE_ON_NODE_CRYPTO)) {
    progress(`resumption: IO calls, ${backend}`);
    io.push(await ioRow(backend, 'full handshake, one byte each way, close_notify both ways', 'full'));
    io.push(await ioRow(backend, 'resumed handshake, one byte each way, close_notify both ways', 'resumed'));
    if (backend !== NODE_TLS) io.push(await ioRow(backend, '0-RTT: the byte in early data, one byte back, close_notify both ways', 'early'));
    // TLS 1.2 (issue 16): the client pinned to TLS 1.2; RFC 5077 tickets and the abbreviated handshake.
    io.push(await ioRow(backend, 'TLS 1.2 full handshake, one byte each way, close_notify both ways', 'full', TLS12_ONLY));
    io.push(await ioRow(backend, 'TLS 1.2 resumed handshake (RFC 5077 ticket), one byte each way, close_notify both ways', 'resumed', TLS12_ONLY));
  }

  const workers: WorkersRow[] = [];
  for (const backend of tlsBackends.filter((b) => b === NODE_TLS || b === NOBLE_ON_NODE_CRYPTO)) {
    const one: number[] = [];
    for (const count of [1, 2]) {
      progress(`resumption: ${backend} server with --workers ${count} at concurrency ${plan.workersConcurrency}`);
      const row = await workersCell(backend, count, plan);
      if (count === 1) one.push(row.connectionsPerSecond);
      workers.push({ ...row, vsOneWorker: ratio(row.connectionsPerSecond, one[0]) });
    }
  }
  return { secondsPerCell: plan.secondsPerCell, concurrencies: [...plan.concurrencies], cells, io, workersConcurrency: plan.workersConcurrency, workers };
}

/** One rate cell: each worker keeps its own newest session when resuming. */
async function rateCell(
  backend: string,
  kind: 'full' | 'resumed',
  concurrency: number,
  port: number,
  plan: ResumptionPlan,
): Promise<Omit<ResumptionRateCell, 'vsNodeTLS' | 'vsFull'>> {
  const cell = await measureRateCell(backend, concurrency, plan, connector(backend, kind, concurrency, port));
  return {
    backend,
    kind,
    concurrency,
    connections: cell.connections,
    seconds: cell.seconds,
    connectionsPerSecond: cell.connectionsPerSecond,
    errors: cell.errors,
    resumedShare: cell.connections > 0 ? Math.min(1, cell.resumed / cell.connections) : null,
  };
}

/** One connection of `kind` to the server on `port`, for `concurrency` loops: each takes a session slot in turn (one per connection in flight). */
function connector(backend: string, kind: 'full' | 'resumed', concurrency: number, port: number): () => Promise<ConnectionOutcome> {
  const container = backend === DIRECT_NODE_TLS ? undefined : benchContainer(backend);
  const slots = Array.from({ length: concurrency }, () => ({ session: undefined as Uint8Array | undefined, direct: {} as DirectSessionState }));
  let next = 0;
  return async (): Promise<ConnectionOutcome> => {
    const slot = slots[next++ % slots.length]!;
    if (!container) return directPingPong(port, kind === 'resumed' ? slot.direct : undefined);
    return pingPong(container, port, kind === 'resumed' ? slot : undefined);
  };
}

/** One connection through our client; with `slot`, it offers the slot's session and keeps the newest one received. */
async function pingPong(container: Container, port: number, slot?: { session: Uint8Array | undefined }): Promise<ConnectionOutcome> {
  const connection = await connectToBenchServer(container, port, slot?.session ? { session: slot.session } : {});
  try {
    await connection.sendBytes(PING);
    await receiveExactly(connection, 4);
  } finally {
    await connection.close();
  }
  // Each ticket is offered once: a resumed connection's own new ticket replaces it when one came.
  if (slot) slot.session = connection.sessions.getSession() ?? slot.session;
  return { ...connection.negotiated, resumed: connection.negotiated.resumed };
}

/** A client pinned to TLS 1.2. */
const TLS12_ONLY = { maxVersion: 'TLSv1.2' } as const;

/** The IO calls of one scenario between two services of `backend`, in memory (first a full handshake for the ticket). */
async function ioRow(backend: string, scenario: string, kind: 'full' | 'resumed' | 'early', clientExtra: Partial<ClientConfiguration> = {}): Promise<ResumptionIORow> {
  try {
    const ticketKeys = new Uint8Array(48).fill(7);
    const serverExtra = { ticketKeys, ...(kind === 'early' ? { maxEarlyData: 16_384 } : {}) };
    const first = kind === 'full' ? undefined : (await exchange(backend, undefined, undefined, serverExtra, false, clientExtra)).session;
    if (kind !== 'full' && !first) throw new Error('no ticket arrived after the full handshake');
    const run = await exchange(backend, first, kind === 'early' ? Uint8Array.of(1) : undefined, serverExtra, true, clientExtra);
    return {
      backend,
      scenario,
      clientCalls: run.clientCalls,
      serverCalls: run.serverCalls,
      total: run.clientCalls + run.serverCalls,
      resumed: run.resumed,
      ...(kind === 'early' ? { earlyData: run.earlyData ?? 'not offered' } : {}),
    };
  } catch (error) {
    return { backend, scenario, clientCalls: 0, serverCalls: 0, total: 0, resumed: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Handshake, one byte each way (the client's in 0-RTT when `early`), close_notify both ways. */
async function exchange(
  backend: string,
  session: Uint8Array | undefined,
  early: Uint8Array | undefined,
  serverExtra: { ticketKeys: Uint8Array; maxEarlyData?: number },
  count: boolean,
  clientExtra: Partial<ClientConfiguration> = {},
) {
  const container = benchContainer(backend);
  const [a, b] = memoryPair({ name: 'resumption-io' });
  const clientRaw = count ? new CountingRawConnection(a) : a;
  const serverRaw = count ? new CountingRawConnection(b) : b;
  // As in the IO-calls section: each end runs on its own; the client sends its byte as soon as its handshake is done.
  const serverReady = Connection.fromClient(serverRaw, { ...benchServerConfiguration(), ...serverExtra, service: serviceFrom(container) });
  serverReady.catch(() => undefined);
  const client = await Connection.toServer(clientRaw, {
    ...benchClientConfiguration(),
    ...clientExtra,
    ...(session ? { session } : {}),
    ...(early ? { earlyData: early } : {}),
    service: serviceFrom(container),
  });
  // Tickets come after the handshake, so subscribing now misses none.
  let unsubscribe = (): void => undefined;
  const arrived = new Promise<void>((resolve) => {
    unsubscribe = client.sessions.onSession(() => resolve());
  });
  if (!early) await client.sendBytes(Uint8Array.of(1));
  const server = await serverReady;
  await receiveExactly(server, 1);
  await server.sendBytes(Uint8Array.of(2));
  await receiveExactly(client, 1);
  // The server's tickets came with its byte or before it; wait briefly for a late one.
  await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 200))]);
  unsubscribe();
  const next = client.sessions.getSession();
  await Promise.all([
    client.close(),
    (async () => {
      await server.receiveBytes(1);
      await server.close();
    })(),
  ]);
  const calls = (raw: unknown): number => (raw instanceof CountingRawConnection ? raw.calls.length : 0);
  return {
    session: next,
    resumed: server.negotiated.resumed,
    earlyData: client.negotiated.earlyData,
    clientCalls: calls(clientRaw),
    serverCalls: calls(serverRaw),
  };
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CERTS = new URL('../../test/fixtures/certs/', import.meta.url);

/** Full handshakes per second through `tlsservice server --workers n` (echo server), with node:tls clients. */
async function workersCell(backend: string, workers: number, plan: ResumptionPlan): Promise<Omit<WorkersRow, 'vsOneWorker'>> {
  const engine = backend === NOBLE_ON_NODE_CRYPTO ? ['--backend', 'noble', '--crypto', 'node'] : ['--backend', backend];
  const args = [CLI, 'server', ...engine, '--port', '0', '--workers', String(workers)];
  args.push('--cert', fileURLToPath(new URL('localhost-ecdsa.pem', CERTS)), '--key', fileURLToPath(new URL('localhost-ecdsa.key.pem', CERTS)));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`tlsservice server --workers ${workers} did not listen in 60 s`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const found = /listening on [^\s]+:(\d+)/.exec(text);
        if (found) {
          clearTimeout(timer);
          resolve(Number(found[1]));
        }
        if (text.length > 65_536) text = text.slice(-1024);
      });
      child.once('exit', (code) => reject(new Error(`tlsservice server exited with ${code} before listening`)));
    });
    const ca = readFileSync(new URL('ca.pem', CERTS), 'utf8');
    const context = tls.createSecureContext({ ca });
    const cell = await measureRateCell(backend, plan.workersConcurrency, plan, () => echoOnce(port, context));
    return { backend, workers, concurrency: plan.workersConcurrency, connectionsPerSecond: cell.connectionsPerSecond, errors: cell.errors };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
  }
}

/** One node:tls client connection to the echo server: handshake, PING, its echo, close. */
function echoOnce(port: number, secureContext: tls.SecureContext): Promise<ConnectionOutcome> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
    socket.setNoDelay(true);
    let got = 0;
    socket.once('secureConnect', () => socket.write(PING));
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= PING.length) socket.end();
    });
    socket.once('close', () => (got >= PING.length ? resolve({ cipherSuite: socket.getCipher()?.standardName, group: undefined }) : reject(new Error('echo ended early'))));
    socket.once('error', reject);
  });
}
