/**
 * The TLS 1.2 server of the noble engine against crafted ClientHellos (sans-IO): the
 * version switch (RFC 8446 section 4.2.1), the downgrade sentinel (section 4.1.3), the
 * required extended master secret (RFC 7627) and renegotiation_info (RFC 5746),
 * TLS_FALLBACK_SCSV (RFC 7507), the one-record server flight, and mutated hellos.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeServerHello, encodeClientHello, frameHandshake, HandshakeType, type ClientHello } from '../../adapters/noble/codec/handshake.js';
import { encodeSupportedVersionsList, encodeU16List, ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import { DOWNGRADE_TLS12 } from '../../adapters/noble/tls12/messages.js';
import { TLSAlertError } from '../../src/errors.js';
import { inRecords } from './crafted-hello.js';
import { concat, hex, seededRandom } from './helpers.js';
import { testServerSettings } from './fixtures.js';
import type { ServerConfiguration } from '../../src/configuration.js';

/** A TLS 1.2 ClientHello as OpenSSL sends one (ECDHE-ECDSA and -RSA AEAD suites, EMS, renegotiation_info). */
function tls12Hello(change: { extensions?: (e: Extension[]) => Extension[]; suites?: number[]; legacyVersion?: number } = {}): Uint8Array {
  const extensions: Extension[] = [
    { type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) },
    { type: ExtensionType.server_name, data: Uint8Array.of(0, 12, 0, 0, 9, ...new TextEncoder().encode('localhost')) },
    { type: ExtensionType.ec_point_formats, data: Uint8Array.of(1, 0) },
    { type: ExtensionType.supported_groups, data: encodeU16List([0x1d, 0x17, 0x18]) },
    { type: ExtensionType.signature_algorithms, data: encodeU16List([SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256]) },
    { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
  ];
  const hello: ClientHello = {
    random: new Uint8Array(32).fill(0x11),
    legacySessionId: new Uint8Array(0),
    cipherSuites: change.suites ?? [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8],
    legacyCompressionMethods: Uint8Array.of(0),
    extensions: change.extensions ? change.extensions(extensions) : extensions,
  };
  const body = encodeClientHello(hello);
  if (change.legacyVersion !== undefined) body.set([change.legacyVersion >> 8, change.legacyVersion & 0xff], 0);
  return inRecords(frameHandshake(HandshakeType.client_hello, body).raw, 16384);
}

function server(kind: 'ecdsa' | 'rsa' = 'ecdsa', extra: ServerConfiguration = {}): TLSEngine {
  return TLSEngine.server(testServerSettings(kind, extra, { random: seededRandom(5) }));
}

/** Feeds `bytes` and returns the alert the server sent. */
function alertFor(engine: TLSEngine, bytes: Uint8Array): string {
  const error = (() => {
    try {
      engine.feed(bytes);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(error instanceof TLSAlertError)) throw new Error(`expected an alert, got ${String(error)}`);
  const out = concat(engine.takeOutgoing());
  if (out[0] !== 21) throw new Error('no alert record was queued');
  return error.alert;
}

/** The server's first flight: [records], and the ServerHello decoded. */
function firstFlight(engine: TLSEngine, bytes: Uint8Array) {
  engine.feed(bytes);
  const records = engine.takeOutgoing();
  const first = records[0]!;
  const sh = decodeServerHello(first.subarray(9, 9 + ((first[6]! << 16) | (first[7]! << 8) | first[8]!)));
  return { records, serverHello: sh, wire: first };
}

test('a ClientHello without supported_versions goes to TLS 1.2; ServerHello..ServerHelloDone is one record (RFC 5246 section 7.3)', (t) => {
  const engine = server();
  const { records, serverHello, wire } = firstFlight(engine, tls12Hello());
  t.is(records.length, 1, 'one record');
  t.is(engine.outcome.protocol, 'TLSv1.2');
  t.is(serverHello.cipherSuite, 0xc02b);
  t.is(engine.stateName, 'ExpectClientKeyExchange');
  // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone in that order inside the one record.
  const types: number[] = [];
  for (let o = 5; o < wire.length; o += 4 + ((wire[o + 1]! << 16) | (wire[o + 2]! << 8) | wire[o + 3]!)) types.push(wire[o]!);
  t.deepEqual(types, [HandshakeType.server_hello, HandshakeType.certificate, HandshakeType.server_key_exchange, HandshakeType.server_hello_done]);
  const extensionTypes = serverHello.extensions.map((e) => e.type);
  t.true(extensionTypes.includes(ExtensionType.extended_master_secret));
  t.true(extensionTypes.includes(ExtensionType.renegotiation_info));
});

test('a TLS 1.3-capable server writes the downgrade sentinel DOWNGRD\\x01 into a TLS 1.2 ServerHello.random (RFC 8446 section 4.1.3)', (t) => {
  const { serverHello } = firstFlight(server(), tls12Hello());
  t.is(hex(serverHello.random.subarray(24)), hex(DOWNGRADE_TLS12));
});

test('a server pinned to TLS 1.2 (maxVersion) does not write the sentinel (RFC 8446 section 4.1.3)', (t) => {
  const { serverHello } = firstFlight(server('ecdsa', { maxVersion: 'TLSv1.2' }), tls12Hello());
  t.not(hex(serverHello.random.subarray(24)), hex(DOWNGRADE_TLS12));
});

test('supported_versions offering only TLS 1.2 goes to TLS 1.2 even with legacy_version 0x0303 (RFC 8446 section 4.2.1)', (t) => {
  const hello = tls12Hello({ extensions: (e) => [...e, { type: ExtensionType.supported_versions, data: encodeSupportedVersionsList([0x0303]) }] });
  const engine = server();
  firstFlight(engine, hello);
  t.is(engine.outcome.protocol, 'TLSv1.2');
});

test('a client offering only TLS 1.2 to a TLS 1.3-only server gets protocol_version (RFC 8446 appendix D)', (t) => {
  t.is(alertFor(server('ecdsa', { minVersion: 'TLSv1.3' }), tls12Hello()), 'protocol_version');
});

test('a TLS 1.0/1.1 client gets protocol_version (RFC 8996)', (t) => {
  t.is(alertFor(server(), tls12Hello({ legacyVersion: 0x0302 })), 'protocol_version');
});

test('a client without extended_master_secret is refused with handshake_failure (RFC 7627 section 5.2)', (t) => {
  const hello = tls12Hello({ extensions: (e) => e.filter((x) => x.type !== ExtensionType.extended_master_secret) });
  t.is(alertFor(server(), hello), 'handshake_failure');
});

test('a client signalling neither renegotiation_info nor its SCSV is refused; the SCSV alone is enough (RFC 5746 section 3.6)', (t) => {
  const without = (e: Extension[]) => e.filter((x) => x.type !== ExtensionType.renegotiation_info);
  t.is(alertFor(server(), tls12Hello({ extensions: without })), 'handshake_failure');
  const engine = server();
  firstFlight(engine, tls12Hello({ extensions: without, suites: [0xc02b, 0x00ff] }));
  t.is(engine.outcome.protocol, 'TLSv1.2');
});

test('a non-empty renegotiated_connection in an initial handshake is handshake_failure (RFC 5746 section 3.6)', (t) => {
  const hello = tls12Hello({ extensions: (e) => e.map((x) => (x.type === ExtensionType.renegotiation_info ? { type: x.type, data: Uint8Array.of(12, ...new Uint8Array(12)) } : x)) });
  t.is(alertFor(server(), hello), 'handshake_failure');
});

test('TLS_FALLBACK_SCSV from a 1.2 client to a 1.3-capable server is inappropriate_fallback (RFC 7507 section 3)', (t) => {
  t.is(alertFor(server(), tls12Hello({ suites: [0xc02b, 0x5600] })), 'inappropriate_fallback');
});

test('no CBC, no RSA key exchange: a client offering only those gets handshake_failure (RFC 5246, issue 16)', (t) => {
  // TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA.
  t.is(alertFor(server(), tls12Hello({ suites: [0x009c, 0xc009, 0x002f] })), 'handshake_failure');
});

test('an RSA certificate chooses an ECDHE-RSA suite; an ECDSA one an ECDHE-ECDSA suite (RFC 8422 section 2)', (t) => {
  t.is(firstFlight(server('rsa'), tls12Hello()).serverHello.cipherSuite, 0xc02f);
  t.is(firstFlight(server('ecdsa'), tls12Hello()).serverHello.cipherSuite, 0xc02b);
});

test('an ECDSA certificate whose curve is not in supported_groups is handshake_failure (RFC 8422 section 5.1.1)', (t) => {
  const hello = tls12Hello({ extensions: (e) => e.map((x) => (x.type === ExtensionType.supported_groups ? { type: x.type, data: encodeU16List([0x1d]) } : x)) });
  t.is(alertFor(server('ecdsa'), hello), 'handshake_failure');
});

test('ec_point_formats without uncompressed is illegal_parameter (RFC 8422 section 5.1.2)', (t) => {
  const hello = tls12Hello({ extensions: (e) => e.map((x) => (x.type === ExtensionType.ec_point_formats ? { type: x.type, data: Uint8Array.of(1, 1) } : x)) });
  t.is(alertFor(server(), hello), 'illegal_parameter');
});

test('after the server flight, a ChangeCipherSpec before ClientKeyExchange is unexpected_message (RFC 5246 section 7.3)', (t) => {
  const engine = server();
  firstFlight(engine, tls12Hello());
  t.is(alertFor(engine, Uint8Array.of(20, 3, 3, 0, 1, 1)), 'unexpected_message');
});

test('an invalid ClientKeyExchange point is illegal_parameter (RFC 8422 section 5.7)', (t) => {
  const engine = server();
  firstFlight(engine, tls12Hello());
  const cke = frameHandshake(HandshakeType.client_key_exchange, Uint8Array.of(32, ...new Uint8Array(32))).raw;
  t.is(alertFor(engine, inRecords(cke, 100)), 'illegal_parameter');
});

test('mutated TLS 1.2 ClientHellos end in an alert, never a crash (robustness)', (t) => {
  const base = tls12Hello();
  const random = seededRandom(99);
  for (let i = 0; i < 400; i++) {
    const mutated = base.slice();
    const [a, b, c] = random(3);
    const at = 5 + ((a! << 8) | b!) % (mutated.length - 5);
    mutated[at] = c!;
    const engine = server();
    try {
      engine.feed(mutated);
    } catch (e) {
      t.true(e instanceof TLSAlertError, `mutation ${i} at ${at}: ${String(e)}`);
    }
  }
});
