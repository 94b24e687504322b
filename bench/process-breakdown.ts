/**
 * Where a process's CPU goes over a measured window, from the process itself (Linux):
 * user vs system time, on-CPU time of each thread (`/proc/self/task/TID/schedstat`,
 * nanoseconds), context switches, page faults, event-loop iterations and IO events
 * (libuv's metrics), idle time, and GC pauses by kind. Used by bench/handshake-profile.ts
 * `--breakdown` (issue 14 target 5, the TCP gap). Not part of `npm test`.
 */
import { createHook } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';

/** One thread's counters. */
interface ThreadTimes {
  /** Time on a CPU, ns (schedstat's first field). */
  readonly onCpuNs: number;
  readonly voluntarySwitches: number;
  readonly involuntarySwitches: number;
}

/** The counters at one moment. */
export interface ProcessSnapshot {
  readonly cpu: NodeJS.CpuUsage;
  readonly resources: NodeJS.ResourceUsage;
  readonly threads: ReadonlyMap<number, ThreadTimes>;
  readonly loopCount: number;
  readonly events: number;
  readonly idleMs: number;
  readonly gc: Readonly<Record<string, { count: number; ms: number }>>;
}

/** Per-unit (per handshake) figures between two snapshots. */
export interface Breakdown {
  readonly userMs: number;
  readonly systemMs: number;
  /** Main thread on-CPU ms; the V8 platform threads (the 5 created first after it: delayed-task scheduler and 4 workers); every later thread (inspector signal thread, libuv pool). */
  readonly mainMs: number;
  readonly platformMs: number;
  readonly otherMs: number;
  readonly voluntarySwitches: number;
  readonly involuntarySwitches: number;
  readonly minorFaults: number;
  readonly loopIterations: number;
  readonly ioEvents: number;
  readonly idleMs: number;
  readonly gc: Readonly<Record<string, { count: number; ms: number }>>;
}

/** How many threads Node 20 starts right after the main one for V8 (the delayed-task scheduler and the 4-thread worker pool). */
const V8_PLATFORM_THREADS = 5;

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

const gcTotals: Record<string, { count: number; ms: number }> = {};
let observing: PerformanceObserver | undefined;

/** Starts counting GC pauses (idempotent; the observer itself costs a little per GC). */
function observeGc(): void {
  if (observing) return;
  observing = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = GC_KINDS[entry.detail?.kind ?? -1] ?? 'other';
      const total = (gcTotals[kind] ??= { count: 0, ms: 0 });
      total.count++;
      total.ms += entry.duration;
    }
  });
  observing.observe({ entryTypes: ['gc'] });
}

function readThread(tid: number): ThreadTimes | undefined {
  try {
    const schedstat = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    const status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return {
      onCpuNs: Number(schedstat[0]),
      voluntarySwitches: field('voluntary_ctxt_switches'),
      involuntarySwitches: field('nonvoluntary_ctxt_switches'),
    };
  } catch {
    return undefined; // the thread ended between listing and reading
  }
}

/** The counters now (starts GC observation on the first call). */
export function snapshot(): ProcessSnapshot {
  observeGc();
  const threads = new Map<number, ThreadTimes>();
  for (const name of readdirSync('/proc/self/task')) {
    const times = readThread(Number(name));
    if (times) threads.set(Number(name), times);
  }
  const uv = (performance.nodeTiming as unknown as { uvMetricsInfo?: { loopCount: number; events: number } }).uvMetricsInfo;
  return {
    cpu: process.cpuUsage(),
    resources: process.resourceUsage(),
    threads,
    loopCount: uv?.loopCount ?? NaN,
    events: uv?.events ?? NaN,
    idleMs: performance.nodeTiming.idleTime,
    gc: structuredClone(gcTotals),
  };
}

/** The figures between `from` and `to`, divided by `units` (handshakes). */
export function breakdown(from: ProcessSnapshot, to: ProcessSnapshot, units: number): Breakdown {
  const tids = [...to.threads.keys()].sort((a, b) => a - b);
  let mainNs = 0;
  let platformNs = 0;
  let otherNs = 0;
  let voluntary = 0;
  let involuntary = 0;
  tids.forEach((tid, rank) => {
    const now = to.threads.get(tid)!;
    const before = from.threads.get(tid) ?? { onCpuNs: 0, voluntarySwitches: 0, involuntarySwitches: 0 };
    const ns = now.onCpuNs - before.onCpuNs;
    if (tid === process.pid) mainNs += ns;
    else if (rank <= V8_PLATFORM_THREADS) platformNs += ns;
    else otherNs += ns;
    voluntary += now.voluntarySwitches - before.voluntarySwitches;
    involuntary += now.involuntarySwitches - before.involuntarySwitches;
  });
  const gc: Record<string, { count: number; ms: number }> = {};
  for (const [kind, total] of Object.entries(to.gc)) {
    const before = from.gc[kind] ?? { count: 0, ms: 0 };
    gc[kind] = { count: (total.count - before.count) / units, ms: (total.ms - before.ms) / units };
  }
  return {
    userMs: (to.cpu.user - from.cpu.user) / 1000 / units,
    systemMs: (to.cpu.system - from.cpu.system) / 1000 / units,
    mainMs: mainNs / 1e6 / units,
    platformMs: platformNs / 1e6 / units,
    otherMs: otherNs / 1e6 / units,
    voluntarySwitches: voluntary / units,
    involuntarySwitches: involuntary / units,
    minorFaults: (to.resources.minorPageFault - from.resources.minorPageFault) / units,
    loopIterations: (to.loopCount - from.loopCount) / units,
    ioEvents: (to.events - from.events) / units,
    idleMs: (to.idleMs - from.idleMs) / units,
    gc,
  };
}

/** One line of a breakdown (per handshake). */
export function formatBreakdown(b: Breakdown): string {
  const gc = Object.entries(b.gc)
    .filter(([, t]) => t.count > 0)
    .map(([kind, t]) => `${kind} ${t.count.toFixed(3)} (${t.ms.toFixed(3)} ms)`)
    .join(', ');
  return [
    `user ${b.userMs.toFixed(3)} + sys ${b.systemMs.toFixed(3)} ms`,
    `threads: main ${b.mainMs.toFixed(3)}, V8 platform ${b.platformMs.toFixed(3)}, other ${b.otherMs.toFixed(3)} ms`,
    `switches ${b.voluntarySwitches.toFixed(2)} vol + ${b.involuntarySwitches.toFixed(2)} invol`,
    `minor faults ${b.minorFaults.toFixed(1)}`,
    `loop iterations ${b.loopIterations.toFixed(2)}, IO events ${b.ioEvents.toFixed(2)}, idle ${b.idleMs.toFixed(2)} ms`,
    `GC ${gc || 'none'}`,
  ].join('; ');
}

/** Counts async resources created, by type (Timeout, Immediate, PROMISE, TickObject, WRITEWRAP, ...), while enabled; promise tracking slows the process, so read CPU from runs without it. */
export function countAsyncResources(): { readonly counts: Map<string, number>; readonly enable: () => void } {
  const counts = new Map<string, number>();
  const hook = createHook({
    init(_asyncId, type) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
  });
  return {
    counts,
    enable: () => {
      counts.clear();
      hook.enable();
    },
  };
}
