/**
 * The benchmark suite's entry point: `runBenchmarks` (also behind `tlsservice bench`)
 * runs the sections (io, rate, bulk, memory, crypto, hostile, resumption, cpu, http), prints a progress line and the
 * summary tables, writes the JSON, and after a full run regenerates `docs/benchmarks.md`
 * and its charts. Run directly: `node dist/bench/run.js [--quick] [--only ...] [--out f]`,
 * or `node dist/bench/run.js --render` to rebuild the docs from `bench/results/latest.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchBackends } from './backends.js';
import { measureBulkThroughput } from './bulk-throughput.js';
import { measureConnectionRate } from './connection-rate.js';
import { measureCryptoPrimitives } from './crypto-primitives.js';
import { writeDocs } from './docs-report.js';
import { measureHandshakeCost } from './handshake-cpu.js';
import { measureHostileHello } from './hostile-hello.js';
import { measureHTTP } from './http.js';
import { measureIdleMemory } from './idle-memory.js';
import { measureIOCalls } from './io-calls.js';
import { measureResumption } from './resumption-rate.js';
import { describeMachine, machineSummary } from './machine.js';
import type { BenchReport } from './report.js';
import { terminalSummary } from './report-tables.js';
import { isMainScript } from './main-script.js';

/** Options of a benchmark run. */
export interface BenchOptions {
  /** A sub-minute run with smaller sizes and shorter cells. */
  readonly quick: boolean;
  /** Where to write the JSON (default `bench/results/latest.json` for a full run of every section, `quick.json` for a quick run, `partial.json` for `--only`). */
  readonly out?: string;
  /** Run only these sections: io, rate, bulk, memory, crypto, hostile, resumption, cpu, http. */
  readonly only?: readonly string[];
}

/** The sections, in the order they run. */
export const SECTIONS = ['io', 'rate', 'bulk', 'memory', 'crypto', 'hostile', 'resumption', 'cpu', 'http'] as const;
/** A section name. */
export type SectionName = (typeof SECTIONS)[number];

/** The sizes and durations of a run. */
const PLANS = {
  quick: {
    variants: false,
    serverWarmUp: { connections: 30, seconds: 0.5, concurrency: 4 },
    rate: { concurrencies: [1, 16, 64], secondsPerCell: 0.6, warmupSeconds: 0.2 },
    bulk: { bytesPerRun: 4 * 2 ** 20, chunkBytes: 64 * 1024 },
    memory: { connections: 200, openConcurrency: 32 },
    cryptoSeconds: 0.08,
    resumption: { concurrencies: [1, 16], secondsPerCell: 0.6, warmupSeconds: 0.2, workersConcurrency: 32 },
    cost: { warmup: 5, handshakes: 20, blockingHandshakes: 10 },
    http: { concurrency: 16, warmupSeconds: 0.3, seconds: 0.6, rounds: 1 },
  },
  full: {
    variants: true,
    serverWarmUp: { connections: 2000, seconds: 15, concurrency: 16 },
    rate: { concurrencies: [1, 16, 64], secondsPerCell: 5, warmupSeconds: 1 },
    bulk: { bytesPerRun: 256 * 2 ** 20, chunkBytes: 64 * 1024 },
    memory: { connections: 10_000, openConcurrency: 64 },
    cryptoSeconds: 1,
    resumption: { concurrencies: [1, 16], secondsPerCell: 4, warmupSeconds: 1, workersConcurrency: 32 },
    cost: { warmup: 30, handshakes: 200, blockingHandshakes: 100 },
    http: { concurrency: 16, warmupSeconds: 1, seconds: 3, rounds: 3 },
  },
} as const;

/** Descriptors the bench process needs beyond the connections (IPC, stdio, modules). */
const FD_HEADROOM = 256;
/** The repository root (this file runs from dist/bench/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where a full run's JSON goes; `docs/benchmarks.md` is generated from it. */
export const LATEST_RESULTS = join(ROOT, 'bench', 'results', 'latest.json');
const QUICK_RESULTS = join(ROOT, 'bench', 'results', 'quick.json');
/** Where a full run of some sections (`--only`) writes, so it never replaces the full run's latest.json, which the docs are built from. */
const PARTIAL_RESULTS = join(ROOT, 'bench', 'results', 'partial.json');

/** Prints progress on stderr: one rewritten line on a terminal, plain lines otherwise. */
function progressPrinter(started: number): { line: (text: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  return {
    line(text: string): void {
      const stamped = `[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`;
      if (tty) process.stderr.write(`\r\x1b[K${stamped.slice(0, (process.stderr.columns || 120) - 1)}`);
      else process.stderr.write(`${stamped}\n`);
    },
    done(): void {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

/** Runs the benchmarks, prints the summary, writes the JSON (and the docs after a full run). */
export async function runBenchmarks(options: BenchOptions): Promise<BenchReport> {
  const only = options.only ?? SECTIONS;
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown bench section(s) ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`);
  const wants = (section: SectionName): boolean => only.includes(section);
  const plan = options.quick ? PLANS.quick : PLANS.full;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const progress = progressPrinter(started);
  const machine = describeMachine();
  const notes: string[] = [];
  const backends = benchBackends({ variants: plan.variants });
  if (!backends.includes('noble')) {
    notes.push('The noble backend is not registered in BACKEND_NAMES in this build; its rows appear once the container knows it.');
  }
  if (options.quick) {
    notes.push(
      `Quick run: ${plan.rate.secondsPerCell} s per connection-rate cell, ${plan.bulk.bytesPerRun / 2 ** 20} MiB bulk transfers, ` +
        `${plan.memory.connections} idle connections, ${plan.cryptoSeconds} s per primitive, no noble+node-crypto variant. ` +
        'A full run uses 5 s, 256 MiB, 10,000 and 1 s.',
    );
  }

  let memoryConnections: number = plan.memory.connections;
  const limit = machine.openFileLimit;
  if (wants('memory') && limit !== null && limit - FD_HEADROOM < memoryConnections) {
    memoryConnections = Math.max(100, limit - FD_HEADROOM);
    notes.push(`The open-file limit (ulimit -n = ${limit}) allows ${memoryConnections} idle connections, not ${plan.memory.connections}; raise it to measure the full count.`);
  }

  const section = async <T>(name: SectionName, run: () => Promise<T> | T): Promise<T | undefined> => {
    if (!wants(name)) return undefined;
    try {
      return await run();
    } catch (error) {
      notes.push(`Section ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  progress.line(`${machineSummary(machine)}; backends: ${backends.join(', ')}`);
  const ioCalls = await section('io', () => measureIOCalls(progress.line));
  const connectionRate = await section('rate', () => measureConnectionRate({ ...plan.rate, serverWarmUp: plan.serverWarmUp, backends }, progress.line));
  const bulkThroughput = await section('bulk', () => measureBulkThroughput({ ...plan.bulk, backends }, progress.line));
  const idleMemory = await section('memory', () =>
    measureIdleMemory({ backends, connections: memoryConnections, openConcurrency: plan.memory.openConcurrency }, progress.line),
  );
  const cryptoPrimitives = await section('crypto', () => measureCryptoPrimitives(plan.cryptoSeconds, progress.line));
  const hostileHello = await section('hostile', () => measureHostileHello(backends, progress.line));
  const resumption = await section('resumption', () => measureResumption({ ...plan.resumption, serverWarmUp: plan.serverWarmUp, backends }, progress.line));
  const handshakeCost = await section('cpu', () => measureHandshakeCost({ ...plan.cost, serverWarmUp: plan.serverWarmUp, backends }, progress.line));
  const httpRequests = await section('http', () => measureHTTP({ ...plan.http, backends }, progress.line));
  progress.done();

  const report: BenchReport = {
    formatVersion: 1,
    quick: options.quick,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine,
    backends,
    notes,
    serverWarmUp: plan.serverWarmUp,
    ...(ioCalls ? { ioCalls } : {}),
    ...(connectionRate ? { connectionRate } : {}),
    ...(bulkThroughput ? { bulkThroughput } : {}),
    ...(idleMemory ? { idleMemory } : {}),
    ...(cryptoPrimitives ? { cryptoPrimitives } : {}),
    ...(hostileHello ? { hostileHello } : {}),
    ...(resumption ? { resumption } : {}),
    ...(handshakeCost ? { handshakeCost } : {}),
    ...(httpRequests ? { http: httpRequests } : {}),
  };

  process.stdout.write(`${terminalSummary(report, machineSummary(machine))}\n\n`);
  const complete = SECTIONS.every(wants);
  const out = resolve(options.out ?? (options.quick ? QUICK_RESULTS : complete ? LATEST_RESULTS : PARTIAL_RESULTS));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`results: ${out}\n`);
  if (!options.quick && complete && out === LATEST_RESULTS) {
    for (const path of writeDocs(report, ROOT)) process.stdout.write(`wrote ${path}\n`);
  }
  return report;
}

/** Rebuilds `docs/benchmarks.md` and the charts from a results file (default: latest.json). */
export function renderDocs(resultsPath: string = LATEST_RESULTS): string[] {
  const report = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchReport;
  return writeDocs(report, ROOT);
}

/** `node dist/bench/run.js [--quick] [--only io,rate] [--out file.json] [--render]`. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      render: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.render) {
    for (const path of renderDocs(values.out ?? LATEST_RESULTS)) process.stdout.write(`wrote ${path}\n`);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  await runBenchmarks({ quick: values.quick === true, ...(values.out ? { out: values.out } : {}), ...(only ? { only } : {}) });
  return 0;
}

const invokedDirectly = isMainScript(import.meta.url);

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
