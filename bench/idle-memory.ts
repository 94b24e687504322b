/**
 * Section 4, memory per idle connection: a server process per backend accepts N
 * connections that complete the handshake and then sit idle; its resident memory after
 * garbage collection, minus the figure before, divided by N, is the cost of one.
 */
import type { Container } from 'inversify';
import type { Connection } from '../src/connection.js';
import { benchContainer, NODE_TLS, PLAINTEXT } from './backends.js';
import { ratio, type IdleMemoryRow, type IdleMemorySection } from './report.js';
import { BenchServer } from './server-handle.js';
import { connectToBenchServer } from './tcp-client.js';

/** How many connections to hold open. */
export interface IdleMemoryPlan {
  /** Bench backend labels to measure (see `benchBackends`). */
  readonly backends: readonly string[];
  readonly connections: number;
  /** Connections opened at a time while filling up. */
  readonly openConcurrency: number;
}

const WARMUP_CONNECTIONS = 32;
const SETTLE_TIMEOUT_MS = 30_000;

/** Measures resident memory per idle connection for every backend. */
export async function measureIdleMemory(plan: IdleMemoryPlan, progress: (line: string) => void): Promise<IdleMemorySection> {
  const measured: Omit<IdleMemoryRow, 'vsPlaintext' | 'vsNodeTLS'>[] = [];
  for (const backend of plan.backends) {
    progress(`idle memory: ${backend}, ${plan.connections} connections`);
    measured.push(await measureBackend(backend, plan, progress));
  }
  const perConnection = (backend: string): number | null =>
    measured.find((r) => r.backend === backend && !r.error)?.rssPerConnectionBytes ?? null;
  const rows = measured.map((row) => ({
    ...row,
    vsPlaintext: row.error ? null : ratio(row.rssPerConnectionBytes, perConnection(PLAINTEXT)),
    vsNodeTLS: row.error ? null : ratio(row.rssPerConnectionBytes, perConnection(NODE_TLS)),
  }));
  return { connectionsAsked: plan.connections, rows };
}

async function measureBackend(
  backend: string,
  plan: IdleMemoryPlan,
  progress: (line: string) => void,
): Promise<Omit<IdleMemoryRow, 'vsPlaintext' | 'vsNodeTLS'>> {
  const container = benchContainer(backend);
  const server = await BenchServer.start(backend, 'idle');
  const open: Connection[] = [];
  try {
    // Warm up: code paths, caches and lazily loaded modules belong to the baseline.
    const warm = await openMany(container, server.port, WARMUP_CONNECTIONS, plan.openConcurrency);
    await closeAll(warm);
    await waitForEstablished(server, 0);
    const before = await server.memory();

    let lastShown = 0;
    const opened = await openMany(container, server.port, plan.connections, plan.openConcurrency, (count) => {
      if (count - lastShown >= 500) {
        lastShown = count;
        progress(`idle memory: ${backend}, ${count} of ${plan.connections} connections open`);
      }
    });
    open.push(...opened);
    const after = await waitForEstablished(server, plan.connections);
    const count = after.established;
    if (count === 0) throw new Error('no connection was established');
    return {
      backend,
      connections: count,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      rssPerConnectionBytes: (after.rss - before.rss) / count,
      heapPerConnectionBytes: (after.heapUsed + after.external - before.heapUsed - before.external) / count,
    };
  } catch (error) {
    return {
      backend,
      connections: open.length,
      rssBeforeBytes: 0,
      rssAfterBytes: 0,
      rssPerConnectionBytes: 0,
      heapPerConnectionBytes: 0,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await closeAll(open);
    await server.stop();
  }
}

/** Opens `count` connections, `concurrency` at a time; throws on the first failure. */
async function openMany(
  container: Container,
  port: number,
  count: number,
  concurrency: number,
  onOpened?: (count: number) => void,
): Promise<Connection[]> {
  const opened: Connection[] = [];
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      next++;
      try {
        opened.push(await connectToBenchServer(container, port));
        onOpened?.(opened.length);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) {
    await closeAll(opened);
    throw failure;
  }
  return opened;
}

/** Closes connections a batch at a time (each sends close_notify and FIN). */
async function closeAll(connections: Connection[]): Promise<void> {
  const batch = 256;
  for (let i = 0; i < connections.length; i += batch) {
    await Promise.allSettled(connections.slice(i, i + batch).map((c) => c.close()));
  }
  connections.length = 0;
}

/** Polls the server until `count` connections are established (or the figure stops moving). */
async function waitForEstablished(server: BenchServer, count: number) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let figures = await server.memory();
  while (figures.established !== count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    figures = await server.memory();
  }
  return figures;
}
