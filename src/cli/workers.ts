/**
 * `tlsservice server --workers <n>`: every core through node:cluster. The primary forks
 * `n` workers that all accept on the same port (cluster shares the listening socket)
 * and all seal tickets under one key ring, so a ticket issued by one worker resumes on
 * any other: with `--ticket-keys` each worker loads (and watches) the file; without it
 * the primary makes one random key set and hands it to every worker over the IPC
 * channel (never through the environment or a file).
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import { TICKET_KEY_LENGTH, TicketKeyRing } from '../ticket-keys.js';

/** The most workers `--workers` accepts. */
export const MAX_WORKERS = 256;

/** The message a primary sends each worker: the shared ticket key (base64), when not from a file. */
interface KeysMessage {
  readonly tlsserviceTicketKey: string;
}

/** Parses `--workers`: undefined when absent, else 1..MAX_WORKERS. */
export function workerCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new ConfigurationError(`--workers must be 1..${MAX_WORKERS}`);
  return n;
}

/** True in a process forked by `runPrimary`. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The primary: forks `n` workers, relays their `listening` line once all listen, and
 * stops them on SIGINT/SIGTERM. Resolves when every worker has exited.
 */
export async function runPrimary(n: number, withFileKeys: boolean): Promise<number> {
  const key = withFileKeys ? undefined : new Uint8Array(randomBytes(TICKET_KEY_LENGTH));
  const keyText = key ? Buffer.from(key).toString('base64') : undefined;
  key?.fill(0);
  const workers: Worker[] = [];
  const listening = new Set<number>();
  let reported = false;
  for (let i = 0; i < n; i++) {
    const worker = cluster.fork();
    workers.push(worker);
    worker.on('message', (m: { listening?: string; awaitingKeys?: boolean }) => {
      if (m.awaitingKeys) {
        const message: KeysMessage | Record<string, never> = keyText ? { tlsserviceTicketKey: keyText } : {};
        worker.send(message);
        return;
      }
      if (!m.listening) return;
      listening.add(worker.id);
      if (listening.size === n && !reported) {
        reported = true;
        console.log(`${m.listening} (${n} workers)`);
      }
    });
  }
  const stop = () => {
    for (const worker of workers) if (!worker.isDead()) worker.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve())))));
  return 0;
}

/** A worker: waits for the primary's key message; returns the shared ring, or undefined when keys come from a file. */
export function keysFromPrimary(): Promise<TicketKeyRing | undefined> {
  return new Promise((resolve) => {
    process.once('message', (m: Partial<KeysMessage>) => {
      if (!m.tlsserviceTicketKey) return resolve(undefined);
      const material = new Uint8Array(Buffer.from(m.tlsserviceTicketKey, 'base64'));
      const ring = TicketKeyRing.fixed(material);
      material.fill(0);
      resolve(ring);
    });
    // Asked for only once listening for the answer, so it cannot be missed.
    process.send?.({ awaitingKeys: true });
  });
}

/** A worker tells the primary it listens (the primary prints one line for all). */
export function reportListening(line: string): void {
  if (cluster.isWorker && process.send) process.send({ listening: line });
  else console.log(line);
}

/** A worker whose server has closed leaves the cluster (its IPC channel would keep it alive). */
export function leaveCluster(): void {
  if (cluster.isWorker) cluster.worker?.disconnect();
}
