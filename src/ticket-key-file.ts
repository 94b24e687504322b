/**
 * Ticket-key files: how a fleet shares one `TicketKeyRing`. An operator writes the file
 * (`tlsservice ticket-keys --out <file>`, run again to rotate: a new key is added and
 * keys past their lifetime are dropped), copies it to every server, and each server
 * watches it and reloads. The file is JSON:
 * `{ "format": "tlsservice-ticket-keys", "version": 1, "encryptLifetimeSeconds": 7200,
 *    "decryptOnlyLifetimeSeconds": 46800, "keys": [{ "activeFrom": ISO-8601, "key": base64 of 48 bytes }] }`.
 * A raw 48-byte file (node:tls's `ticketKeys` form) is accepted too: one key that never expires.
 */
import { watchFile, unwatchFile, readFileSync, writeFileSync, renameSync, statSync } from 'node:fs';
import { ConfigurationError } from './errors.js';
import {
  DEFAULT_DECRYPT_ONLY_LIFETIME_MS,
  DEFAULT_ENCRYPT_LIFETIME_MS,
  TICKET_KEY_LENGTH,
  TicketKeyRing,
} from './ticket-keys.js';

/** The `format` field of a key file. */
const FORMAT = 'tlsservice-ticket-keys';
/** The largest key file read (a few hundred keys). */
export const MAX_TICKET_KEY_FILE_BYTES = 65536;
/** How often a watched key file is checked for changes, ms. */
export const TICKET_KEY_FILE_POLL_MS = 1000;

/** The contents of a key file. */
export interface TicketKeyFile {
  readonly encryptLifetimeMs: number;
  readonly decryptOnlyLifetimeMs: number;
  readonly keys: readonly { readonly material: Uint8Array; readonly activeFrom: number }[];
}

/** Parses a key file's bytes (JSON, or raw 48 bytes); ConfigurationError when it is neither. */
export function parseTicketKeyFile(bytes: Uint8Array): TicketKeyFile {
  if (bytes.length === TICKET_KEY_LENGTH && bytes[0] !== 0x7b) {
    return { encryptLifetimeMs: Infinity, decryptOnlyLifetimeMs: 0, keys: [{ material: Uint8Array.from(bytes), activeFrom: 0 }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ConfigurationError(`a ticket key file is JSON or exactly ${TICKET_KEY_LENGTH} raw bytes`);
  }
  const file = json as { format?: unknown; version?: unknown; keys?: unknown; encryptLifetimeSeconds?: unknown; decryptOnlyLifetimeSeconds?: unknown };
  if (file.format !== FORMAT || file.version !== 1 || !Array.isArray(file.keys)) {
    throw new ConfigurationError(`not a ${FORMAT} version 1 file`);
  }
  const seconds = (v: unknown, fallback: number) => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0)) throw new ConfigurationError('key lifetimes are non-negative numbers of seconds');
    return v * 1000;
  };
  const keys = file.keys.map((entry: { key?: unknown; activeFrom?: unknown }) => {
    const material = typeof entry.key === 'string' ? new Uint8Array(Buffer.from(entry.key, 'base64')) : undefined;
    const activeFrom = typeof entry.activeFrom === 'string' ? Date.parse(entry.activeFrom) : NaN;
    if (!material || material.length !== TICKET_KEY_LENGTH) throw new ConfigurationError(`each key is ${TICKET_KEY_LENGTH} bytes of base64`);
    if (Number.isNaN(activeFrom)) throw new ConfigurationError('each key has an ISO-8601 activeFrom');
    return { material, activeFrom };
  });
  return {
    encryptLifetimeMs: seconds(file.encryptLifetimeSeconds, DEFAULT_ENCRYPT_LIFETIME_MS),
    decryptOnlyLifetimeMs: seconds(file.decryptOnlyLifetimeSeconds, DEFAULT_DECRYPT_ONLY_LIFETIME_MS),
    keys,
  };
}

/** Encodes a key file (JSON). */
export function formatTicketKeyFile(file: TicketKeyFile): string {
  return `${JSON.stringify(
    {
      format: FORMAT,
      version: 1,
      encryptLifetimeSeconds: file.encryptLifetimeMs / 1000,
      decryptOnlyLifetimeSeconds: file.decryptOnlyLifetimeMs / 1000,
      keys: file.keys.map((k) => ({ activeFrom: new Date(k.activeFrom).toISOString(), key: Buffer.from(k.material).toString('base64') })),
    },
    null,
    2,
  )}\n`;
}

/**
 * Writes `path` with a fresh key active from `activeFrom`, keeping the keys of an existing
 * file that are still within their decrypt-only lifetime (so rotation never cuts off live
 * tickets). Written to a temporary file and renamed, so watchers never read half a file.
 */
export function rotateTicketKeyFile(
  path: string,
  random: (length: number) => Uint8Array,
  options: { now?: number; activeFrom?: number; encryptLifetimeMs?: number; decryptOnlyLifetimeMs?: number } = {},
): TicketKeyFile {
  const now = options.now ?? Date.now();
  let previous: TicketKeyFile | undefined;
  try {
    previous = parseTicketKeyFile(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const encryptLifetimeMs = options.encryptLifetimeMs ?? (previous && Number.isFinite(previous.encryptLifetimeMs) ? previous.encryptLifetimeMs : DEFAULT_ENCRYPT_LIFETIME_MS);
  const decryptOnlyLifetimeMs = options.decryptOnlyLifetimeMs ?? (previous && Number.isFinite(previous.encryptLifetimeMs) ? previous.decryptOnlyLifetimeMs : DEFAULT_DECRYPT_ONLY_LIFETIME_MS);
  const kept = Number.isFinite(previous?.encryptLifetimeMs ?? NaN)
    ? previous!.keys.filter((k) => now < k.activeFrom + encryptLifetimeMs + decryptOnlyLifetimeMs)
    : [];
  const file: TicketKeyFile = {
    encryptLifetimeMs,
    decryptOnlyLifetimeMs,
    keys: [...kept, { material: random(TICKET_KEY_LENGTH), activeFrom: options.activeFrom ?? now }],
  };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, formatTicketKeyFile(file), { mode: 0o600 });
  renameSync(temporary, path);
  return file;
}

/** A ring loaded from a key file, reloaded when the file changes. */
export interface WatchedTicketKeys {
  readonly ring: TicketKeyRing;
  /** Stops watching the file. */
  close(): void;
}

/** Loads `path` into a ring and, with `watch` (default true), reloads it whenever the file changes. */
export function ticketKeysFromFile(path: string, options: { watch?: boolean; onError?: (error: Error) => void } = {}): WatchedTicketKeys {
  const read = () => {
    const size = statSync(path).size;
    if (size > MAX_TICKET_KEY_FILE_BYTES) throw new ConfigurationError(`ticket key file is larger than ${MAX_TICKET_KEY_FILE_BYTES} bytes`);
    return parseTicketKeyFile(readFileSync(path));
  };
  const first = read();
  const ring = new TicketKeyRing({ encryptLifetimeMs: first.encryptLifetimeMs, decryptOnlyLifetimeMs: first.decryptOnlyLifetimeMs });
  ring.load(first.keys);
  if (options.watch === false) return { ring, close: () => undefined };
  const listener = () => {
    try {
      ring.load(read().keys);
    } catch (e) {
      // A half-edited or removed file keeps the keys we have.
      options.onError?.(e as Error);
    }
  };
  watchFile(path, { interval: TICKET_KEY_FILE_POLL_MS, persistent: false }, listener);
  return { ring, close: () => unwatchFile(path, listener) };
}
