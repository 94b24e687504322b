/**
 * The engine against a hostile or strict peer (RFC 8446 conformance and DoS limits):
 * linear handshake reassembly and its record bound, limits on empty records, warning
 * alerts and KeyUpdates, alert edge cases, legacy_version, ClientHello size,
 * HelloRetryRequest rules, rejected 0-RTT, and typed errors on engine misuse.
 */
import test from 'ava';
import { TLSEngine, MAX_EMPTY_RECORDS, MAX_KEY_UPDATES, MAX_WARNING_ALERTS } from '../../adapters/noble/engine.js';
import { decodeClientHello, decodeServerHello, encodeClientHello, frameHandshake, isHelloRetryRequest, type ClientHello } from '../../adapters/noble/codec/handshake.js';
import { encodeU16List, ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { MAX_RECORDS_PER_HANDSHAKE_MESSAGE } from '../../adapters/noble/record/handshake-reassembly.js';
import { MAX_SKIPPED_EARLY_DATA, RecordProtection } from '../../adapters/noble/record/record-layer.js';
import { hkdfExpandLabel } from '../../adapters/noble/key-schedule.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { ConfigurationError, TLSAlertError, UsageError } from '../../src/errors.js';
import { concat, pump, unhex } from './helpers.js';
import { clientHelloOfSize, inRecords, ourClientHello } from './crafted-hello.js';

/** A handshake message's wire bytes (the codec's framing). */
const handshakeMessage = (type: number, body: Uint8Array) => frameHandshake(type, body).raw;
import { testClientSettings, testServerSettings } from './fixtures.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** The alert a step fails with ('none' when it does not fail); any other exception fails the test. */
function alertOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TLSAlertError) return `${e.direction === 'sent' ? '' : 'received '}${e.alert}`;
    throw e;
  }
  return 'none';
}

function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return concat([Uint8Array.of(type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff), body]);
}

const clientHello = ourClientHello;

/** An established client/server pair and a protection that writes records as the client would (a hostile client). */
function established() {
  const lines: string[] = [];
  const client = TLSEngine.client(testClientSettings({}, { keylog: (l) => lines.push(l) }));
  const server = TLSEngine.server(testServerSettings());
  pump(client, server);
  const secret = unhex(lines.find((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0'))!.split(' ')[2]!);
  const suite = server.outcome.suite!;
  const key = hkdfExpandLabel(nobleCryptoProvider, suite, secret, 'key', new Uint8Array(0), suite.keyLength);
  const iv = hkdfExpandLabel(nobleCryptoProvider, suite, secret, 'iv', new Uint8Array(0), 12);
  const asClient = new RecordProtection(nobleCryptoProvider.aead(suite.aead, key), iv);
  return { client, server, asClient };
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

// --- 1. reassembly is linear, and bounded in records ---

test('a ClientHello in one-byte records is reassembled in linear time (16 KiB -> 64 KiB costs < 8x) (RFC 8446 section 5.1)', (t) => {
  const feedInOneByteRecords = (size: number) => {
    const wire = inRecords(clientHelloOfSize(size), 1);
    return () => {
      const server = TLSEngine.server(testServerSettings());
      for (let i = 0; i < wire.length; i += 65536) server.feed(wire.subarray(i, i + 65536));
      if (!server.hasOutgoing) throw new Error('no ServerHello');
    };
  };
  const small = feedInOneByteRecords(16384);
  const large = feedInOneByteRecords(65536);
  small();
  large(); // warm up
  // The least of several runs, to keep a loaded machine's noise out of the ratio.
  const best = (fn: () => void) => Math.min(...Array.from({ length: 5 }, () => cpuMs(fn)));
  const ratio = best(large) / best(small);
  t.log(`16 KiB: ${best(small).toFixed(1)} ms, 64 KiB: ${best(large).toFixed(1)} ms, ratio ${ratio.toFixed(2)}`);
  t.true(ratio < 8, `ratio ${ratio}`);
});

test(`a handshake message may span at most ${MAX_RECORDS_PER_HANDSHAKE_MESSAGE} records: finer is unexpected_message`, (t) => {
  const server = TLSEngine.server(testServerSettings());
  const wire = inRecords(clientHelloOfSize(MAX_RECORDS_PER_HANDSHAKE_MESSAGE + 100), 1);
  t.is(alertOf(() => server.feed(wire)), 'unexpected_message');
});

// --- 5. ClientHello size ---

test('a 65,609-byte ClientHello (a long signature_algorithms list) is accepted; ClientHellos are capped at 128 KiB', (t) => {
  const hello = clientHello();
  const schemes = [...Array.from({ length: 32000 }, (_, i) => 0xfe00 + (i % 0x100)), 0x0403, 0x0804];
  const long = { ...hello, extensions: hello.extensions.map((e) => (e.type === ExtensionType.signature_algorithms ? { type: e.type, data: encodeU16List(schemes) } : e)) };
  let message = handshakeMessage(1, encodeClientHello(long));
  const padding = 65609 - message.length - 4;
  message = handshakeMessage(1, encodeClientHello({ ...long, extensions: [{ type: ExtensionType.padding, data: new Uint8Array(padding) }, ...long.extensions] }));
  t.is(message.length, 65609);
  const server = TLSEngine.server(testServerSettings());
  t.is(alertOf(() => server.feed(inRecords(message, 16384))), 'none');
  t.true(server.hasOutgoing);
  t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(inRecords(clientHelloOfSize(131072 + 4), 16384))), 'none');
  t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(inRecords(clientHelloOfSize(131072 + 5), 16384))), 'decode_error');
});

test('other handshake messages keep the 64 KiB cap', (t) => {
  const { client } = established();
  // A NewSessionTicket header claiming 64 KiB + 1 bytes, refused from its header.
  t.is(alertOf(() => client.feed(record(22, Uint8Array.of(4, 0x01, 0x00, 0x01)))), 'unexpected_message'); // unprotected after keys
  const { server, asClient } = established();
  t.is(alertOf(() => server.feed(asClient.seal(22, Uint8Array.of(24, 0x01, 0x00, 0x01)))), 'decode_error');
});

// --- 2. junk records ---

test(`${MAX_EMPTY_RECORDS} empty application-data records in a row are accepted, one more is unexpected_message (RFC 8446 section 5.1)`, (t) => {
  const { server, asClient } = established();
  const empties = (n: number) => concat(Array.from({ length: n }, () => asClient.seal(23, new Uint8Array(0))));
  server.feed(empties(MAX_EMPTY_RECORDS));
  server.feed(asClient.seal(23, text('data resets the count')));
  t.is(str(server.readPlaintext()), 'data resets the count');
  server.feed(empties(MAX_EMPTY_RECORDS));
  t.is(alertOf(() => server.feed(empties(1))), 'unexpected_message');
});

test(`${MAX_WARNING_ALERTS} user_canceled warnings in a row are accepted, one more is unexpected_message (RFC 8446 section 6.1)`, (t) => {
  const { server, asClient } = established();
  const warnings = (n: number) => concat(Array.from({ length: n }, () => asClient.seal(21, Uint8Array.of(1, 90))));
  server.feed(warnings(MAX_WARNING_ALERTS));
  server.feed(asClient.seal(23, text('x')));
  server.feed(warnings(MAX_WARNING_ALERTS));
  t.is(alertOf(() => server.feed(warnings(1))), 'unexpected_message');
});

test('a fatal-level alert always ends the connection, user_canceled and close_notify included (RFC 8446 section 6)', (t) => {
  for (const code of [90, 0, 42]) {
    const { server, asClient } = established();
    t.is(alertOf(() => server.feed(asClient.seal(21, Uint8Array.of(2, code)))).startsWith('received'), true, `code ${code}`);
    t.false(server.readOpen);
  }
  const { server, asClient } = established();
  t.is(alertOf(() => server.feed(asClient.seal(21, Uint8Array.of(3, 90)))), 'illegal_parameter');
});

test(`${MAX_KEY_UPDATES} KeyUpdates without data between them work, one more is unexpected_message (RFC 8446 section 4.6.3)`, (t) => {
  const { client, server } = established();
  for (let i = 0; i < MAX_KEY_UPDATES; i++) client.updateKeys(false);
  server.feed(concat(client.takeOutgoing()));
  client.writePlaintext(text('after 32 updates'));
  server.feed(concat(client.takeOutgoing()));
  t.is(str(server.readPlaintext()), 'after 32 updates');
  for (let i = 0; i < MAX_KEY_UPDATES + 1; i++) client.updateKeys(false);
  t.is(alertOf(() => server.feed(concat(client.takeOutgoing()))), 'unexpected_message');
});

// --- 3. alerts ---

test('a zero-length alert record is unexpected_message, protected or not (RFC 8446 section 5.1)', (t) => {
  t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(record(21, new Uint8Array(0)))), 'unexpected_message');
  const { server, asClient } = established();
  t.is(alertOf(() => server.feed(asClient.seal(21, new Uint8Array(0)))), 'unexpected_message');
});

test('a plaintext alert after our flight, before any protected record, is the peer\'s alert and gets no answer', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server(testServerSettings());
  server.feed(concat(client.takeOutgoing()));
  server.takeOutgoing(); // our flight
  // A client that could not derive the handshake keys answers in plaintext (here after a middlebox CCS).
  const error = t.throws(() => server.feed(concat([record(20, Uint8Array.of(1)), record(21, Uint8Array.of(2, 48))])), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.direction, 'received');
  t.is(error.alert, 'unknown_ca');
  t.false(server.hasOutgoing, 'no alert answers an alert');
  // Once a protected record has arrived, a plaintext alert is an error.
  const { server: s2, asClient } = established();
  s2.feed(asClient.seal(23, text('x')));
  t.is(alertOf(() => s2.feed(record(21, Uint8Array.of(2, 48)))), 'unexpected_message');
});

// --- 4. legacy_version ---

test('ClientHello.legacy_version 0x0300 or lower is protocol_version (RFC 8446 appendix D.5)', (t) => {
  for (const version of [0x0300, 0x0200, 0x0002]) {
    const body = encodeClientHello(clientHello());
    body[0] = version >> 8;
    body[1] = version & 0xff;
    t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(record(22, handshakeMessage(1, body)))), 'protocol_version', `0x${version.toString(16)}`);
  }
  const body = encodeClientHello(clientHello());
  body[1] = 0x01; // 0x0301 is a legal legacy_version
  t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(record(22, handshakeMessage(1, body)))), 'none');
});

// --- 6. HelloRetryRequest ---

/** A client that sends a secp256r1 share to a server that wants x25519: a HelloRetryRequest follows. */
function retryPair(clientEngine: Partial<Parameters<typeof TLSEngine.client>[0]> = {}) {
  const client = TLSEngine.client(testClientSettings({}, { groups: ['secp256r1', 'x25519'], keyShareGroups: ['secp256r1'], ...clientEngine }));
  const server = TLSEngine.server(testServerSettings('ecdsa', {}, { groups: ['x25519'] }));
  server.feed(concat(client.takeOutgoing()));
  const hrr = server.takeOutgoing();
  client.feed(concat(hrr));
  const second = concat(client.takeOutgoing());
  return { client, server, hrr: concat(hrr), second };
}

/** The second ClientHello (after the client's CCS) decoded from its wire bytes. */
function secondHello(wire: Uint8Array): { prefix: Uint8Array; hello: ClientHello } {
  const start = wire[0] === 20 ? 6 : 0; // skip the middlebox CCS
  return { prefix: wire.subarray(0, start), hello: decodeClientHello(wire.subarray(start + 9)) };
}

test('HelloRetryRequest carries no cookie by default, and a faithful second ClientHello completes (RFC 8446 section 4.1.4)', (t) => {
  const { client, server, hrr, second } = retryPair();
  const retry = decodeServerHello(hrr.subarray(9, 9 + ((hrr[6]! << 16) | (hrr[7]! << 8) | hrr[8]!)));
  t.true(isHelloRetryRequest(retry));
  t.false(retry.extensions.some((e) => e.type === ExtensionType.cookie), 'no cookie extension');
  server.feed(second);
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.true(server.outcome.helloRetried);
});

test('a second ClientHello that changes anything but key_share, early_data, cookie, pre_shared_key or padding is illegal_parameter (RFC 8446 section 4.1.2)', (t) => {
  const edits: Record<string, (h: ClientHello) => ClientHello> = {
    random: (h) => ({ ...h, random: new Uint8Array(32).fill(7) }),
    cipherSuites: (h) => ({ ...h, cipherSuites: h.cipherSuites.slice(0, 1) }),
    sessionId: (h) => ({ ...h, legacySessionId: new Uint8Array(32).fill(1) }),
    alpnAdded: (h) => ({ ...h, extensions: [{ type: ExtensionType.application_layer_protocol_negotiation, data: Uint8Array.of(0, 3, 2, 0x68, 0x32) }, ...h.extensions] }),
    extensionDropped: (h) => ({ ...h, extensions: h.extensions.filter((e) => e.type !== ExtensionType.signature_algorithms_cert) }),
    earlyDataAdded: (h) => ({ ...h, extensions: [{ type: ExtensionType.early_data, data: new Uint8Array(0) }, ...h.extensions] }),
    cookieUnasked: (h) => ({ ...h, extensions: [{ type: ExtensionType.cookie, data: Uint8Array.of(0, 2, 1, 2) }, ...h.extensions] }),
  };
  for (const [name, edit] of Object.entries(edits)) {
    const { server, second } = retryPair();
    const { prefix, hello } = secondHello(second);
    const wire = concat([prefix, record(22, handshakeMessage(1, encodeClientHello(edit(hello))))]);
    t.is(alertOf(() => server.feed(wire)), 'illegal_parameter', name);
  }
  const { server, second } = retryPair();
  const { prefix, hello } = secondHello(second);
  const padded = { ...hello, extensions: [{ type: ExtensionType.padding, data: new Uint8Array(10) }, ...hello.extensions] };
  t.is(alertOf(() => server.feed(concat([prefix, record(22, handshakeMessage(1, encodeClientHello(padded)))]))), 'none', 'padding may change');
});

// --- 7. 0-RTT on a server that does not accept it ---

const offerEarlyDataOnce = () => {
  let first = true;
  return (message: string, extensions: readonly Extension[]) => {
    if (message !== 'client_hello' || !first) return extensions;
    first = false;
    return [...extensions, { type: ExtensionType.early_data, data: new Uint8Array(0) }];
  };
};

/** Records as a 0-RTT client sends them: protected under keys the server does not have. */
const fakeEarlyData = (count: number, size = 1000) =>
  concat(Array.from({ length: count }, (_, i) => record(23, new Uint8Array(size).fill(i + 1))));

test('rejected 0-RTT: records the server cannot decrypt are skipped and the 1-RTT handshake completes (RFC 8446 section 4.2.10)', (t) => {
  const client = TLSEngine.client(testClientSettings({}, { editExtensions: offerEarlyDataOnce() }));
  const server = TLSEngine.server(testServerSettings());
  server.feed(concat([...client.takeOutgoing(), fakeEarlyData(5)]));
  client.feed(concat(server.takeOutgoing()));
  server.feed(concat([fakeEarlyData(3), ...client.takeOutgoing()]));
  t.true(server.handshakeComplete);
  client.writePlaintext(text('1-RTT data'));
  server.feed(concat(client.takeOutgoing()));
  t.is(str(server.readPlaintext()), '1-RTT data');
});

test(`rejected 0-RTT: more than ${MAX_SKIPPED_EARLY_DATA} bytes of undecryptable records is bad_record_mac`, (t) => {
  const client = TLSEngine.client(testClientSettings({}, { editExtensions: offerEarlyDataOnce() }));
  const server = TLSEngine.server(testServerSettings());
  t.is(alertOf(() => server.feed(concat([...client.takeOutgoing(), fakeEarlyData(Math.ceil(MAX_SKIPPED_EARLY_DATA / 1000) + 1)]))), 'bad_record_mac');
});

test('without early_data offered, an undecryptable record is bad_record_mac at once', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server(testServerSettings());
  t.is(alertOf(() => server.feed(concat([...client.takeOutgoing(), fakeEarlyData(1)]))), 'bad_record_mac');
});

test('rejected 0-RTT after HelloRetryRequest: application_data before the second ClientHello is skipped (RFC 8446 section 4.2.10)', (t) => {
  const client = TLSEngine.client(testClientSettings({}, { groups: ['secp256r1', 'x25519'], keyShareGroups: ['secp256r1'], editExtensions: offerEarlyDataOnce() }));
  const server = TLSEngine.server(testServerSettings('ecdsa', {}, { groups: ['x25519'] }));
  server.feed(concat([...client.takeOutgoing(), fakeEarlyData(4)]));
  client.feed(concat(server.takeOutgoing()));
  server.feed(concat([fakeEarlyData(2), ...client.takeOutgoing()]));
  pump(client, server);
  t.true(server.handshakeComplete && client.handshakeComplete);
  // Without early_data in the first ClientHello the same records are an error.
  const { server: strict } = retryPair();
  t.is(alertOf(() => strict.feed(fakeEarlyData(1))), 'unexpected_message');
});

// --- 14. engine misuse ---

test('engine misuse throws typed errors with Node codes, never a bare Error', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const early = t.throws(() => client.writePlaintext(text('too early')), { instanceOf: UsageError }) as UsageError;
  t.is(early.code, 'ERR_TLS_INVALID_STATE');
  t.throws(() => client.updateKeys(false), { instanceOf: UsageError });
  t.throws(() => client.exportKeyingMaterial('EXPORTER-test', undefined, 32), { instanceOf: UsageError });
  const { client: c } = established();
  t.is(c.exportKeyingMaterial('EXPORTER-test', undefined, 32).length, 32);
  for (const length of [0, -1, 1.5, 255 * 32 + 1]) {
    const e = t.throws(() => c.exportKeyingMaterial('EXPORTER-test', undefined, length), { instanceOf: UsageError }) as UsageError;
    t.is(e.code, 'ERR_OUT_OF_RANGE');
  }
  t.throws(() => c.exportKeyingMaterial('x'.repeat(250), undefined, 32), { instanceOf: UsageError });
  c.close();
  t.throws(() => c.writePlaintext(text('after close')), { instanceOf: UsageError });
  t.throws(() => TLSEngine.server({ ...testServerSettings(), certificateChain: [] }), { instanceOf: ConfigurationError });
});
