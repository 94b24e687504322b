/**
 * What the A/B scripts between builds share (bench/handshake-ab.ts, record-ab.ts,
 * http-cpu-ab.ts): a build's modules loaded from its own `dist/`, the order builds are
 * measured in each round, CPU time, and the one result line (min and median per build,
 * the second against the first, the load average). Also the quantiles the bench servers
 * report. Not part of `npm test`.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

/** The modules of one build (a checkout with `dist/` built) that the A/B scripts drive. */
export interface BuildModules {
  readonly Connection: typeof import('../src/connection.js').Connection;
  readonly serviceFrom: typeof import('../src/di/container.js').serviceFrom;
  readonly memoryPair: typeof import('../src/raw/memory.js').memoryPair;
  readonly raw: typeof import('../src/raw/tcp.js');
  readonly backends: typeof import('./backends.js');
  readonly receiveExactly: typeof import('./tcp-client.js').receiveExactly;
  /** The build's `dist/` directory, for modules only one script needs. */
  readonly dist: string;
}

/** Loads a build's modules from `root/dist` (each build its own copies, so two builds run side by side in one process). */
export async function loadBuildModules(root: string): Promise<BuildModules> {
  const dist = resolve(root, 'dist');
  const [connection, container, memory, raw, backends, tcpClient] = await Promise.all([
    import(`${dist}/src/connection.js`) as Promise<typeof import('../src/connection.js')>,
    import(`${dist}/src/di/container.js`) as Promise<typeof import('../src/di/container.js')>,
    import(`${dist}/src/raw/memory.js`) as Promise<typeof import('../src/raw/memory.js')>,
    import(`${dist}/src/raw/tcp.js`) as Promise<typeof import('../src/raw/tcp.js')>,
    import(`${dist}/bench/backends.js`) as Promise<typeof import('./backends.js')>,
    import(`${dist}/bench/tcp-client.js`) as Promise<typeof import('./tcp-client.js')>,
  ]);
  return {
    Connection: connection.Connection,
    serviceFrom: container.serviceFrom,
    memoryPair: memory.memoryPair,
    raw,
    backends,
    receiveExactly: tcpClient.receiveExactly,
    dist,
  };
}

/**
 * The builds' order in one round: forwards, then backwards the next round (A B, B A, ...).
 * Run in one fixed order, the first build measured lower medians than the second even when
 * both were the same build, so a fixed order would bias every comparison.
 */
export function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return round % 2 === 0 ? order : order.reverse();
}

/** CPU milliseconds (user + system) of this process since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** The `q` quantile (0..1) of `values`: the value at rank floor(q * n) of the sorted values; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** One result line: min and median per build, the second against the first, the load average. */
export function line(label: string, results: readonly number[][], unit = 'CPU ms/MB'): string {
  const mins = results.map((r) => Math.min(...r));
  const medians = results.map(median);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const vs = results.length > 1 ? `; second vs first: min ${(mins[1]! / mins[0]!).toFixed(3)}x, median ${(medians[1]! / medians[0]!).toFixed(3)}x` : '';
  return `${label} ${unit}: min ${mins.map((m) => m.toFixed(3)).join(' / ')}, median ${medians.map((m) => m.toFixed(3)).join(' / ')}${vs}; load ${load}`;
}

/**
 * Runs `measure` for every build, `rounds` times in alternating order (roundOrder), after
 * one warm-up call of the first build; each call gives two figures (e.g. seal and open),
 * collected per build.
 */
export async function interleaved(
  count: number,
  rounds: number,
  measure: (build: number, warmup: boolean) => Promise<readonly [number, number]>,
): Promise<[number[][], number[][]]> {
  const first = Array.from({ length: count }, (): number[] => []);
  const second = Array.from({ length: count }, (): number[] => []);
  await measure(0, true);
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(count, round)) {
      const [a, b] = await measure(i, false);
      first[i]!.push(a);
      second[i]!.push(b);
    }
  }
  return [first, second];
}
