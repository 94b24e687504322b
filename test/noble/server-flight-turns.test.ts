/**
 * The server flight in two turns (adapters/noble/next-turn.ts): with `splitServerFlight` a full
 * TLS 1.3 handshake stops after ServerHello and the handshake keys, before the Certificate,
 * CertificateVerify and Finished (RFC 8446 section 4: one flight, computed in two steps), and
 * goes on with `continueHandshake()`. The bytes on the wire are those of an unsplit handshake.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { TicketKeyRing } from '../../src/ticket-keys.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import { concat, pump, seededRandom } from './helpers.js';
import { serverIdentity, testClientSettings, testServerSettings } from './fixtures.js';
import { memoryPair } from '../../src/raw/memory.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { ConnectionClosedError } from '../../src/errors.js';

const CONTENT_TYPE_HANDSHAKE = 22;
const CONTENT_TYPE_CHANGE_CIPHER_SPEC = 20;
const CONTENT_TYPE_APPLICATION_DATA = 23;

/** A client and a server drawing from seeded randomness, so two runs send the same bytes. */
function pair(split: boolean, random: () => RandomSource = () => seededRandom(3), ring?: TicketKeyRing) {
  const client = TLSEngine.client(testClientSettings({}, { random: random() }));
  const server = TLSEngine.server(testServerSettings('ecdsa', ring ? { ticketKeys: ring } : {}, { random: random() }), { splitServerFlight: split });
  return { client, server };
}

test('a full handshake pauses after ServerHello, before the certificate and signature, and the flight completes on continueHandshake (RFC 8446 section 4)', (t) => {
  const { client, server } = pair(true);
  server.feed(concat(client.takeOutgoing()));
  t.true(server.awaitingTurn);
  t.is(server.stateName, 'AwaitNextTurn');
  const first = server.takeOutgoing();
  t.deepEqual(
    first.map((record) => record[0]),
    [CONTENT_TYPE_HANDSHAKE, CONTENT_TYPE_CHANGE_CIPHER_SPEC],
    'only ServerHello (and the compatibility change_cipher_spec): nothing encrypted yet',
  );
  t.is(server.outcome.signatureScheme, 'ecdsa_secp256r1_sha256');
  server.continueHandshake();
  t.false(server.awaitingTurn);
  const rest = server.takeOutgoing();
  t.true(rest.length > 0 && rest.every((record) => record[0] === CONTENT_TYPE_APPLICATION_DATA), 'then the encrypted flight');
  client.feed(concat([...first, ...rest]));
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.throws(() => server.continueHandshake(), { message: /not waiting for a turn/ });
});

test('the split flight sends the same bytes as the unsplit one', (t) => {
  const wire = (split: boolean) => {
    const { client, server } = pair(split);
    server.feed(concat(client.takeOutgoing()));
    const out = server.takeOutgoing();
    if (split) {
      server.continueHandshake();
      out.push(...server.takeOutgoing());
    }
    return concat(out);
  };
  // The noble provider signs deterministically (RFC 6979) and the randomness is seeded: byte for byte.
  t.deepEqual(wire(true), wire(false));
});

/** A session from a server with `ring` that allows 0-RTT. */
function earlyDataSession(ring: TicketKeyRing) {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }, { maxEarlyData: 1024 }));
  pump(client, server);
  client.writePlaintext(Uint8Array.of(1));
  server.writePlaintext(Uint8Array.of(2));
  pump(client, server);
  return client.tickets[0]!;
}

test('0-RTT records that arrive with the ClientHello wait through the pause, then are skipped as the ticket is refused (RFC 8446 section 4.2.10)', (t) => {
  const session = earlyDataSession(TicketKeyRing.generated(seededRandom(11)));
  const client = TLSEngine.client(testClientSettings({}, { session, earlyData: new TextEncoder().encode('GET /early') }));
  // Another server's keys: the ticket does not open, so this is a full handshake that pauses.
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: TicketKeyRing.generated(seededRandom(12)) }, { maxEarlyData: 1024 }), { splitServerFlight: true });
  const hello = client.takeOutgoing();
  t.true(hello.length >= 2, 'the ClientHello and 0-RTT records in one read');
  server.feed(concat(hello));
  t.true(server.awaitingTurn, 'the early records did not end the pause');
  server.continueHandshake();
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.false(server.outcome.resumed);
  t.is(client.outcome.earlyData, 'rejected');
  t.false(server.hasPlaintext, 'the skipped early data is not delivered');
});

test('a resumed handshake does not pause: it has no signature to make (RFC 8446 section 2.2)', (t) => {
  const ring = TicketKeyRing.generated(seededRandom(9));
  const first = pair(false, () => seededRandom(5), ring);
  pump(first.client, first.server);
  first.client.writePlaintext(Uint8Array.of(1));
  first.server.writePlaintext(Uint8Array.of(2));
  pump(first.client, first.server);
  const session = first.client.tickets[0]!;
  const client = TLSEngine.client(testClientSettings({}, { session }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }), { splitServerFlight: true });
  server.feed(concat(client.takeOutgoing()));
  t.false(server.awaitingTurn);
  pump(client, server);
  t.true(server.outcome.resumed && server.handshakeComplete);
});

test('a peer that leaves right after its ClientHello, while the server flight is split over two turns, ends the handshake with ConnectionClosedError, not a hang (RFC 8446 section 6.1)', async (t) => {
  for (const leave of ['close', 'destroy'] as const) {
    const [clientRaw, serverRaw] = memoryPair();
    const server = new NobleTLSService({ provider: nodeCryptoProvider });
    const negotiated = server.negotiateAsServer(serverRaw, serverIdentity('ecdsa'));
    const client = TLSEngine.client(testClientSettings({}, { random: seededRandom(5) }));
    await clientRaw.sendBytes(concat(client.takeOutgoing()));
    // The ClientHello is read and fed in a later turn; the peer leaves before the flight's second half.
    if (leave === 'close') await clientRaw.close();
    else clientRaw.destroy?.();
    const error = await t.throwsAsync(negotiated, { instanceOf: ConnectionClosedError }, leave);
    t.truthy(error?.message, leave);
  }
});
