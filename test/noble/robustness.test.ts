/**
 * Bad input never crashes or hangs: truncated, oversized, reordered, duplicated and
 * bit-flipped records and handshake messages end the connection with the alert the
 * RFC names and a typed TLSAlertError; unknown extensions and GREASE are ignored.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeClientHello, encodeClientHello, encodeServerHello, HELLO_RETRY_REQUEST_RANDOM, type ClientHello } from '../../adapters/noble/codec/handshake.js';
import { encodeSelectedVersion, encodeSupportedVersionsList, ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { memoryPair } from '../../src/raw/memory.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { ConnectionClosedError, HandshakeTimeoutError, TLSAlertError } from '../../src/errors.js';
import { concat, pump, seededRandom, alertOf } from './helpers.js';
import { caPem, serverIdentity, testClientSettings, testServerSettings } from './fixtures.js';

const client = () => TLSEngine.client(testClientSettings());
const server = () => TLSEngine.server(testServerSettings());

function record(type: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(type, 3, 3, body.length >> 8, body.length & 0xff), body]);
}

function handshakeRecord(type: number, body: Uint8Array): Uint8Array {
  return record(22, concat([Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body]));
}

/** The client's ClientHello, decoded. */
function clientHello(): ClientHello {
  const bytes = concat(client().takeOutgoing());
  return decodeClientHello(bytes.subarray(9));
}

/** A server's verdict on a ClientHello edited by `edit`. */
function serverVerdict(edit: (hello: ClientHello) => ClientHello, engine = server()): { alert: string; engine: TLSEngine } {
  const alert = alertOf(() => engine.feed(handshakeRecord(1, encodeClientHello(edit(clientHello())))));
  return { alert, engine };
}

const withExtensions = (h: ClientHello, f: (e: readonly Extension[]) => Extension[]): ClientHello => ({ ...h, extensions: f(h.extensions) });

test('ClientHello without key_share / supported_groups / signature_algorithms: missing_extension', (t) => {
  for (const type of [ExtensionType.key_share, ExtensionType.supported_groups, ExtensionType.signature_algorithms]) {
    t.is(serverVerdict((h) => withExtensions(h, (e) => e.filter((x) => x.type !== type))).alert, 'missing_extension');
  }
});

test('ClientHello without TLS 1.3 to a TLS 1.3-only server: protocol_version; without a common suite: handshake_failure', (t) => {
  // With TLS 1.2 enabled (the default) such a hello goes to the TLS 1.2 server (tls12-server.test.ts).
  const tls13Only = () => TLSEngine.server(testServerSettings('ecdsa', { minVersion: 'TLSv1.3' }));
  t.is(serverVerdict((h) => withExtensions(h, (e) => e.filter((x) => x.type !== ExtensionType.supported_versions)), tls13Only()).alert, 'protocol_version');
  t.is(
    serverVerdict(
      (h) => withExtensions(h, (e) => e.map((x) => (x.type === ExtensionType.supported_versions ? { type: x.type, data: encodeSupportedVersionsList([0x0303]) } : x))),
      tls13Only(),
    ).alert,
    'protocol_version',
  );
  t.is(serverVerdict((h) => ({ ...h, cipherSuites: [0xc02f] })).alert, 'handshake_failure');
});

test('duplicate extensions: illegal_parameter', (t) => {
  t.is(serverVerdict((h) => withExtensions(h, (e) => [...e.slice(0, 2), e[1]!, ...e.slice(2)])).alert, 'illegal_parameter');
});

test('unknown extensions, GREASE suites, groups and extensions are ignored', (t) => {
  const grease = (h: ClientHello): ClientHello => ({
    ...h,
    cipherSuites: [0x0a0a, ...h.cipherSuites],
    extensions: [{ type: 0x1a1a, data: new Uint8Array(0) }, { type: 0xfe99, data: Uint8Array.of(1, 2, 3) }, ...h.extensions],
  });
  const { alert, engine } = serverVerdict(grease);
  t.is(alert, 'none');
  t.true(engine.hasOutgoing);
});

test('compression methods other than null: illegal_parameter', (t) => {
  t.is(serverVerdict((h) => ({ ...h, legacyCompressionMethods: Uint8Array.of(1, 0) })).alert, 'illegal_parameter');
});

test('every truncation of the ClientHello body is decode_error', (t) => {
  const body = encodeClientHello(clientHello());
  for (let cut = 0; cut < body.length; cut += 3) {
    t.is(alertOf(() => server().feed(handshakeRecord(1, body.subarray(0, cut)))), 'decode_error', `cut at ${cut}`);
  }
});

test('bit flips in the ClientHello end with an alert or a handshake, never another error', (t) => {
  const wire = concat(client().takeOutgoing());
  const seen = new Set<string>();
  for (let i = 0; i < wire.length; i += 2) {
    const bad = wire.slice();
    bad[i]! ^= 1 << (i % 8);
    seen.add(alertOf(() => server().feed(bad)));
  }
  t.log([...seen].join(', '));
  t.true(seen.has('decode_error'));
});

test('bit flips in the server flight are caught by the client: bad_record_mac, illegal_parameter, decode_error...', (t) => {
  const settings = testClientSettings();
  const c0 = TLSEngine.client({ ...settings, random: replaying() });
  const s0 = server();
  s0.feed(concat(c0.takeOutgoing()));
  const flight = concat(s0.takeOutgoing());
  const seen = new Set<string>();
  for (let i = 0; i < flight.length; i += 23) {
    // Replay the same ClientHello randomness so the flight decrypts when untouched.
    const c = TLSEngine.client({ ...settings, random: replaying() });
    c.takeOutgoing();
    const bad = flight.slice();
    bad[i]! ^= 0x80;
    const alert = alertOf(() => c.feed(bad));
    seen.add(alert);
    t.not(alert, 'none', `byte ${i}`);
  }
  t.log([...seen].join(', '));
  t.true(seen.has('bad_record_mac'));
});

/** A random source that makes a fixture client repeat the recorded ClientHello (same random, session id and key). */
function replaying() {
  let n = 0;
  const pool = recorded;
  return (length: number) => {
    const out = pool.slice(n, n + length);
    n += length;
    return out;
  };
}
let recorded: Uint8Array = new Uint8Array(0);
test.before(() => {
  // Record the randomness the fixture client draws, so replaying it reproduces the same ClientHello.
  const parts: Uint8Array[] = [];
  const settings = testClientSettings();
  const random = (n: number) => {
    const b = settings.provider.random(n);
    parts.push(b);
    return b;
  };
  TLSEngine.client({ ...settings, random });
  recorded = concat(parts);
});

test('reordered: the encrypted flight before ServerHello is unexpected_message', (t) => {
  const c = client();
  const s = server();
  s.feed(concat(c.takeOutgoing()));
  const flight = s.takeOutgoing();
  t.is(alertOf(() => c.feed(concat([...flight.slice(1), flight[0]!]))), 'unexpected_message');
});

test('duplicated: a second ServerHello (unprotected after keys) is unexpected_message', (t) => {
  const c = client();
  const s = server();
  s.feed(concat(c.takeOutgoing()));
  const flight = s.takeOutgoing();
  t.is(alertOf(() => c.feed(concat([flight[0]!, ...flight]))), 'unexpected_message');
});

test('duplicated: a replayed client Finished record is bad_record_mac at the server', (t) => {
  const c = client();
  const s = server();
  s.feed(concat(c.takeOutgoing()));
  c.feed(concat(s.takeOutgoing()));
  const finished = c.takeOutgoing();
  const last = finished[finished.length - 1]!;
  t.is(alertOf(() => s.feed(concat([...finished, last]))), 'bad_record_mac');
});

test('handshake messages out of order: a Finished first is unexpected_message', (t) => {
  t.is(alertOf(() => server().feed(handshakeRecord(20, new Uint8Array(32)))), 'unexpected_message');
});

test('an oversized handshake message is refused before it is buffered', (t) => {
  t.is(alertOf(() => server().feed(record(22, Uint8Array.of(1, 0x10, 0, 0, 3, 3)))), 'decode_error');
});

test('a crafted HelloRetryRequest with an extension we did not offer: unsupported_extension', (t) => {
  const c = TLSEngine.client({ ...testClientSettings(), middleboxCompatibility: false });
  c.takeOutgoing();
  const hrr = encodeServerHello({
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: 0x1301,
    legacyCompressionMethod: 0,
    extensions: [
      { type: ExtensionType.supported_versions, data: encodeSelectedVersion(0x0304) },
      { type: ExtensionType.application_layer_protocol_negotiation, data: Uint8Array.of(0, 3, 2, 0x68, 0x32) },
    ],
  });
  t.is(alertOf(() => c.feed(handshakeRecord(2, hrr))), 'unsupported_extension');
});

test('a crafted ServerHello: no supported_versions is protocol_version to a TLS 1.3-only client; an unoffered suite is illegal_parameter', (t) => {
  const sh = (suite: number, ext: Extension[]) =>
    handshakeRecord(2, encodeServerHello({ random: new Uint8Array(32).fill(1), legacySessionIdEcho: new Uint8Array(0), cipherSuite: suite, legacyCompressionMethod: 0, extensions: ext }));
  const c1 = TLSEngine.client({ ...testClientSettings({ minVersion: 'TLSv1.3' }), middleboxCompatibility: false });
  t.is(alertOf(() => c1.feed(sh(0x1301, []))), 'protocol_version');
  // A client that also speaks TLS 1.2 reads it as a TLS 1.2 ServerHello, whose suite must be a TLS 1.2 one we offered.
  const c3 = TLSEngine.client({ ...testClientSettings(), middleboxCompatibility: false });
  t.is(alertOf(() => c3.feed(sh(0x1301, []))), 'illegal_parameter');
  const c2 = TLSEngine.client({ ...testClientSettings(), middleboxCompatibility: false });
  t.is(alertOf(() => c2.feed(sh(0x1304, [{ type: ExtensionType.supported_versions, data: encodeSelectedVersion(0x0304) }]))), 'illegal_parameter');
});

test('a received fatal alert is a TLSAlertError with direction received', (t) => {
  const c = client();
  const error = t.throws(() => c.feed(record(21, Uint8Array.of(2, 40))), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'handshake_failure');
  t.is(error.direction, 'received');
  t.false(c.hasOutgoing && c.takeOutgoing().length > 1);
});

test('change_cipher_spec: a second one, or a bad body, is unexpected_message', (t) => {
  const s1 = server();
  s1.feed(concat(client().takeOutgoing()));
  const ccs = record(20, Uint8Array.of(1));
  s1.feed(ccs);
  t.is(alertOf(() => s1.feed(ccs)), 'unexpected_message');
  const s2 = server();
  s2.feed(concat(client().takeOutgoing()));
  t.is(alertOf(() => s2.feed(record(20, Uint8Array.of(2)))), 'unexpected_message');
  t.is(alertOf(() => server().feed(ccs)), 'unexpected_message');
});

test('after the handshake: NewSessionTicket to a server and a bad KeyUpdate are refused', (t) => {
  const c = client();
  const s = server();
  pump(c, s);
  // The server sees a NewSessionTicket from the client: craft it through the client's own record layer.
  const ctx = (c as unknown as { context: { send(m: { raw: Uint8Array }): void } }).context;
  ctx.send({ raw: Uint8Array.of(4, 0, 0, 0) });
  t.is(alertOf(() => s.feed(concat(c.takeOutgoing()))), 'unexpected_message');
  const c2 = client();
  const s2 = server();
  pump(c2, s2);
  (c2 as unknown as { context: { send(m: { raw: Uint8Array }): void } }).context.send({ raw: Uint8Array.of(24, 0, 0, 1, 7) });
  t.is(alertOf(() => s2.feed(concat(c2.takeOutgoing()))), 'illegal_parameter');
});

test('the alert is queued for the peer, encrypted once keys exist', (t) => {
  const c = client();
  const s = server();
  s.feed(concat(c.takeOutgoing()));
  const flight = s.takeOutgoing();
  const tampered = concat(flight);
  tampered[tampered.length - 1]! ^= 1;
  t.is(alertOf(() => c.feed(tampered)), 'bad_record_mac');
  const alert = concat(c.takeOutgoing());
  t.is(alert[0], 23, 'the alert travels encrypted under the client handshake keys');
  t.is(alertOf(() => s.feed(alert)), 'bad_record_mac');
  t.is((s.error as TLSAlertError | undefined)?.direction, 'received');
});

test('service: the peer vanishing mid-handshake is ConnectionClosedError, not a hang', async (t) => {
  const [a, b] = memoryPair();
  const client = new NobleTLSService();
  const pending = client.negotiateAsClient(a, { ca: caPem, servername: 'localhost' });
  await b.receiveBytes(65536);
  await b.close();
  await t.throwsAsync(pending, { instanceOf: ConnectionClosedError });
});

test('service: a silent peer hits the handshake timeout', async (t) => {
  const [a] = memoryPair();
  const client = new NobleTLSService();
  await t.throwsAsync(client.negotiateAsClient(a, { ca: caPem, servername: 'localhost', handshakeTimeout: 50 }), { instanceOf: HandshakeTimeoutError });
});

test('service: garbage from the peer is an alert, and use after close is ConnectionClosedError', async (t) => {
  const [a, b] = memoryPair();
  const server = new NobleTLSService();
  const pending = server.negotiateAsServer(a, serverIdentity());
  await b.sendBytes(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  const error = (await t.throwsAsync(pending, { instanceOf: TLSAlertError })) as TLSAlertError;
  t.is(error.alert, 'unexpected_message');
  const alert = await b.receiveBytes(100);
  t.deepEqual([...alert], [21, 3, 3, 0, 2, 2, 10]);

  const [c, d] = memoryPair();
  const cs = new NobleTLSService();
  const ss = new NobleTLSService();
  await Promise.all([cs.negotiateAsClient(c, { ca: caPem, servername: 'localhost' }), ss.negotiateAsServer(d, serverIdentity())]);
  await cs.close();
  await t.throwsAsync(cs.sendBytes(Uint8Array.of(1)), { instanceOf: ConnectionClosedError });
  await t.throwsAsync(cs.receiveBytes(1), { instanceOf: ConnectionClosedError });
  t.is((await ss.receiveBytes(10)).length, 0);
});

test('mutated client flights and traffic records only ever end in TLSAlertErrors (seeded fuzz)', (t) => {
  const random = seededRandom(7);
  const outcomes = new Map<string, number>();
  for (let round = 0; round < 60; round++) {
    const c = client();
    const s = server();
    s.feed(concat(c.takeOutgoing()));
    c.feed(concat(s.takeOutgoing()));
    c.writePlaintext(random(1 + (random(1)[0]! % 200)));
    // Round by round: the client Finished flight, then a post-handshake record in each direction.
    const target = round % 3;
    let wire: Uint8Array;
    let receiver: TLSEngine;
    if (target === 0) {
      wire = concat(c.takeOutgoing());
      receiver = s;
    } else {
      s.feed(concat(c.takeOutgoing()));
      if (target === 1) {
        c.writePlaintext(random(50));
        wire = concat(c.takeOutgoing());
        receiver = s;
      } else {
        s.writePlaintext(random(50));
        wire = concat(s.takeOutgoing());
        receiver = c;
      }
    }
    const mutated = wire.slice();
    const flips = 1 + (random(1)[0]! % 4);
    for (let i = 0; i < flips; i++) {
      const at = (random(2)[0]! << 8 | random(1)[0]!) % mutated.length;
      mutated[at]! ^= 1 << (random(1)[0]! % 8);
    }
    const alert = alertOf(() => receiver.feed(mutated));
    outcomes.set(alert, (outcomes.get(alert) ?? 0) + 1);
  }
  t.log([...outcomes].map(([k, v]) => `${k}: ${v}`).join(', '));
  t.true(outcomes.has('bad_record_mac'));
});

test('random garbage at every stage ends in a TLSAlertError or waits for more bytes', (t) => {
  const random = seededRandom(11);
  for (let round = 0; round < 60; round++) {
    const c = client();
    const s = server();
    const stage = round % 3;
    if (stage >= 1) s.feed(concat(c.takeOutgoing()));
    if (stage >= 2) c.feed(concat(s.takeOutgoing()));
    const garbage = random(1 + (random(1)[0]! % 300));
    const victim = round % 2 ? c : s;
    const alert = alertOf(() => victim.feed(garbage));
    t.true(alert === 'none' ? victim.error === undefined : victim.error?.alert === alert, `round ${round}`);
  }
});
