/**
 * Section 2, connection rate, measured as the Sandwich study did: each connection is a
 * full handshake, PING from the client, PONG from the server, close. The server runs in
 * its own process; the client keeps `concurrency` connections in flight on loopback for
 * a fixed time and counts the ones that completed. The same cells again with server and
 * client pinned to TLS 1.2 for noble+node-crypto, noble and node-tls.
 */
import type { Container } from 'inversify';
import type { ClientConfiguration } from '../src/configuration.js';
import { benchContainer, NOBLE_ON_NODE_CRYPTO, NODE_TLS, PLAINTEXT } from './backends.js';
import { DIRECT_NODE_TLS, directPingPong } from './direct-node-tls.js';
import { ratio, type ConnectionRateCell, type ConnectionRateSection, type Tls12RateCell } from './report.js';
import { BenchServer } from './server-handle.js';
import { connectToBenchServer, receiveExactly } from './tcp-client.js';

const PING = new TextEncoder().encode('PING');
const PONG = 'PONG';
/** One decoder for every connection (the direct reference reads its answer with toString, no decoder). */
const decoder = new TextDecoder();
/** A cell gives up after this many times its planned length (warm-up included). */
const MAX_CELL_FACTOR = 6;

/**
 * How a fresh server process is warmed before its first measurement. V8 optimises a
 * JavaScript server's per-connection code only after running it many times: with a second
 * of warm-up, a noble server was still compiling (232 TurboFan compilations per 1000
 * handshakes) and used about twice the CPU per handshake it used after 20 s (43 per 1000);
 * node:tls direct warms up too (docs/handshake-profile.md, round 4, tcpgap). So every server,
 * node:tls direct included, first serves `connections` connections from `concurrency`
 * loops, or for `seconds`, whichever ends first: the bench measures servers in the steady
 * state a long-running server is in.
 */
export interface ServerWarmUp {
  readonly connections: number;
  readonly seconds: number;
  readonly concurrency: number;
}

/** Runs `connectOnce` from `warmUp.concurrency` loops until `warmUp.connections` have ended or `warmUp.seconds` passed; failures show in the cells that follow. */
export async function warmUpServer(connectOnce: () => Promise<unknown>, warmUp: ServerWarmUp): Promise<void> {
  const until = performance.now() + warmUp.seconds * 1000;
  let ended = 0;
  const loop = async (): Promise<void> => {
    while (ended < warmUp.connections && performance.now() < until) {
      await connectOnce().catch(() => undefined);
      ended++;
    }
  };
  await Promise.all(Array.from({ length: warmUp.concurrency }, loop));
}

/** How long to measure each backend at each concurrency. */
export interface ConnectionRatePlan {
  /** Bench backend labels to measure (see `benchBackends`). */
  readonly backends: readonly string[];
  readonly concurrencies: readonly number[];
  readonly secondsPerCell: number;
  /** Least seconds of connections made before counting starts in each cell (caches, accept queue). */
  readonly warmupSeconds: number;
  /** Each server process's warm-up before its first cell. */
  readonly serverWarmUp: ServerWarmUp;
}

/** Measures connections per second for every backend and concurrency. */
export async function measureConnectionRate(plan: ConnectionRatePlan, progress: (line: string) => void): Promise<ConnectionRateSection> {
  const raw: Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>[] = [];
  const raw12: Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>[] = [];
  // The direct node:tls reference runs right after our node-tls backend.
  const backends = plan.backends.flatMap((b) => (b === NODE_TLS ? [b, DIRECT_NODE_TLS] : [b]));
  for (const backend of backends) {
    const server = await BenchServer.start(backend, 'ping-pong');
    try {
      progress(`connection rate: ${backend}, warming the server up`);
      const container = backend === DIRECT_NODE_TLS ? undefined : benchContainer(backend);
      await warmUpServer(() => pingPong(container, server.port), plan.serverWarmUp);
      for (const concurrency of plan.concurrencies) {
        progress(`connection rate: ${backend} at concurrency ${concurrency} (${plan.secondsPerCell} s)`);
        raw.push(await measureCell(backend, server.port, concurrency, plan));
      }
    } finally {
      await server.stop();
    }
    // Its TLS 1.2 cells right after its TLS 1.3 ones, so both see about the same machine load.
    if (TLS12_RATE_BACKENDS.includes(backend)) raw12.push(...(await measureTls12Cells(backend, plan, progress)));
  }
  const rateOf = (backend: string, concurrency: number): number | null =>
    raw.find((c) => c.backend === backend && c.concurrency === concurrency && c.connections > 0)?.connectionsPerSecond ?? null;
  const cells = raw.map((cell) => ({
    ...cell,
    vsPlaintext: ratio(cell.connectionsPerSecond, rateOf(PLAINTEXT, cell.concurrency)),
    vsNodeTLS: ratio(cell.connectionsPerSecond, rateOf(NODE_TLS, cell.concurrency)),
  }));
  const tls12Cells: Tls12RateCell[] = raw12.map((cell) => ({
    ...cell,
    vsPlaintext: ratio(cell.connectionsPerSecond, rateOf(PLAINTEXT, cell.concurrency)),
    vsNodeTLS: ratio(cell.connectionsPerSecond, rate12Of(raw12, NODE_TLS, cell.concurrency)),
    vsTls13: ratio(cell.connectionsPerSecond, rateOf(cell.backend, cell.concurrency)),
  }));
  return { secondsPerCell: plan.secondsPerCell, concurrencies: [...plan.concurrencies], cells, ...(tls12Cells.length > 0 ? { tls12Cells } : {}) };
}

/** The backends whose TLS 1.2 handshake rate the section measures (issue 16), when the plan has them. */
const TLS12_RATE_BACKENDS: readonly string[] = [NOBLE_ON_NODE_CRYPTO, 'noble', NODE_TLS];
/** Server and client pinned to TLS 1.2. */
const TLS12_ONLY = { maxVersion: 'TLSv1.2' } as const;

/** One backend's TLS 1.2 cells: the same exchange with server and client pinned to TLSv1.2. */
async function measureTls12Cells(backend: string, plan: ConnectionRatePlan, progress: (line: string) => void) {
  const cells: Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>[] = [];
  const server = await BenchServer.start(backend, 'ping-pong', TLS12_ONLY);
  try {
    const container = benchContainer(backend);
    await warmUpServer(() => pingPong(container, server.port, TLS12_ONLY), plan.serverWarmUp);
    for (const concurrency of plan.concurrencies) {
      progress(`connection rate: ${backend} at TLS 1.2, concurrency ${concurrency} (${plan.secondsPerCell} s)`);
      const { resumed: _resumed, ...cell } = await measureRateCell(backend, concurrency, plan, () => pingPong(container, server.port, TLS12_ONLY));
      cells.push(cell);
    }
  } finally {
    await server.stop();
  }
  return cells;
}

/** The rate of `backend` at `concurrency` among TLS 1.2 cells, or null. */
function rate12Of(cells: readonly Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>[], backend: string, concurrency: number): number | null {
  return cells.find((c) => c.backend === backend && c.concurrency === concurrency && c.connections > 0)?.connectionsPerSecond ?? null;
}

/** One Sandwich-style connection: handshake, PING, PONG, close (`container` undefined: node:tls direct). Returns what was agreed. */
export async function pingPong(container: Container | undefined, port: number, extra: ClientConfiguration = {}) {
  if (!container) return directPingPong(port);
  const connection = await connectToBenchServer(container, port, extra);
  try {
    await connection.sendBytes(PING);
    const answer = decoder.decode(await receiveExactly(connection, 4));
    if (answer !== PONG) throw new Error(`expected PONG, got ${JSON.stringify(answer)}`);
    return connection.negotiated;
  } finally {
    await connection.close();
  }
}

/**
 * One cell. Counting starts once the warm-up time is over and every worker has had time
 * to finish a connection (steady state), and stops once the cell's time is over and at
 * least `concurrency` connections finished inside the window, so a slow backend at high
 * concurrency is still measured over whole connections (capped at MAX_CELL_FACTOR times).
 */
async function measureCell(
  backend: string,
  port: number,
  concurrency: number,
  plan: ConnectionRatePlan,
): Promise<Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>> {
  const container = backend === DIRECT_NODE_TLS ? undefined : benchContainer(backend);
  const { resumed: _resumed, ...cell } = await measureRateCell(backend, concurrency, plan, () => pingPong(container, port));
  return cell;
}

/** What one measured connection reports. */
export interface ConnectionOutcome {
  readonly cipherSuite: string | undefined;
  readonly group: string | undefined;
  readonly cryptoProvider?: string | undefined;
  /** True when the connection resumed a session. */
  readonly resumed?: boolean;
}

/**
 * One cell of `concurrency` workers each running `connectOnce` in a loop (see
 * measureCell for the window). Also counts the connections that resumed a session.
 */
export async function measureRateCell(
  backend: string,
  concurrency: number,
  plan: Pick<ConnectionRatePlan, 'secondsPerCell' | 'warmupSeconds'>,
  connectOnce: () => Promise<ConnectionOutcome>,
): Promise<Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'> & { readonly resumed: number }> {
  let resumed = 0;
  const begin = performance.now();
  const warmupUntil = begin + plan.warmupSeconds * 1000;
  const cellMs = plan.secondsPerCell * 1000;
  const giveUpAt = begin + (plan.warmupSeconds + plan.secondsPerCell) * 1000 * MAX_CELL_FACTOR;
  let finished = 0;
  let measureStart: number | undefined;
  let finishedAtStart = 0;
  let measureEnd: number | undefined;
  let finishedAtEnd = 0;
  let errors = 0;
  let firstError: unknown;
  let agreed: { cipherSuite: string | undefined; group: string | undefined; cryptoProvider?: string | undefined } | undefined;

  const onFinished = (now: number): void => {
    finished++;
    if (measureStart === undefined) {
      if ((now >= warmupUntil && finished >= concurrency) || now >= giveUpAt) {
        measureStart = now;
        finishedAtStart = finished;
      }
    } else if (measureEnd === undefined) {
      const enough = now - measureStart >= cellMs && finished - finishedAtStart >= concurrency;
      if (enough || now >= giveUpAt) {
        measureEnd = now;
        finishedAtEnd = finished;
      }
    }
  };

  const worker = async (): Promise<void> => {
    while (measureEnd === undefined && performance.now() < giveUpAt) {
      try {
        const negotiated = await connectOnce();
        agreed ??= negotiated;
        if (negotiated.resumed === true && measureStart !== undefined && measureEnd === undefined) resumed++;
        onFinished(performance.now());
      } catch (error) {
        errors++;
        firstError ??= error;
        // A backend that cannot connect at all should not spin for the whole cell.
        if (finished === 0 && errors > 50 + concurrency) return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (finished === 0 && firstError) {
    warn(`${backend} at concurrency ${concurrency}: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  }
  const connections = measureStart !== undefined && measureEnd !== undefined ? finishedAtEnd - finishedAtStart : 0;
  const seconds = measureStart !== undefined && measureEnd !== undefined ? (measureEnd - measureStart) / 1000 : 0;
  return {
    backend,
    concurrency,
    connections,
    seconds,
    connectionsPerSecond: seconds > 0 ? connections / seconds : 0,
    errors,
    cipherSuite: agreed?.cipherSuite ?? null,
    group: agreed?.group ?? null,
    cryptoProvider: agreed?.cryptoProvider ?? null,
    resumed,
  };
}

/** Prints a warning on its own line, below the progress line. */
function warn(message: string): void {
  process.stderr.write(`\nwarning: connection rate: ${message}\n`);
}
