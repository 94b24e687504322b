/**
 * The server handshake in turns (adapters/noble/next-turn.ts): with `splitServerFlight` a TLS 1.3
 * server pauses before each costly step (RFC 8446 section 4: one flight, computed in steps) and
 * goes on with `continueHandshake()`: before the key exchange, before the signature (full
 * handshakes only), and once its flight is queued, before it works out the client's Finished
 * and the tickets (section 4.6.1). The bytes on the wire are those of an unsplit handshake, the
 * flight is one write, and a peer that leaves during any pause ends the handshake cleanly.
 */
import test from 'ava';
import net from 'node:net';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { TicketKeyRing } from '../../src/ticket-keys.js';
import type { CryptoProvider, KeyExchangeGroup, RandomSource } from '../../src/crypto/provider.js';
import { concat, pump, seededRandom } from './helpers.js';
import { clientIdentity, serverIdentity, testClientSettings, testServerSettings } from './fixtures.js';
import { memoryPair } from '../../src/raw/memory.js';
import { CountingRawConnection } from '../../src/raw/counting.js';
import { TCPRawConnection } from '../../src/raw/tcp.js';
import type { RawConnection } from '../../src/raw-connection.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { composeProviders } from '../../src/crypto/compose.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { ConnectionClosedError, TLSAlertError } from '../../src/errors.js';
import { frameHandshake, HandshakeType } from '../../adapters/noble/codec/handshake.js';
import { ContentType, RecordProtection, RecordWriter } from '../../adapters/noble/record/record-layer.js';
import { hkdfExpandLabel } from '../../adapters/noble/key-schedule.js';
import { unhex } from './helpers.js';

const CONTENT_TYPE_HANDSHAKE = 22;
const CONTENT_TYPE_CHANGE_CIPHER_SPEC = 20;
const CONTENT_TYPE_APPLICATION_DATA = 23;
/** A fixed clock, so tickets made at different moments carry the same time. */
const STARTED = Date.now();
const FIXED_NOW = () => STARTED;

/** A client and a server drawing from seeded randomness, so two runs send the same bytes. */
function pair(split: boolean, random: () => RandomSource = () => seededRandom(3), ring?: TicketKeyRing, now: () => number = Date.now) {
  const client = TLSEngine.client(testClientSettings({}, { random: random(), now }));
  const server = TLSEngine.server(testServerSettings('ecdsa', ring ? { ticketKeys: ring } : {}, { random: random(), now }), { splitServerFlight: split });
  return { client, server };
}

/** What the engine showed at one pause. */
interface Pause {
  /** True when what was queued is the complete flight (it leaves before the pause). */
  readonly flightComplete: boolean;
}

/** Continues `server` through every pause, draining what a complete flight queued; returns the pauses and the drained records. */
function runPauses(server: TLSEngine): { pauses: Pause[]; drained: Uint8Array[] } {
  const pauses: Pause[] = [];
  const drained: Uint8Array[] = [];
  while (server.awaitingTurn) {
    const flightComplete = server.outgoingAwaited;
    if (flightComplete) drained.push(...server.takeOutgoing());
    pauses.push({ flightComplete });
    server.continueHandshake();
  }
  return { pauses, drained };
}

test('a full handshake pauses before the key exchange, before the signature and once its flight is queued (RFC 8446 sections 4, 4.6.1)', (t) => {
  const { client, server } = pair(true);
  server.feed(concat(client.takeOutgoing()));
  t.true(server.awaitingTurn);
  t.is(server.stateName, 'AwaitNextTurn');
  t.false(server.hasOutgoing, 'first pause: nothing is computed yet, not even the ServerHello');
  t.is(server.outcome.suite, undefined);
  server.continueHandshake();
  t.true(server.awaitingTurn, 'second pause');
  t.true(server.hasOutgoing, 'the ServerHello is queued');
  t.false(server.outgoingAwaited, 'but the flight is not complete: it must not leave yet');
  t.is(server.outcome.signatureScheme, 'ecdsa_secp256r1_sha256');
  server.continueHandshake();
  t.true(server.awaitingTurn, 'third pause: the flight is queued');
  t.true(server.outgoingAwaited, 'and must leave before the pause');
  const flight = server.takeOutgoing();
  t.deepEqual(flight.slice(0, 2).map((record) => record[0]), [CONTENT_TYPE_HANDSHAKE, CONTENT_TYPE_CHANGE_CIPHER_SPEC]);
  t.true(flight.slice(2).length > 0 && flight.slice(2).every((record) => record[0] === CONTENT_TYPE_APPLICATION_DATA), 'then the encrypted flight');
  server.continueHandshake();
  t.false(server.awaitingTurn);
  t.is(server.stateName, 'ExpectClientFinished');
  t.false(server.hasOutgoing, 'the tickets wait for the client Finished');
  client.feed(concat(flight));
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.is(client.tickets.length, 2, 'both tickets arrive after the client Finished');
  t.throws(() => server.continueHandshake(), { message: /not waiting for a turn/ });
});

test('the split server sends the same bytes as the unsplit one, tickets worked out ahead included (RFC 8446 section 4.6.1)', (t) => {
  const ring = TicketKeyRing.generated(seededRandom(31));
  const wire = (split: boolean) => {
    const { client, server } = pair(split, undefined, ring, FIXED_NOW);
    server.feed(concat(client.takeOutgoing()));
    const flight = [...server.takeOutgoing(), ...runPauses(server).drained, ...server.takeOutgoing()];
    client.feed(concat(flight));
    client.writePlaintext(Uint8Array.of(1));
    server.feed(concat(client.takeOutgoing()));
    t.true(server.handshakeComplete);
    return { flight: concat(flight), tickets: concat(server.takeOutgoing()) };
  };
  // The noble provider signs deterministically (RFC 6979), the randomness is seeded, the clock fixed and the ticket keys shared: byte for byte.
  const [split, unsplit] = [wire(true), wire(false)];
  t.deepEqual(split.flight, unsplit.flight);
  t.true(split.tickets.length > 0);
  t.deepEqual(split.tickets, unsplit.tickets);
});

test('a ticket worked out before the client Finished arrived resumes (RFC 8446 sections 4.6.1, 2.2)', (t) => {
  const ring = TicketKeyRing.generated(seededRandom(21));
  const first = pair(true, () => seededRandom(22), ring);
  first.server.feed(concat(first.client.takeOutgoing()));
  const { pauses, drained } = runPauses(first.server);
  t.is(pauses.length, 3);
  first.client.feed(concat(drained));
  pump(first.client, first.server);
  t.true(first.server.handshakeComplete);
  const session = first.client.tickets[0]!;
  const client = TLSEngine.client(testClientSettings({}, { session }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: ring }), { splitServerFlight: false });
  pump(client, server);
  t.true(server.handshakeComplete && server.outcome.resumed && client.outcome.resumed);
});

/** A client Finished record with all-zero verify_data, sealed under the client handshake traffic secret from the keylog. */
function forgedClientFinished(keylog: readonly string[], suite: NonNullable<TLSEngine['outcome']['suite']>): Uint8Array {
  const line = keylog.find((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET '))!;
  const secret = unhex(line.split(' ')[2]!);
  const provider = nobleCryptoProvider;
  const key = hkdfExpandLabel(provider, suite, secret, 'key', new Uint8Array(0), suite.keyLength);
  const iv = hkdfExpandLabel(provider, suite, secret, 'iv', new Uint8Array(0), 12);
  const writer = new RecordWriter(0x0303);
  writer.setProtection(new RecordProtection(provider.aead(suite.aead, key), iv));
  const out: Uint8Array[] = [];
  writer.records(ContentType.handshake, frameHandshake(HandshakeType.finished, new Uint8Array(suite.hashLength)).raw, out);
  return concat(out);
}

test('a client Finished other than the one worked out ahead is decrypt_error, split or not, and no ticket leaves (RFC 8446 section 4.4.4)', (t) => {
  for (const split of [true, false]) {
    const keylog: string[] = [];
    const client = TLSEngine.client(testClientSettings({}, { keylog: (l) => keylog.push(l) }));
    const server = TLSEngine.server(testServerSettings('ecdsa'), { splitServerFlight: split });
    server.feed(concat(client.takeOutgoing()));
    const flight = [...server.takeOutgoing(), ...runPauses(server).drained, ...server.takeOutgoing()];
    client.feed(concat(flight));
    t.true(client.handshakeComplete);
    const error = t.throws(() => server.feed(forgedClientFinished(keylog, client.outcome.suite!)), { instanceOf: TLSAlertError });
    t.is(error?.alert, 'decrypt_error', `split: ${split}`);
    t.false(server.handshakeComplete);
    t.is(server.takeOutgoing().length, 1, `split: ${split}: the alert alone, no NewSessionTicket`);
  }
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

test('0-RTT records that arrive with the ClientHello wait through every pause, then are skipped as the ticket is refused (RFC 8446 section 4.2.10)', (t) => {
  const session = earlyDataSession(TicketKeyRing.generated(seededRandom(11)));
  const client = TLSEngine.client(testClientSettings({}, { session, earlyData: new TextEncoder().encode('GET /early') }));
  // Another server's keys: the ticket does not open, so this is a full handshake that pauses.
  const server = TLSEngine.server(testServerSettings('ecdsa', { ticketKeys: TicketKeyRing.generated(seededRandom(12)) }, { maxEarlyData: 1024 }), { splitServerFlight: true });
  const hello = client.takeOutgoing();
  t.true(hello.length >= 2, 'the ClientHello and 0-RTT records in one read');
  server.feed(concat(hello));
  t.true(server.awaitingTurn, 'the early records did not end the pause');
  const { pauses, drained } = runPauses(server);
  t.is(pauses.length, 3);
  client.feed(concat(drained));
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.false(server.outcome.resumed);
  t.is(client.outcome.earlyData, 'rejected');
  t.false(server.hasPlaintext, 'the skipped early data is not delivered');
});

test('a resumed handshake pauses before its key exchange and once its flight is queued, never for a signature (RFC 8446 section 2.2)', (t) => {
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
  const { pauses, drained } = runPauses(server);
  t.deepEqual(
    pauses.map((p) => p.flightComplete),
    [false, true],
  );
  client.feed(concat(drained));
  pump(client, server);
  t.true(server.outcome.resumed && server.handshakeComplete);
  t.is(client.tickets.length, 1, 'the one ticket sent after a resumption (RESUMED_TICKET_COUNT)');
});

test('with a client certificate requested nothing is worked out ahead: the transcript waits for the client (RFC 8446 section 4.6.1)', (t) => {
  const client = TLSEngine.client(testClientSettings(clientIdentity));
  const server = TLSEngine.server(testServerSettings('ecdsa', { requestCert: true }), { splitServerFlight: true });
  server.feed(concat(client.takeOutgoing()));
  const { pauses, drained } = runPauses(server);
  t.deepEqual(
    pauses.map((p) => p.flightComplete),
    [false, false],
    'before the key exchange and the signature; the flight then leaves with no pause after it',
  );
  t.is(server.stateName, 'ExpectClientCertificate');
  client.feed(concat([...drained, ...server.takeOutgoing()]));
  pump(client, server);
  t.true(server.handshakeComplete);
  t.is(server.outcome.peerCertificates.length, 1);
  t.is(client.tickets.length, 2);
});

// ---------------------------------------------------------------- the service on Node's event loop

/** Counts event-loop iterations: one immediate per check phase (each queued from the one before). */
function iterationCounter(): { readonly now: () => number; stop: () => void } {
  let iteration = 0;
  let running = true;
  const tick = () => {
    iteration++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => iteration, stop: () => void (running = false) };
}

/** node:crypto with `seen(step)` called as the server answers the key share and as it signs. */
function observedProvider(seen: (step: 'key exchange' | 'signature') => void): CryptoProvider {
  const groups = new Map<string, KeyExchangeGroup>();
  return composeProviders(
    {
      group(name) {
        const inner = nodeCryptoProvider.group(name);
        if (!inner) return undefined;
        let observed = groups.get(name);
        if (!observed) {
          observed = {
            name: inner.name,
            code: inner.code,
            start: (random) => inner.start(random),
            respond: (share, random) => (seen('key exchange'), inner.respond(share, random)),
          };
          groups.set(name, observed);
        }
        return observed;
      },
      supportsScheme: (scheme, key) => nodeCryptoProvider.supportsScheme(scheme, key),
      sign: (scheme, key, message, random) => (seen('signature'), nodeCryptoProvider.sign(scheme, key, message, random)),
    },
    nodeCryptoProvider,
  );
}

test.serial('on Node each costly step of the server handshake runs in an event-loop iteration of its own, and the flight still leaves in one write (RFC 8446 sections 4, 4.6.1)', async (t) => {
  const loop = iterationCounter();
  const steps: [string, number][] = [];
  const [clientRaw, rawServer] = memoryPair();
  const serverRaw = new CountingRawConnection(rawServer);
  const originalSend = serverRaw.sendBytes.bind(serverRaw);
  serverRaw.sendBytes = (data) => (steps.push(['write', loop.now()]), originalSend(data));
  let clock = 0;
  const server = new NobleTLSService({
    provider: observedProvider((step) => steps.push([step, loop.now()])),
    // The clock is read as the ClientHello is handled (tickets offered) and as each ticket is made.
    now: () => (steps.push([clock++ === 0 ? 'client hello' : 'ticket', loop.now()]), Date.now()),
  });
  try {
    const negotiated = server.negotiateAsServer(serverRaw, serverIdentity('ecdsa'));
    const client = TLSEngine.client(testClientSettings());
    await clientRaw.sendBytes(concat(client.takeOutgoing()));
    const flight = await clientRaw.receiveBytes(1 << 20);
    client.feed(flight);
    t.true(client.handshakeComplete, 'the first write carried the whole flight, through the server Finished');
    client.writePlaintext(Uint8Array.of(0x41));
    await clientRaw.sendBytes(concat(client.takeOutgoing()));
    await negotiated;
    t.deepEqual(await server.receiveBytes(1), Uint8Array.of(0x41));
    await server.sendBytes(Uint8Array.of(0x42));
    client.feed(await clientRaw.receiveBytes(1 << 20));
    t.deepEqual(client.readPlaintext(), Uint8Array.of(0x42));
    t.is(client.tickets.length, 2, 'the tickets left with the first byte');
    t.is(serverRaw.writes.length, 2, 'the flight, then the tickets with the first byte');
    t.log(steps.map(([step, at]) => `${at} ${step}`).join('\n'));
    const at = (step: string) => steps.find(([s]) => s === step)![1];
    t.true(at('client hello') < at('key exchange'), 'the key exchange comes a turn after reading the ClientHello');
    t.true(at('key exchange') < at('signature'), 'the signature a turn after the key exchange');
    t.is(at('write'), at('signature'), 'the flight leaves as soon as it is complete');
    t.true(at('signature') < at('ticket'), 'the tickets are worked out a turn after the flight left');
    t.is(steps.filter(([s]) => s === 'ticket').length, 2);
  } finally {
    loop.stop();
  }
});

/** How a peer leaves: closing its end (FIN) or destroying it (a reset, on TCP). */
type Leaving = 'close' | 'reset';
/** The pause a peer leaves in: after the step named. */
const PAUSES = ['client hello', 'key exchange', 'signature'] as const;

/** A loopback TCP pair: our end as a TCPRawConnection, the peer's as a plain socket. */
async function tcpPair(): Promise<{ server: TCPRawConnection; peer: net.Socket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((ready) => listener.listen(0, '127.0.0.1', ready));
  const accepted = new Promise<net.Socket>((got) => listener.once('connection', got));
  const peer = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  peer.on('error', () => undefined);
  const server = TCPRawConnection.fromSocket(await accepted);
  return { server, peer, close: () => listener.close() };
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

for (const transport of ['memory', 'tcp'] as const) {
  for (const leaving of ['close', 'reset'] as Leaving[]) {
    test.serial(`a peer that leaves (${transport}, ${leaving}) during each pause of the server handshake ends it with ConnectionClosedError, no hang and no timer or socket left (RFC 8446 section 6.1)`, async (t) => {
      t.timeout(60_000);
      for (const pause of PAUSES) {
        const timersBefore = activeTimers();
        let raw: RawConnection;
        let leave: () => void;
        let released: () => boolean;
        let done = () => undefined as void;
        let sendHello: (bytes: Uint8Array) => Promise<void>;
        if (transport === 'memory') {
          const [clientRaw, serverRaw] = memoryPair();
          raw = serverRaw;
          sendHello = (bytes) => clientRaw.sendBytes(bytes);
          leave = () => (leaving === 'close' ? void clientRaw.close() : clientRaw.destroy!());
          released = () => true;
        } else {
          const tcp = await tcpPair();
          raw = tcp.server;
          sendHello = (bytes) => new Promise((written) => tcp.peer.write(bytes, () => written()));
          leave = () => (leaving === 'close' ? void tcp.peer.end() : void tcp.peer.resetAndDestroy());
          released = () => tcp.server.socket.destroyed;
          done = () => (tcp.peer.destroy(), tcp.close());
        }
        // Leaves from an immediate queued inside the step: after the step, before the service's turn resumes it.
        const onStep = (step: string) => {
          if (step === pause) setImmediate(leave);
        };
        let clock = 0;
        const server = new NobleTLSService({
          provider: observedProvider(onStep),
          now: () => (clock++ === 0 && onStep('client hello'), Date.now()),
        });
        const negotiated = server.negotiateAsServer(raw, { ...serverIdentity('ecdsa'), handshakeTimeout: 30_000 });
        const client = TLSEngine.client(testClientSettings());
        await sendHello(concat(client.takeOutgoing()));
        await t.throwsAsync(negotiated, { instanceOf: ConnectionClosedError }, `left after the ${pause}`);
        // The socket may close a turn after the error; give it a few.
        for (let i = 0; i < 50 && !released(); i++) await new Promise((r) => setTimeout(r, 10));
        t.true(released(), `left after the ${pause}: the socket is destroyed`);
        t.is(activeTimers(), timersBefore, `left after the ${pause}: the handshake timer is cleared`);
        done();
      }
    });
  }
}
