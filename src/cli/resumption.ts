/**
 * The CLI's resumption options: `tlsservice ticket-keys --out <file>` (write or rotate a
 * key file), the server's `--ticket-keys`, `--early-data` and `--anti-replay`, and the
 * client's `--sess-in`, `--sess-out` and `--early-data`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ClientConfiguration, ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { rotateTicketKeyFile, ticketKeysFromFile } from '../ticket-key-file.js';
import { TicketKeyRing } from '../ticket-keys.js';
import type { SessionSource } from '../tls-service.js';
import { parse, ticketKeyOptions, usage } from './args.js';

const random = (n: number) => new Uint8Array(randomBytes(n));

/** Runs `tlsservice ticket-keys --out <file>`: a fresh key file, or one more key in an existing one. */
export function runTicketKeys(argv: string[]): number {
  const { values } = parse(argv, ticketKeyOptions);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.out) throw new ConfigurationError('ticket-keys needs --out <file>');
  const seconds = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new ConfigurationError(`bad --${name} ${v}`);
    return n * 1000;
  };
  const file = rotateTicketKeyFile(values.out, random, {
    ...(values['encrypt-lifetime'] ? { encryptLifetimeMs: seconds('encrypt-lifetime', values['encrypt-lifetime']) } : {}),
    ...(values['decrypt-lifetime'] ? { decryptOnlyLifetimeMs: seconds('decrypt-lifetime', values['decrypt-lifetime']) } : {}),
  });
  console.log(`wrote ${values.out}: ${file.keys.length} key(s), the newest encrypts from now`);
  return 0;
}

/** Server options for resumption from the command line; `sharedKeys` are a cluster primary's keys (--workers without --ticket-keys). */
export async function serverResumption(
  values: { 'ticket-keys'?: string | undefined; 'early-data'?: string | undefined; 'anti-replay'?: string | undefined },
  sharedKeys?: TicketKeyRing,
): Promise<Partial<ServerConfiguration>> {
  const out: Partial<ServerConfiguration> = {};
  if (values['ticket-keys']) {
    out.ticketKeys = ticketKeysFromFile(values['ticket-keys'], { onError: (e) => console.error(`--ticket-keys: ${e.message}`) }).ring;
  } else if (sharedKeys) {
    out.ticketKeys = sharedKeys;
  }
  if (values['early-data'] !== undefined) {
    const size = Number(values['early-data']);
    if (!Number.isInteger(size) || size < 0) throw new ConfigurationError(`bad --early-data ${values['early-data']}`);
    out.maxEarlyData = size;
  }
  if (values['anti-replay']) {
    const { RedisReplayStore } = await import('../anti-replay/redis.js');
    out.antiReplay = new RedisReplayStore(values['anti-replay']);
  }
  return out;
}

/** Client options for resumption: `--sess-in` and `--early-data` files. */
export function clientResumption(values: { 'sess-in'?: string | undefined; 'early-data'?: string | undefined }): Partial<ClientConfiguration> {
  const read = (option: string, path: string) => {
    try {
      return new Uint8Array(readFileSync(path));
    } catch (error) {
      throw new ConfigurationError(`--${option} ${path}: ${(error as Error).message}`);
    }
  };
  return {
    ...(values['sess-in'] ? { session: read('sess-in', values['sess-in']) } : {}),
    ...(values['early-data'] ? { earlyData: read('early-data', values['early-data']) } : {}),
  };
}

/** `--sess-out`: writes each session as it arrives (the newest wins), so it survives however the client ends. */
export function saveSessions(path: string | undefined, sessions: SessionSource): void {
  if (!path) return;
  const save = (session: Uint8Array) => writeFileSync(path, session, { mode: 0o600 });
  const already = sessions.getSession();
  if (already) save(already);
  sessions.onSession(save);
}
