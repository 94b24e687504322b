/**
 * Section 2, connection rate, measured as the Sandwich study did: each connection is a
 * full handshake, PING from the client, PONG from the server, close. The server runs in
 * its own process; the client keeps `concurrency` connections in flight on loopback for
 * a fixed time and counts the ones that completed.
 */
import type { Container } from 'inversify';
import { benchBackends, benchContainer, NODE_TLS, PLAINTEXT } from './backends.js';
import { ratio, type ConnectionRateCell, type ConnectionRateSection } from './report.js';
import { BenchServer } from './server-handle.js';
import { connectToBenchServer, receiveExactly } from './tcp-client.js';

const PING = new TextEncoder().encode('PING');
const PONG = 'PONG';

/** How long to measure each backend at each concurrency. */
export interface ConnectionRatePlan {
  readonly concurrencies: readonly number[];
  readonly secondsPerCell: number;
  /** Seconds of connections made before counting starts (JIT, caches, accept queue). */
  readonly warmupSeconds: number;
}

/** Measures connections per second for every backend and concurrency. */
export async function measureConnectionRate(plan: ConnectionRatePlan, progress: (line: string) => void): Promise<ConnectionRateSection> {
  const raw: Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>[] = [];
  for (const backend of benchBackends()) {
    const server = await BenchServer.start(backend, 'ping-pong');
    try {
      for (const concurrency of plan.concurrencies) {
        progress(`connection rate: ${backend} at concurrency ${concurrency} (${plan.secondsPerCell} s)`);
        raw.push(await measureCell(backend, server.port, concurrency, plan));
      }
    } finally {
      await server.stop();
    }
  }
  const rateOf = (backend: string, concurrency: number): number | null =>
    raw.find((c) => c.backend === backend && c.concurrency === concurrency && c.connections > 0)?.connectionsPerSecond ?? null;
  const cells = raw.map((cell) => ({
    ...cell,
    vsPlaintext: ratio(cell.connectionsPerSecond, rateOf(PLAINTEXT, cell.concurrency)),
    vsNodeTLS: ratio(cell.connectionsPerSecond, rateOf(NODE_TLS, cell.concurrency)),
  }));
  return { secondsPerCell: plan.secondsPerCell, concurrencies: [...plan.concurrencies], cells };
}

/** One Sandwich-style connection: handshake, PING, PONG, close. Returns what was agreed. */
async function pingPong(container: Container, port: number) {
  const connection = await connectToBenchServer(container, port);
  try {
    await connection.sendBytes(PING);
    const answer = new TextDecoder().decode(await receiveExactly(connection, 4));
    if (answer !== PONG) throw new Error(`expected PONG, got ${JSON.stringify(answer)}`);
    return connection.negotiated;
  } finally {
    await connection.close();
  }
}

async function measureCell(
  backend: string,
  port: number,
  concurrency: number,
  plan: ConnectionRatePlan,
): Promise<Omit<ConnectionRateCell, 'vsPlaintext' | 'vsNodeTLS'>> {
  const container = benchContainer(backend);
  const begin = performance.now();
  const measureStart = begin + plan.warmupSeconds * 1000;
  const measureEnd = measureStart + plan.secondsPerCell * 1000;
  let completed = 0;
  let errors = 0;
  let firstError: unknown;
  let agreed: { cipherSuite: string | undefined; group: string | undefined } | undefined;

  const worker = async (): Promise<void> => {
    while (performance.now() < measureEnd) {
      try {
        const negotiated = await pingPong(container, port);
        agreed ??= negotiated;
        const finished = performance.now();
        if (finished >= measureStart && finished <= measureEnd) completed++;
      } catch (error) {
        errors++;
        firstError ??= error;
        // A backend that cannot connect at all should not spin for the whole cell.
        if (completed === 0 && errors > 50 + concurrency) return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (completed === 0 && firstError) {
    warn(`${backend} at concurrency ${concurrency}: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  }
  const seconds = plan.secondsPerCell;
  return {
    backend,
    concurrency,
    connections: completed,
    seconds,
    connectionsPerSecond: completed / seconds,
    errors,
    cipherSuite: agreed?.cipherSuite ?? null,
    group: agreed?.group ?? null,
  };
}

/** Prints a warning on its own line, below the progress line. */
function warn(message: string): void {
  process.stderr.write(`\nwarning: connection rate: ${message}\n`);
}
