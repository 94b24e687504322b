/**
 * TLS 1.2 session tickets in the sans-IO engine, noble client x noble server (RFC 5077,
 * RFC 5246 section 7.3 abbreviated handshake, RFC 7627 section 5.3): tickets sealed with
 * the TLS 1.3 ticket key ring resume; tickets that do not fit fall back to a full
 * handshake; mutated abbreviated flights end with typed errors.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeServerHello, encodeServerHello, frameHandshake, HandshakeType, type ServerHello } from '../../adapters/noble/codec/handshake.js';
import { ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { decodeSession, encodeSession, type ResumableSession } from '../../adapters/noble/session.js';
import { TLS_AES_128_GCM_SHA256 } from '../../adapters/noble/suites.js';
import { TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 } from '../../adapters/noble/tls12/suites.js';
import { TicketKeyRing } from '../../src/ticket-keys.js';
import { MAX_TICKET_LENGTH } from '../../adapters/noble/tickets.js';
import { TLSAlertError } from '../../src/errors.js';
import type { ClientEngineSettings, ServerEngineSettings } from '../../adapters/noble/settings.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { concat, pump, seededRandom } from './helpers.js';
import { clientIdentity, testClientSettings, testServerSettings } from './fixtures.js';

const text = (s: string) => new TextEncoder().encode(s);
const HOUR = 3600_000;
const TLS12: ClientConfiguration = { maxVersion: 'TLSv1.2' };

interface Setup {
  client?: ClientConfiguration;
  clientEngine?: Partial<ClientEngineSettings>;
  server?: ServerConfiguration;
  serverEngine?: Partial<ServerEngineSettings>;
}

const clientOf = (setup: Setup) => TLSEngine.client(testClientSettings({ ...TLS12, ...setup.client }, setup.clientEngine));
const serverOf = (setup: Setup) => TLSEngine.server(testServerSettings('ecdsa', setup.server, setup.serverEngine));

/** One TLS 1.2 handshake plus a byte each way; returns both engines. */
function run(setup: Setup = {}) {
  const client = clientOf(setup);
  const server = serverOf(setup);
  pump(client, server);
  client.writePlaintext(text('c'));
  server.writePlaintext(text('s'));
  pump(client, server);
  return { client, server };
}

const ownRing = () => TicketKeyRing.generated(seededRandom(7));

/** A session from a full TLS 1.2 handshake against a server with `ring`. */
function firstSession(ring: TicketKeyRing, setup: Setup = {}): ResumableSession {
  const first = run({ ...setup, server: { ticketKeys: ring, ...setup.server } });
  if (first.client.tickets.length !== 1) throw new Error(`expected one ticket, got ${first.client.tickets.length}`);
  return first.client.tickets[0]!;
}

/** The error `step` throws. */
function errorOf(step: () => void): unknown {
  try {
    step();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The abbreviated server flight for `session` as records: [ServerHello(, NewSessionTicket)], CCS, Finished. */
function abbreviatedFlight(ring: TicketKeyRing, session: ResumableSession) {
  const client = clientOf({ clientEngine: { session } });
  const server = serverOf({ server: { ticketKeys: ring } });
  server.feed(concat(client.takeOutgoing()));
  return { client, server, records: server.takeOutgoing() };
}

/** A handshake record holding one ServerHello rewritten by `edit`. */
function serverHelloRecord(record: Uint8Array, edit: (sh: ServerHello) => ServerHello): Uint8Array {
  const sh = decodeServerHello(record.subarray(9));
  const body = frameHandshake(HandshakeType.server_hello, encodeServerHello(edit(sh))).raw;
  return concat([Uint8Array.of(22, 3, 3, body.length >> 8, body.length & 0xff), body]);
}

const without = (type: number) => (sh: ServerHello): ServerHello => ({ ...sh, extensions: sh.extensions.filter((e) => e.type !== type) });

test('a TLS 1.2 ticket resumes with the abbreviated handshake: no certificate, resumed on both sides (RFC 5077 section 3.1, RFC 5246 section 7.3)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  t.is(session.protocol, 'TLSv1.2');
  t.is(session.psk.length, 48, 'the master secret');
  t.is(session.serverName, 'localhost');
  const second = run({ server: { ticketKeys: ring }, clientEngine: { session } });
  t.true(second.client.handshakeComplete && second.server.handshakeComplete);
  t.is(second.client.outcome.protocol, 'TLSv1.2');
  t.true(second.client.outcome.resumed);
  t.true(second.server.outcome.resumed);
  t.is(second.server.outcome.signatureScheme, undefined, 'no ServerKeyExchange signature');
  t.is(second.client.outcome.peerCertificates.length, session.peerCertificates.length, 'the server identity comes from the session');
  t.is(new TextDecoder().decode(concat([second.server.readPlaintext()])), 'c');
  t.is(second.client.tickets.length, 1);
  t.is(second.client.tickets[0], session, 'a ticket under the current key is not re-issued: the resumed session stays the session');
  // The session survives the node:tls-style bytes round trip.
  t.deepEqual(decodeSession(encodeSession(session)), session);
});

test('the abbreviated server flight is ServerHello, ChangeCipherSpec, Finished, queued together, and echoes our session id (RFC 5077 section 3.4)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const { client, server, records } = abbreviatedFlight(ring, session);
  t.deepEqual(records.map((r) => r[0]), [22, 20, 22], 'handshake, change_cipher_spec, protected Finished');
  const sh = decodeServerHello(records[0]!.subarray(9));
  t.is(sh.legacySessionIdEcho.length, 32);
  t.is(server.stateName, 'ExpectChangeCipherSpec');
  client.feed(concat(records));
  t.true(client.handshakeComplete);
  t.deepEqual(client.takeOutgoing().map((r) => r[0]), [20, 22], "the client's CCS and Finished leave together");
});

test('a ticket sealed under a key that no longer encrypts resumes and is re-issued before the CCS (RFC 5077 section 3.3)', (t) => {
  let now = Date.now();
  const ring = ownRing();
  const session = firstSession(ring, { server: { sessionTimeout: 24 * 3600 }, serverEngine: { now: () => now } });
  now += 2.5 * HOUR; // past the key's 2-hour encrypt lifetime, within its decrypt-only window
  const second = run({ server: { ticketKeys: ring }, serverEngine: { now: () => now }, clientEngine: { session } });
  t.true(second.client.outcome.resumed);
  t.is(second.client.tickets.length, 1, 'a fresh ticket came with the abbreviated handshake');
  t.notDeepEqual(second.client.tickets[0]!.ticket, session.ticket);
  t.deepEqual(second.client.tickets[0]!.psk, session.psk, 'the same session');
});

test('a tampered TLS 1.2 ticket means a full handshake and a new ticket, never an error (RFC 5077 section 3.4)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const ticket = session.ticket.slice();
  ticket[ticket.length - 1]! ^= 1;
  const second = run({ server: { ticketKeys: ring }, clientEngine: { session: { ...session, ticket } } });
  t.true(second.client.handshakeComplete && second.server.handshakeComplete);
  t.false(second.client.outcome.resumed);
  t.false(second.server.outcome.resumed);
  t.is(second.client.tickets.length, 1);
});

test('a SessionTicket longer than MAX_TICKET_LENGTH is not opened: a full handshake', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const ticket = new Uint8Array(MAX_TICKET_LENGTH + 1);
  ticket.set(session.ticket);
  const second = run({ server: { ticketKeys: ring }, clientEngine: { session: { ...session, ticket } } });
  t.true(second.server.handshakeComplete);
  t.false(second.server.outcome.resumed);
});

test('a TLS 1.2 ticket from another key ring means a full handshake', (t) => {
  const session = firstSession(ownRing());
  const second = run({ server: { ticketKeys: TicketKeyRing.generated(seededRandom(99)) }, clientEngine: { session } });
  t.true(second.server.handshakeComplete);
  t.false(second.server.outcome.resumed);
});

test('an expired TLS 1.2 ticket means a full handshake (RFC 5077 section 5.6)', (t) => {
  let now = Date.now();
  const ring = ownRing();
  const session = firstSession(ring, { server: { sessionTimeout: 60 }, serverEngine: { now: () => now } });
  now += 61_000;
  const second = run({ server: { ticketKeys: ring }, serverEngine: { now: () => now }, clientEngine: { session } });
  t.true(second.server.handshakeComplete);
  t.false(second.server.outcome.resumed);
});

test('a ticket of a suite the server no longer enables means a full handshake (RFC 5246 section 7.4.1.2)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  t.is(session.suite.code, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.code);
  const second = run({ server: { ticketKeys: ring }, serverEngine: { tls12CipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] }, clientEngine: { session } });
  t.true(second.server.handshakeComplete);
  t.false(second.server.outcome.resumed);
  t.is(second.server.outcome.suite?.code, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.code);
});

test('a TLS 1.3 ticket in a TLS 1.2 SessionTicket extension means a full handshake, and a TLS 1.2 ticket never resumes TLS 1.3', (t) => {
  const ring = ownRing();
  const first13 = run({ client: { maxVersion: 'TLSv1.3' }, server: { ticketKeys: ring } });
  const ticket13 = first13.client.tickets[0]!;
  t.is(ticket13.protocol, 'TLSv1.3');
  const posing12: ResumableSession = { ...ticket13, protocol: 'TLSv1.2', suite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, psk: new Uint8Array(48) };
  const on12 = run({ server: { ticketKeys: ring }, clientEngine: { session: posing12 } });
  t.true(on12.server.handshakeComplete);
  t.false(on12.server.outcome.resumed);

  const session12 = firstSession(ring);
  const posing13: ResumableSession = { ...session12, protocol: 'TLSv1.3', suite: TLS_AES_128_GCM_SHA256, psk: new Uint8Array(32) };
  const on13 = run({ client: { maxVersion: 'TLSv1.3' }, server: { ticketKeys: ring }, clientEngine: { session: posing13 } });
  t.true(on13.server.handshakeComplete);
  t.is(on13.server.outcome.protocol, 'TLSv1.3');
  t.false(on13.server.outcome.resumed);
  // A TLS 1.3-capable client offers its TLS 1.2 session only in the SessionTicket extension, not as a PSK.
  const both = run({ client: { maxVersion: 'TLSv1.3' }, server: { ticketKeys: ring, maxVersion: 'TLSv1.2' }, clientEngine: { session: session12 } });
  t.true(both.client.outcome.resumed, 'a 1.3-capable client resumes its 1.2 session with a 1.2-only server');
});

test('no SessionTicket extension or ticketCount 0: no ticket is issued', (t) => {
  const ring = ownRing();
  const none = run({ server: { ticketKeys: ring, ticketCount: 0 } });
  t.is(none.client.tickets.length, 0);
  const stripped = run({
    server: { ticketKeys: ring },
    clientEngine: { editExtensions: (_m, ext) => ext.filter((e) => e.type !== ExtensionType.session_ticket) },
  });
  t.true(stripped.client.handshakeComplete);
  t.is(stripped.client.tickets.length, 0);
});

test('a resumed session keeps the client certificate the full handshake verified', (t) => {
  const ring = ownRing();
  const setup: Setup = { client: clientIdentity, server: { ticketKeys: ring, requestCert: true } };
  const first = run(setup);
  t.is(first.server.outcome.peerCertificates.length, 1);
  const second = run({ ...setup, clientEngine: { session: first.client.tickets[0]! } });
  t.true(second.server.outcome.resumed);
  t.deepEqual(second.server.outcome.peerCertificates, first.server.outcome.peerCertificates);
});

test('a ClientHello resuming without extended_master_secret is refused with handshake_failure (RFC 7627 section 5.3)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const client = clientOf({ clientEngine: { session, editExtensions: (_m, ext) => ext.filter((e) => e.type !== ExtensionType.extended_master_secret) } });
  const server = serverOf({ server: { ticketKeys: ring } });
  const error = errorOf(() => server.feed(concat(client.takeOutgoing())));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'handshake_failure');
});

test('an abbreviated ServerHello without extended_master_secret aborts the client with handshake_failure (RFC 7627 section 5.3)', (t) => {
  const ring = ownRing();
  const { client, records } = abbreviatedFlight(ring, firstSession(ring));
  const error = errorOf(() => client.feed(concat([serverHelloRecord(records[0]!, without(ExtensionType.extended_master_secret)), ...records.slice(1)])));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'handshake_failure');
});

test('an abbreviated ServerHello with another cipher suite is illegal_parameter (RFC 5246 section 7.4.1.3)', (t) => {
  const ring = ownRing();
  const { client, records } = abbreviatedFlight(ring, firstSession(ring));
  const error = errorOf(() => client.feed(serverHelloRecord(records[0]!, (sh) => ({ ...sh, cipherSuite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.code }))));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'illegal_parameter');
});

test('a promised NewSessionTicket that does not come is unexpected_message (RFC 5077 section 3.2)', (t) => {
  const ring = ownRing();
  const { client, records } = abbreviatedFlight(ring, firstSession(ring));
  const promise: Extension = { type: ExtensionType.session_ticket, data: new Uint8Array(0) };
  const error = errorOf(() => client.feed(concat([serverHelloRecord(records[0]!, (sh) => ({ ...sh, extensions: [...sh.extensions, promise] })), ...records.slice(1)])));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'unexpected_message');
});

test('an abbreviated flight without its ChangeCipherSpec, or with a damaged Finished, ends with a typed alert', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const noCcs = abbreviatedFlight(ring, session);
  const e1 = errorOf(() => noCcs.client.feed(concat([noCcs.records[0]!, noCcs.records[2]!])));
  t.true(e1 instanceof TLSAlertError, 'Finished before ChangeCipherSpec');
  const damaged = abbreviatedFlight(ring, session);
  const finished = damaged.records[2]!.slice();
  finished[finished.length - 1]! ^= 1;
  const e2 = errorOf(() => damaged.client.feed(concat([damaged.records[0]!, damaged.records[1]!, finished])));
  t.true(e2 instanceof TLSAlertError);
  t.is((e2 as TLSAlertError).alert, 'bad_record_mac');
});

test("a damaged client Finished in the abbreviated handshake is refused by the server (RFC 5246 section 7.4.9)", (t) => {
  const ring = ownRing();
  const { client, server, records } = abbreviatedFlight(ring, firstSession(ring));
  client.feed(concat(records));
  const out = client.takeOutgoing();
  const finished = out[1]!.slice();
  finished[finished.length - 1]! ^= 1;
  const error = errorOf(() => server.feed(concat([out[0]!, finished])));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'bad_record_mac');
  t.false(server.handshakeComplete);
});

test('a server that echoes our session id without our offering a ticket is illegal_parameter (RFC 5077 section 3.4)', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  const { records } = abbreviatedFlight(ring, session);
  // A 1.3-capable client without a session sends a random session id; the server "resumes" anyway.
  const client = TLSEngine.client(testClientSettings({}));
  const hello = concat(client.takeOutgoing());
  const ourId = hello.subarray(5 + 4 + 2 + 32 + 1, 5 + 4 + 2 + 32 + 1 + 32);
  const error = errorOf(() => client.feed(serverHelloRecord(records[0]!, (sh) => ({ ...sh, legacySessionIdEcho: ourId }))));
  t.true(error instanceof TLSAlertError);
  t.is((error as TLSAlertError).alert, 'illegal_parameter');
});

test('bit flips anywhere in the abbreviated server flight end in a TLSAlertError, never a resumed handshake or another error', (t) => {
  const ring = ownRing();
  const session = firstSession(ring);
  // The same seeded randomness each time, so every client sends the same ClientHello.
  const client = () => clientOf({ clientEngine: { session, random: seededRandom(11) } });
  const server = serverOf({ server: { ticketKeys: ring } });
  server.feed(concat(client().takeOutgoing()));
  const flight = concat(server.takeOutgoing());
  const untouched = client();
  untouched.takeOutgoing();
  untouched.feed(flight);
  t.true(untouched.handshakeComplete && untouched.outcome.resumed, 'the untouched flight resumes');
  // legacy_record_version is ignored after the ServerHello (RFC 8446 section 5.1, as OpenSSL and Go): not flipped.
  const versionBytes = new Set<number>();
  for (let o = 0; o < flight.length; o += 5 + ((flight[o + 3]! << 8) | flight[o + 4]!)) versionBytes.add(o + 1).add(o + 2);
  const seen = new Set<string>();
  for (let i = 0; i < flight.length; i += 3) {
    if (versionBytes.has(i)) continue;
    const c = client();
    c.takeOutgoing();
    const bad = flight.slice();
    bad[i]! ^= 0x04;
    const error = errorOf(() => c.feed(bad));
    t.false(c.handshakeComplete, `byte ${i}: the handshake must not complete`);
    if (error !== undefined) {
      t.true(error instanceof TLSAlertError, `byte ${i}: ${String(error)}`);
      seen.add((error as TLSAlertError).alert);
    }
  }
  t.log([...seen].join(', '));
  t.true(seen.has('bad_record_mac') || seen.has('decrypt_error'));
});
