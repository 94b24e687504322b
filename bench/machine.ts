/**
 * Describes the machine a benchmark runs on (OS, CPUs, memory, Node and OpenSSL
 * versions, open-file limit), stored with every run so figures can be compared.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { MachineDescription } from './report.js';

/** The open-file limit of this process (`ulimit -n`), or null when it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    if (text === 'unlimited') return Number.MAX_SAFE_INTEGER;
    const limit = Number.parseInt(text, 10);
    return Number.isFinite(limit) ? limit : null;
  } catch {
    return null;
  }
}

/** The description of the current machine. */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    kernel: os.version(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    openFileLimit: openFileLimit(),
    loadAverageAtStart: os.loadavg()[0] ?? 0,
  };
}

/** The machine in one line, for terminal and Markdown headers. */
export function machineSummary(machine: MachineDescription): string {
  const gib = (machine.memoryBytes / 2 ** 30).toFixed(1);
  return (
    `${machine.cpuModel} x ${machine.cpuCount} (${machine.arch}), ${gib} GiB RAM, ${machine.os}, Node ${machine.node}, ` +
    `OpenSSL ${machine.openssl}, load average ${machine.loadAverageAtStart.toFixed(2)} at start`
  );
}
