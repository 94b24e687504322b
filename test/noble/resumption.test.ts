/**
 * PSK resumption in the sans-IO engine, noble client x noble server (RFC 8446 sections
 * 2.2, 4.2.9, 4.2.11, 4.6.1): sealed tickets resume with psk_dhe_ke (and psk_ke when
 * both ends allow it), across a HelloRetryRequest, under a rotating key ring; tickets
 * that do not fit fall back to a full handshake, a wrong binder is decrypt_error.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeClientHello, encodeClientHello, frameHandshake, HandshakeType } from '../../adapters/noble/codec/handshake.js';
import { decodeOfferedPsks, encodeOfferedPsks, ExtensionType } from '../../adapters/noble/codec/extensions.js';
import { decodeSession, encodeSession, type ResumableSession } from '../../adapters/noble/session.js';
import { TicketKeyRing } from '../../src/ticket-keys.js';
import { RESUMED_TICKET_COUNT } from '../../adapters/noble/tickets.js';
import { TLSAlertError } from '../../src/errors.js';
import type { ClientEngineSettings, ServerEngineSettings } from '../../adapters/noble/settings.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { concat, pump, seededRandom } from './helpers.js';
import { clientIdentity, testClientSettings, testServerSettings } from './fixtures.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const HOUR = 3600_000;

interface Setup {
  client?: ClientConfiguration;
  clientEngine?: Partial<ClientEngineSettings>;
  server?: ServerConfiguration;
  serverEngine?: Partial<ServerEngineSettings>;
}

/** One handshake plus a byte each way (so the tickets arrive); returns both engines. */
function run(setup: Setup = {}) {
  const client = TLSEngine.client(testClientSettings(setup.client, setup.clientEngine));
  const server = TLSEngine.server(testServerSettings('ecdsa', setup.server, setup.serverEngine));
  pump(client, server);
  if (client.handshakeComplete && server.handshakeComplete) {
    client.writePlaintext(text('c'));
    server.writePlaintext(text('s'));
    pump(client, server);
  }
  return { client, server };
}

/** A ring of its own per test, so clocks and keys do not leak between tests. */
const ownRing = () => TicketKeyRing.generated(seededRandom(7));

test('a ticket from a full handshake resumes: no certificate, psk_dhe_ke, resumed on both sides (RFC 8446 2.2)', (t) => {
  const ring = ownRing();
  const first = run({ server: { ticketKeys: ring } });
  t.false(first.client.outcome.resumed);
  t.is(first.client.tickets.length, 2);
  t.notDeepEqual(first.client.tickets[0]!.ticket, first.client.tickets[1]!.ticket, 'each ticket is its own');
  const session = first.client.tickets[0]!;
  t.is(session.serverName, 'localhost');

  const second = run({ server: { ticketKeys: ring }, clientEngine: { session } });
  t.true(second.client.handshakeComplete && second.server.handshakeComplete);
  t.true(second.client.outcome.resumed);
  t.true(second.server.outcome.resumed);
  t.is(second.client.outcome.group, 'x25519', 'psk_dhe_ke still runs (EC)DHE (section 4.2.9)');
  t.is(second.server.outcome.signatureScheme, undefined, 'no CertificateVerify in a resumed handshake');
  t.deepEqual(second.client.outcome.peerCertificates, first.client.outcome.peerCertificates, 'the server chain is the one verified first');
  t.is(str(second.server.readPlaintext()), 'c');
  t.is(str(second.client.readPlaintext()), 's');
  t.is(second.client.tickets.length, RESUMED_TICKET_COUNT, 'a resumed connection gets a fresh ticket too (one, as OpenSSL)');
  t.deepEqual(
    second.client.exportKeyingMaterial('EXPERIMENTAL x', undefined, 16),
    second.server.exportKeyingMaterial('EXPERIMENTAL x', undefined, 16),
  );
});

test('the resumed handshake is smaller: no Certificate or CertificateVerify on the wire', (t) => {
  const ring = ownRing();
  const sizes = (session?: ResumableSession) => {
    const client = TLSEngine.client(testClientSettings({}, session ? { session } : {}));
    const server = TLSEngine.server(testServerSettings('rsa', { ticketKeys: ring }));
    server.feed(concat(client.takeOutgoing()));
    const bytes = concat(server.takeOutgoing());
    client.feed(bytes);
    pump(client, server);
    const flight = bytes.length;
    client.writePlaintext(text('x'));
    pump(client, server);
    return { flight, client };
  };
  const full = sizes();
  const resumed = sizes(full.client.tickets[0]);
  t.true(resumed.client.outcome.resumed);
  t.true(resumed.flight < full.flight / 2, `resumed server flight ${resumed.flight} bytes vs full ${full.flight}`);
});

test('psk_ke when both ends allow it: no key exchange at all (RFC 8446 4.2.9)', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const modes = { pskKeyExchangeModes: ['psk_ke'] as const };
  const r = run({ server: { ticketKeys: ring, ...modes }, client: modes, clientEngine: { session } });
  t.true(r.server.outcome.resumed);
  t.true(r.client.outcome.resumed);
  t.is(r.client.outcome.group, undefined);
  t.is(r.server.outcome.group, undefined);
  t.is(str(r.server.readPlaintext()), 'c');
});

test('psk_ke offered but the server allows only psk_dhe_ke (the default): full handshake, not an error', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const r = run({ server: { ticketKeys: ring }, client: { pskKeyExchangeModes: ['psk_ke'] }, clientEngine: { session } });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed);
  t.false(r.client.outcome.resumed);
});

test('both modes offered, server allows both: psk_dhe_ke is preferred', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const modes = { pskKeyExchangeModes: ['psk_ke', 'psk_dhe_ke'] as const };
  const r = run({ server: { ticketKeys: ring, ...modes }, client: modes, clientEngine: { session } });
  t.true(r.server.outcome.resumed);
  t.is(r.server.outcome.group, 'x25519');
});

test('a ticket sealed under other keys (another server, another backend) falls back to a full handshake', (t) => {
  const session = run({ server: { ticketKeys: ownRing() } }).client.tickets[0]!;
  const r = run({ server: { ticketKeys: ownRing() }, clientEngine: { session } });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed);
  t.false(r.client.outcome.resumed);
  t.is(r.client.outcome.signatureScheme, 'ecdsa_secp256r1_sha256', 'the certificate was verified again');
});

test('a tampered ticket falls back to a full handshake (the AEAD refuses it)', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const ticket = Uint8Array.from(session.ticket);
  ticket[ticket.length - 20]! ^= 1;
  const r = run({ server: { ticketKeys: ring }, clientEngine: { session: { ...session, ticket } } });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed);
});

test('a wrong binder on a ticket that opens is decrypt_error (RFC 8446 4.2.11)', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const psk = Uint8Array.from(session.psk);
  psk[0]! ^= 1;
  const client = TLSEngine.client(testClientSettings({}, { session: { ...session, psk } }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }));
  const error = t.throws(() => server.feed(concat(client.takeOutgoing())), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'decrypt_error');
  t.is(error.direction, 'sent');
});

test('identities and binders in different numbers are illegal_parameter (RFC 8446 4.2.11)', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const client = TLSEngine.client(testClientSettings({}, { session }));
  const record = concat(client.takeOutgoing());
  const hello = decodeClientHello(record.subarray(9));
  const psk = decodeOfferedPsks(hello.extensions.at(-1)!.data);
  const extensions = [
    ...hello.extensions.slice(0, -1),
    { type: ExtensionType.pre_shared_key, data: encodeOfferedPsks({ identities: psk.identities, binders: [psk.binders[0]!, psk.binders[0]!] }) },
  ];
  const message = frameHandshake(HandshakeType.client_hello, encodeClientHello({ ...hello, extensions })).raw;
  const header = Uint8Array.of(22, 3, 1, message.length >> 8, message.length & 0xff);
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }));
  const error = t.throws(() => server.feed(concat([header, message])), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'illegal_parameter');
});

test('an expired ticket is neither offered by the client nor accepted by the server (RFC 8446 4.6.1)', (t) => {
  const ring = ownRing();
  let now = Date.now();
  const clock = () => now;
  const session = run({ server: { ticketKeys: ring, sessionTimeout: 60 }, serverEngine: { now: clock }, clientEngine: { now: clock } }).client.tickets[0]!;
  t.is(session.lifetimeSeconds, 60);
  now += 61_000;
  const r = run({ server: { ticketKeys: ring }, serverEngine: { now: clock }, clientEngine: { now: clock, session } });
  t.false(r.client.outcome.resumed);
  // The server's own check: a client with a wrong clock that still offers it.
  const stale = run({
    server: { ticketKeys: ring },
    serverEngine: { now: clock },
    clientEngine: { session: { ...session, receivedAt: now - 1000 } },
  });
  t.true(stale.server.handshakeComplete);
  t.false(stale.server.outcome.resumed);
});

test('a ticket for another server name falls back to a full handshake', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  t.false(run({ server: { ticketKeys: ring }, client: { servername: 'other.test', rejectUnauthorized: false }, clientEngine: { session } }).client.outcome.resumed, 'the client does not offer it');
  const r = run({
    server: { ticketKeys: ring },
    client: { servername: 'other.test', rejectUnauthorized: false },
    clientEngine: { session: { ...session, serverName: 'other.test' } },
  });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed, 'the server checks the SNI in the ticket');
});

test('a ticket made under another ALPN protocol falls back to a full handshake', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring, ALPNProtocols: ['h2'] }, client: { ALPNProtocols: ['h2'] } }).client.tickets[0]!;
  t.is(session.alpnProtocol, 'h2');
  const r = run({ server: { ticketKeys: ring, ALPNProtocols: ['http/1.1'] }, client: { ALPNProtocols: ['h2', 'http/1.1'] }, clientEngine: { session } });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed);
  t.is(r.server.outcome.alpnProtocol, 'http/1.1');
});

test("a ticket whose suite hash the server no longer picks falls back to a full handshake (RFC 8446 4.2.11)", (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  t.is(session.suite.hash, 'SHA-256');
  const r = run({ server: { ticketKeys: ring, cipherSuites: ['TLS_AES_256_GCM_SHA384'] }, clientEngine: { session } });
  t.true(r.server.handshakeComplete);
  t.false(r.server.outcome.resumed);
  t.is(r.server.outcome.suite?.name, 'TLS_AES_256_GCM_SHA384');
});

test('a suite with the same hash may be chosen on resumption', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const r = run({ server: { ticketKeys: ring, cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }, clientEngine: { session } });
  t.true(r.server.outcome.resumed);
  t.is(r.server.outcome.suite?.name, 'TLS_CHACHA20_POLY1305_SHA256');
});

test('resumption across a HelloRetryRequest rebinds the PSK over the new transcript (RFC 8446 4.1.4, 4.2.11.2)', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const r = run({ server: { ticketKeys: ring, groups: ['P-256'] }, clientEngine: { session } });
  t.true(r.server.outcome.helloRetried);
  t.true(r.server.outcome.resumed);
  t.true(r.client.outcome.resumed);
  t.is(r.client.outcome.group, 'secp256r1');
});

test('client certificates: the resumed server sees the chain from the ticket; a required certificate needs a ticket with one', (t) => {
  const ring = ownRing();
  const auth = { requestCert: true, ticketKeys: ring };
  const withCert = run({ server: auth, client: clientIdentity }).client.tickets[0]!;
  const r = run({ server: auth, clientEngine: { session: withCert } });
  t.true(r.server.outcome.resumed);
  t.is(r.server.outcome.peerCertificates.length, 1);
  const withoutCert = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  const strict = run({ server: auth, client: clientIdentity, clientEngine: { session: withoutCert } });
  t.true(strict.server.handshakeComplete);
  t.false(strict.server.outcome.resumed, 'a ticket without a client certificate cannot skip a required one');
  t.is(strict.server.outcome.peerCertificates.length, 1);
});

test('ticketCount: 0 sends no tickets, 3 sends three (RFC 8446 4.6.1)', (t) => {
  t.is(run({ server: { ticketCount: 0 } }).client.tickets.length, 0);
  t.is(run({ server: { ticketCount: 3 } }).client.tickets.length, 3);
  t.throws(() => testServerSettings('ecdsa', { ticketCount: 100 }), { message: /ticketCount/ });
});

test('a resumed handshake brings one replacement ticket, as OpenSSL; a full one brings ticketCount (RFC 8446 4.6.1)', (t) => {
  const ring = ownRing();
  const full = run({ server: { ticketKeys: ring, ticketCount: 3 } });
  t.is(full.client.tickets.length, 3);
  const resumed = run({ server: { ticketKeys: ring, ticketCount: 3 }, clientEngine: { session: full.client.tickets[0]! } });
  t.true(resumed.server.outcome.resumed);
  t.is(resumed.client.tickets.length, RESUMED_TICKET_COUNT);
  // The replacement resumes in turn.
  const again = run({ server: { ticketKeys: ring }, clientEngine: { session: resumed.client.tickets[0]! } });
  t.true(again.server.outcome.resumed);
  t.is(run({ server: { ticketKeys: ring, ticketCount: 0 }, clientEngine: { session: full.client.tickets[1]! } }).client.tickets.length, 0);
});

test('48-byte ticketKeys (node:tls form): two servers with the same key resume each other\'s tickets', (t) => {
  const key = seededRandom(3)(48);
  const session = run({ server: { ticketKeys: key } }).client.tickets[0]!;
  const r = run({ server: { ticketKeys: Uint8Array.from(key) }, clientEngine: { session } });
  t.true(r.server.outcome.resumed);
  t.throws(() => testServerSettings('ecdsa', { ticketKeys: new Uint8Array(32) }), { message: /48 bytes/ });
});

test('key rotation: old tickets resume until their key\'s decrypt-only lifetime ends, then fall back; retired keys are zeroed', (t) => {
  let now = 1_800_000_000_000;
  const clock = () => now;
  const ring = new TicketKeyRing({ encryptLifetimeMs: 2 * HOUR, decryptOnlyLifetimeMs: 3 * HOUR, random: seededRandom(11) });
  const at = (session?: ResumableSession) =>
    run({ server: { ticketKeys: ring, sessionTimeout: 86400 }, serverEngine: { now: clock }, clientEngine: { now: clock, ...(session ? { session } : {}) } });
  const old = at().client.tickets[0]!;
  const firstKey = ring.current[0]!;
  now += 2 * HOUR + 1000; // the first key now only decrypts
  const second = at(old);
  t.true(second.server.outcome.resumed, 'decrypt-only key still opens');
  t.is(ring.current.length, 2, 'a new key encrypts');
  t.notDeepEqual(second.client.tickets[0]!.ticket.subarray(0, 16), old.ticket.subarray(0, 16), 'new tickets carry the new key id');
  now += 3 * HOUR; // past the first key's decrypt-only lifetime
  const third = at({ ...old, receivedAt: now - 1000 });
  t.false(third.server.outcome.resumed, 'a ticket of a retired key means a full handshake');
  t.true(firstKey.material.every((b) => b === 0), 'the retired key was overwritten');
  t.true(at(second.client.tickets[0]!).server.outcome.resumed, 'tickets of the newer key still resume');
});

test('sessions encode and decode (getSession form); other bytes decode to nothing', (t) => {
  const session = run({ server: { ALPNProtocols: ['h2'] }, client: { ALPNProtocols: ['h2'] } }).client.tickets[0]!;
  const decoded = decodeSession(encodeSession(session))!;
  t.deepEqual(decoded, session);
  t.is(decodeSession(Uint8Array.of(0x30, 0x82, 1, 2)), undefined);
  t.is(decodeSession(encodeSession(session).subarray(0, 40)), undefined);
});

// --- 0-RTT (RFC 8446 sections 2.3, 4.2.10, 8) ---

/** A ticket from a server that allows `maxEarlyData` bytes of 0-RTT. */
function earlyTicket(ring: TicketKeyRing, maxEarlyData = 1024) {
  return run({ server: { ticketKeys: ring }, serverEngine: { maxEarlyData } }).client.tickets[0]!;
}

/** Client with early data against a 0-RTT server; `fresh` is the anti-replay answer. */
function earlyRun(ring: TicketKeyRing, session: ResumableSession, fresh: boolean, server: Partial<ServerEngineSettings> = { maxEarlyData: 1024 }) {
  const client = TLSEngine.client(testClientSettings({}, { session, earlyData: text('GET /early') }));
  const srv = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }, server));
  srv.feed(concat(client.takeOutgoing()));
  const check = srv.replayCheck;
  if (check) srv.decideEarlyData(fresh);
  const beforeFinished = { readable: srv.hasPlaintext, complete: srv.handshakeComplete };
  pump(client, srv);
  return { client, server: srv, check, beforeFinished };
}

test('0-RTT accepted: the early data arrives before the handshake completes, marked as early (RFC 8446 2.3)', (t) => {
  const ring = ownRing();
  const session = earlyTicket(ring);
  t.is(session.maxEarlyData, 1024, 'the ticket carries max_early_data_size (section 4.6.1)');
  const { client, server, check, beforeFinished } = earlyRun(ring, session, true);
  t.truthy(check, 'the server asked for an anti-replay decision (section 8.2)');
  t.deepEqual(beforeFinished, { readable: true, complete: false }, 'readable one round trip before the client Finished');
  t.true(server.handshakeComplete && client.handshakeComplete);
  t.is(client.outcome.earlyData, 'accepted');
  t.is(server.outcome.earlyData, 'accepted');
  t.is(server.earlyDataReceived, 10);
  t.is(str(server.readPlaintext()), 'GET /early');
  client.writePlaintext(text('after'));
  pump(client, server);
  t.is(str(server.readPlaintext()), 'after', '1-RTT data follows, in its own read');
});

test('0-RTT refused by the anti-replay store: full resumption without the early data, which the client must resend (RFC 8446 8.2)', (t) => {
  const ring = ownRing();
  const { client, server } = earlyRun(ring, earlyTicket(ring), false);
  t.true(server.handshakeComplete && client.handshakeComplete);
  t.true(server.outcome.resumed);
  t.is(client.outcome.earlyData, 'rejected');
  t.is(server.outcome.earlyData, 'rejected');
  t.is(server.earlyDataReceived, 0);
  t.false(server.hasPlaintext, 'the rejected early records were skipped (section 4.2.10)');
});

test('0-RTT offered to a server with maxEarlyData 0: rejected, skipped, no decision asked', (t) => {
  const ring = ownRing();
  const { client, server, check } = earlyRun(ring, earlyTicket(ring), true, {});
  t.is(check, undefined);
  t.is(client.outcome.earlyData, 'rejected');
  t.true(server.outcome.resumed);
  t.false(server.hasPlaintext);
});

test('a ticket without max_early_data: the client sends no early data', (t) => {
  const ring = ownRing();
  const session = run({ server: { ticketKeys: ring } }).client.tickets[0]!;
  t.is(session.maxEarlyData, 0);
  const { client } = earlyRun(ring, session, true);
  t.is(client.outcome.earlyData, 'none');
});

test('0-RTT across a HelloRetryRequest: rejected, the second hello goes out in the clear and resumes (RFC 8446 4.1.4)', (t) => {
  const ring = ownRing();
  const session = earlyTicket(ring);
  const { client, server } = earlyRun(ring, session, true, { maxEarlyData: 1024, groups: ['secp256r1'] });
  t.true(server.outcome.helloRetried);
  t.true(server.handshakeComplete && client.handshakeComplete);
  t.true(server.outcome.resumed);
  t.is(client.outcome.earlyData, 'rejected');
  t.false(server.hasPlaintext);
});

test('early data past max_early_data_size is unexpected_message (RFC 8446 4.2.10)', (t) => {
  const ring = ownRing();
  const session = earlyTicket(ring, 4);
  const client = TLSEngine.client(testClientSettings({}, { session: { ...session, maxEarlyData: 100 }, earlyData: text('more than four') }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }, { maxEarlyData: 1024 }));
  server.feed(concat(client.takeOutgoing()));
  const error = t.throws(() => server.decideEarlyData(true), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'unexpected_message');
});

test('records wait while the anti-replay decision is pending', (t) => {
  const ring = ownRing();
  const client = TLSEngine.client(testClientSettings({}, { session: earlyTicket(ring), earlyData: text('held') }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }, { maxEarlyData: 1024 }));
  const bytes = concat(client.takeOutgoing());
  server.feed(bytes.subarray(0, 200));
  server.feed(bytes.subarray(200));
  t.truthy(server.replayCheck);
  t.is(server.stateName, 'AwaitReplayDecision');
  t.false(server.hasOutgoing);
  server.decideEarlyData(true);
  t.is(str(server.readPlaintext()), 'held');
  t.true(server.hasOutgoing);
});
