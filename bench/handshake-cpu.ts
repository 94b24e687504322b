/**
 * Section 8, the server's cost of one full handshake, from inside the server process:
 * its CPU time (`process.cpuUsage`, user + system) over N Sandwich-style connections made
 * one after another, divided by N; and, in a second run, the longest synchronous slice
 * of its event loop in each of M more handshakes (the time every other connection on
 * that server waits), as the median and 90th percentile over them, and the longest of all. Concurrency 1, so the server works on one handshake at a time and the
 * client's own work is not counted.
 */
import { benchContainer, NODE_TLS } from './backends.js';
import { pingPong } from './connection-rate.js';
import { DIRECT_NODE_TLS } from './direct-node-tls.js';
import { ratio, type HandshakeCostRow, type HandshakeCostSection } from './report.js';
import { BenchServer } from './server-handle.js';

/** How many handshakes to measure. */
export interface HandshakeCostPlan {
  /** Bench backend labels to measure (see `benchBackends`); node:tls direct joins after node-tls. */
  readonly backends: readonly string[];
  /** Handshakes before measuring (JIT, caches: a noble server still gets cheaper per handshake for its first ~2000, docs/handshake-profile.md round 4). */
  readonly warmup: number;
  /** Handshakes the CPU time is divided by. */
  readonly handshakes: number;
  /** Handshakes watched for the longest event-loop slice. */
  readonly blockingHandshakes: number;
}

/** Measures server CPU per handshake and the longest event-loop slice for every backend. */
export async function measureHandshakeCost(plan: HandshakeCostPlan, progress: (line: string) => void): Promise<HandshakeCostSection> {
  const backends = plan.backends.flatMap((b) => (b === NODE_TLS ? [b, DIRECT_NODE_TLS] : [b]));
  const measured: Omit<HandshakeCostRow, 'cpuVsDirect' | 'sliceVsNodeTLS'>[] = [];
  for (const backend of backends) {
    progress(`handshake cost: ${backend} (${plan.handshakes} + ${plan.blockingHandshakes} handshakes)`);
    measured.push(await measureOne(backend, plan));
  }
  const direct = measured.find((r) => r.backend === DIRECT_NODE_TLS && !r.error)?.cpuMsPerHandshake;
  const nodeTLS = measured.find((r) => r.backend === NODE_TLS && !r.error)?.sliceP50Ms;
  const rows = measured.map((row) => ({
    ...row,
    cpuVsDirect: row.error ? null : ratio(row.cpuMsPerHandshake, direct),
    sliceVsNodeTLS: row.error ? null : ratio(row.sliceP50Ms, nodeTLS),
  }));
  return { handshakes: plan.handshakes, blockingHandshakes: plan.blockingHandshakes, rows };
}

async function measureOne(backend: string, plan: HandshakeCostPlan): Promise<Omit<HandshakeCostRow, 'cpuVsDirect' | 'sliceVsNodeTLS'>> {
  const container = backend === DIRECT_NODE_TLS ? undefined : benchContainer(backend);
  const server = await BenchServer.start(backend, 'ping-pong');
  try {
    const run = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) await pingPong(container, server.port);
    };
    await run(plan.warmup);
    await server.measureStart('cpu');
    await run(plan.handshakes);
    const cpu = await server.measureStop();
    await server.measureStart('blocking');
    await run(plan.blockingHandshakes);
    const blocking = await server.measureStop();
    const errors = cpu.errors + blocking.errors;
    return {
      backend,
      cpuMsPerHandshake: cpu.cpuMs / plan.handshakes,
      sliceP50Ms: blocking.sliceP50Ms,
      sliceP90Ms: blocking.sliceP90Ms,
      longestSliceMs: blocking.longestSliceMs,
      errors,
    };
  } catch (error) {
    return { backend, cpuMsPerHandshake: 0, sliceP50Ms: 0, sliceP90Ms: 0, longestSliceMs: 0, errors: 0, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await server.stop();
  }
}
