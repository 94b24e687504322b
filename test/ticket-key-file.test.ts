/**
 * Ticket-key files shared by a fleet: the JSON format and the raw 48-byte node:tls form,
 * rotation that keeps keys still decrypting and drops expired ones, and servers that
 * watch the file: two servers loading the same file resume each other's tickets, and a
 * rotated file reaches a running server.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { formatTicketKeyFile, parseTicketKeyFile, rotateTicketKeyFile, ticketKeysFromFile } from '../src/ticket-key-file.js';
import { ConfigurationError } from '../src/errors.js';
import { TLSEngine } from '../adapters/noble/engine.js';
import { pump } from './noble/helpers.js';
import { testClientSettings, testServerSettings } from './noble/fixtures.js';
import type { ResumableSession } from '../adapters/noble/session.js';
import type { TicketKeyRing } from '../src/ticket-keys.js';

const HOUR = 3600_000;
const random = (n: number) => new Uint8Array(randomBytes(n));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ticket-keys-'));
}

/** A handshake against a server using `ring`; returns whether it resumed and the client's first ticket. */
function handshake(ring: TicketKeyRing, session?: ResumableSession) {
  const client = TLSEngine.client(testClientSettings({}, session ? { session } : {}));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }));
  pump(client, server);
  client.writePlaintext(Uint8Array.of(1));
  server.writePlaintext(Uint8Array.of(2));
  pump(client, server);
  return { resumed: server.outcome.resumed, ticket: client.tickets[0]! };
}

test('a key file round-trips; a raw 48-byte file is one key that never expires; anything else is a ConfigurationError', (t) => {
  const file = { encryptLifetimeMs: 2 * HOUR, decryptOnlyLifetimeMs: 13 * HOUR, keys: [{ material: random(48), activeFrom: 1_700_000_000_000 }] };
  t.deepEqual(parseTicketKeyFile(new TextEncoder().encode(formatTicketKeyFile(file))), file);
  const raw = parseTicketKeyFile(random(48));
  t.is(raw.keys.length, 1);
  t.is(raw.encryptLifetimeMs, Infinity);
  t.throws(() => parseTicketKeyFile(random(47)), { instanceOf: ConfigurationError });
  t.throws(() => parseTicketKeyFile(new TextEncoder().encode('{"format":"other"}')), { instanceOf: ConfigurationError });
  const short = formatTicketKeyFile({ ...file, keys: [{ material: random(16), activeFrom: 0 }] });
  t.throws(() => parseTicketKeyFile(new TextEncoder().encode(short)), { message: /48 bytes/ });
});

test('rotation adds a key and keeps only keys still within their decrypt-only lifetime', (t) => {
  const dir = tempDir();
  const path = join(dir, 'keys.json');
  try {
    const start = 1_700_000_000_000;
    rotateTicketKeyFile(path, random, { now: start, encryptLifetimeMs: HOUR, decryptOnlyLifetimeMs: HOUR });
    const second = rotateTicketKeyFile(path, random, { now: start + HOUR });
    t.is(second.keys.length, 2);
    t.is(second.encryptLifetimeMs, HOUR, 'lifetimes carry over from the file');
    const third = rotateTicketKeyFile(path, random, { now: start + 2 * HOUR + 1 });
    t.is(third.keys.length, 2, 'the first key, past encrypt + decrypt-only, was dropped');
    t.deepEqual(third.keys[0]!.material, second.keys[1]!.material);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two servers that load the same key file resume each other\'s tickets; another file does not', (t) => {
  const dir = tempDir();
  try {
    const path = join(dir, 'keys.json');
    rotateTicketKeyFile(path, random);
    const a = ticketKeysFromFile(path, { watch: false });
    const b = ticketKeysFromFile(path, { watch: false });
    const other = join(dir, 'other.json');
    rotateTicketKeyFile(other, random);
    const c = ticketKeysFromFile(other, { watch: false });
    const fromA = handshake(a.ring).ticket;
    t.true(handshake(b.ring, fromA).resumed);
    t.false(handshake(c.ring, fromA).resumed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a watched key file is reloaded: after rotation new tickets carry the new key, old ones still resume', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'keys.json');
  const watched = (() => {
    rotateTicketKeyFile(path, random);
    return ticketKeysFromFile(path);
  })();
  try {
    const old = handshake(watched.ring).ticket;
    const changed = new Promise<void>((resolve) => watched.ring.onChange(() => resolve()));
    rotateTicketKeyFile(path, random);
    await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('the file was not reloaded within 20 s')), 20_000))]);
    t.is(watched.ring.current.length, 2);
    const fresh = handshake(watched.ring, old);
    t.true(fresh.resumed, 'the old key still decrypts');
    t.notDeepEqual(fresh.ticket.ticket.subarray(0, 16), old.ticket.subarray(0, 16), 'the newest key encrypts');
    writeFileSync(path, 'not json');
    await new Promise((r) => setTimeout(r, 2500));
    t.is(watched.ring.current.length, 2, 'a broken file keeps the keys we have');
  } finally {
    watched.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
