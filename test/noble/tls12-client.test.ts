/**
 * The TLS 1.2 client of the noble engine (sans-IO), against our TLS 1.2 server and
 * against server flights edited on the way: each suite and certificate type, the groups,
 * version choice (RFC 8446 section 4.2.1, appendix D), the downgrade sentinel (section
 * 4.1.3), the required extended master secret (RFC 7627) and renegotiation_info (RFC
 * 5746), ServerKeyExchange signatures (RFC 5246 section 7.4.3), client certificates, the
 * one-write client flight, HelloRequest refused, and mutated flights.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeServerHello, encodeServerHello, HandshakeType } from '../../adapters/noble/codec/handshake.js';
import { ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { ALL_TLS12_CIPHER_SUITES, type Tls12CipherSuite } from '../../adapters/noble/tls12/suites.js';
import { keyBlock } from '../../adapters/noble/tls12/prf.js';
import { tls12Protections } from '../../adapters/noble/tls12/record-protection.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { CertificateVerificationError, TLSAlertError } from '../../src/errors.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import type { ClientEngineSettings } from '../../adapters/noble/settings.js';
import { clientIdentity, testClientSettings, testServerSettings, type CertificateKind } from './fixtures.js';
import { concat, pump, seededRandom, unhex } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

function client12(extra: ClientConfiguration = {}, engine: Partial<ClientEngineSettings> = {}): TLSEngine {
  return TLSEngine.client(testClientSettings({ maxVersion: 'TLSv1.2', ...extra }, { random: seededRandom(3), ...engine }));
}

function server(kind: CertificateKind = 'ecdsa', extra: ServerConfiguration = {}): TLSEngine {
  return TLSEngine.server(testServerSettings(kind, extra, { random: seededRandom(5) }));
}

/** Runs `fn` and returns the TLSAlertError it threw (and checks an alert record was queued when we sent it). */
function alertOf(engine: TLSEngine, fn: () => void): TLSAlertError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TLSAlertError)) throw e;
    if (e.direction === 'sent') {
      const out = concat(engine.takeOutgoing());
      if (out[0] !== 21) throw new Error('no alert record was queued');
    }
    return e;
  }
  throw new Error('no alert');
}

/** Splits a plaintext handshake record into framed messages. */
function messagesOf(record: Uint8Array): Uint8Array[] {
  if (record[0] !== 22) throw new Error('not a handshake record');
  const body = record.subarray(5, 5 + ((record[3]! << 8) | record[4]!));
  const out: Uint8Array[] = [];
  for (let i = 0; i < body.length; ) {
    const length = (body[i + 1]! << 16) | (body[i + 2]! << 8) | body[i + 3]!;
    out.push(body.slice(i, i + 4 + length));
    i += 4 + length;
  }
  return out;
}

/** One plaintext handshake record holding `messages`. */
function recordOf(messages: readonly Uint8Array[]): Uint8Array {
  const body = concat(messages);
  return concat([Uint8Array.of(22, 3, 3, body.length >> 8, body.length & 0xff), body]);
}

/** The server's first flight (ServerHello .. ServerHelloDone) for the client's hello, as one record. */
function serverFlight(c: TLSEngine, s: TLSEngine): Uint8Array {
  s.feed(concat(c.takeOutgoing()));
  const out = s.takeOutgoing();
  if (out.length !== 1) throw new Error(`server flight is ${out.length} records`);
  return out[0]!;
}

/** The flight with its ServerHello rebuilt by `edit`. */
function withServerHello(flight: Uint8Array, edit: (sh: ReturnType<typeof decodeServerHello>) => Parameters<typeof encodeServerHello>[0]): Uint8Array {
  const [sh, ...rest] = messagesOf(flight);
  const body = encodeServerHello(edit(decodeServerHello(sh!.subarray(4))));
  return recordOf([concat([Uint8Array.of(HandshakeType.server_hello, 0, body.length >> 8, body.length & 0xff), body]), ...rest]);
}

const dropExtension = (type: number) => (sh: ReturnType<typeof decodeServerHello>) => ({ ...sh, extensions: sh.extensions.filter((e: Extension) => e.type !== type) });

const CASES: ReadonlyArray<[Tls12CipherSuite, CertificateKind]> = ALL_TLS12_CIPHER_SUITES.flatMap((suite) =>
  suite.authentication === 'RSA' ? [[suite, 'rsa'] as [Tls12CipherSuite, CertificateKind]] : [[suite, 'ecdsa'] as [Tls12CipherSuite, CertificateKind], [suite, 'ed25519'] as [Tls12CipherSuite, CertificateKind]],
);

for (const [suite, kind] of CASES) {
  test(`noble@1.2 client x noble server: ${suite.name}, ${kind} certificate (RFC 5289, RFC 7905, RFC 8422)`, (t) => {
    const c = client12({}, { tls12CipherSuites: [suite] });
    const s = server(kind);
    pump(c, s);
    t.true(c.handshakeComplete && s.handshakeComplete);
    t.is(c.outcome.protocol, 'TLSv1.2');
    t.is(c.outcome.suite?.name, suite.name);
    t.is(s.outcome.suite?.name, suite.name);
    // Both ends derive the same keys: the RFC 5705 exporters agree, and data flows both ways.
    t.deepEqual(c.exportKeyingMaterial('EXPERIMENTAL test', undefined, 32), s.exportKeyingMaterial('EXPERIMENTAL test', undefined, 32));
    c.writePlaintext(text('ping'));
    pump(c, s);
    t.is(new TextDecoder().decode(s.readPlaintext(100)), 'ping');
    s.writePlaintext(text('pong'));
    pump(c, s);
    t.is(new TextDecoder().decode(c.readPlaintext(100)), 'pong');
  });
}

for (const [group, name] of [['x25519', 'X25519'], ['secp256r1', 'P-256'], ['secp384r1', 'P-384']] as const) {
  test(`noble@1.2 client: ECDHE over ${name} (RFC 8422 section 5.4)`, (t) => {
    const c = client12({ groups: [name] });
    const s = server('ed25519'); // an ECDSA certificate would also need its own curve offered (RFC 8422 section 5.1.1)
    pump(c, s);
    t.true(c.handshakeComplete);
    t.is(c.outcome.group, group);
  });
}

test('default versions: a client offers TLS 1.2 and 1.3, gets 1.3 from a 1.3 server and 1.2 from a 1.2-only one (RFC 8446 section 4.2.1)', (t) => {
  const c13 = TLSEngine.client(testClientSettings());
  const s13 = server();
  pump(c13, s13);
  t.is(c13.outcome.protocol, 'TLSv1.3');
  const c12 = TLSEngine.client(testClientSettings());
  const s12 = server('ecdsa', { maxVersion: 'TLSv1.2' });
  pump(c12, s12);
  t.true(c12.handshakeComplete);
  t.is(c12.outcome.protocol, 'TLSv1.2');
});

test('a client offering only TLS 1.2 to a TLS 1.3-only server gets protocol_version (RFC 8446 appendix D)', (t) => {
  const c = client12();
  const s = server('ecdsa', { minVersion: 'TLSv1.3' });
  t.throws(() => s.feed(concat(c.takeOutgoing())), { instanceOf: TLSAlertError, message: /protocol_version/ });
  const error = alertOf(c, () => c.feed(concat(s.takeOutgoing())));
  t.is(error.alert, 'protocol_version');
  t.is(error.direction, 'received');
});

test('a TLS 1.3-capable client aborts on the downgrade sentinel with illegal_parameter (RFC 8446 section 4.1.3)', (t) => {
  // A man in the middle strips supported_versions: the 1.3-capable server answers TLS 1.2 and marks its random.
  const strip = (m: string, e: readonly Extension[]) => (m === 'client_hello' ? e.filter((x) => x.type !== ExtensionType.supported_versions) : e);
  const c = TLSEngine.client(testClientSettings({}, { editExtensions: strip }));
  const s = server();
  const flight = serverFlight(c, s);
  t.is(alertOf(c, () => c.feed(flight)).alert, 'illegal_parameter');
  // The same flight to a client that offered TLS 1.2 only is no downgrade.
  const c12 = TLSEngine.client(testClientSettings({ maxVersion: 'TLSv1.2' }, { editExtensions: strip }));
  const s12 = server();
  pump(c12, s12);
  t.true(c12.handshakeComplete);
});

test('a server without extended_master_secret is refused with handshake_failure (RFC 7627 section 5.3)', (t) => {
  const c = client12();
  const flight = withServerHello(serverFlight(c, server()), dropExtension(ExtensionType.extended_master_secret));
  t.is(alertOf(c, () => c.feed(flight)).alert, 'handshake_failure');
});

test('renegotiation_info: absent or non-empty in the ServerHello is handshake_failure (RFC 5746 section 3.4)', (t) => {
  const c1 = client12();
  t.is(alertOf(c1, () => c1.feed(withServerHello(serverFlight(c1, server()), dropExtension(ExtensionType.renegotiation_info)))).alert, 'handshake_failure');
  const c2 = client12();
  const nonEmpty = withServerHello(serverFlight(c2, server()), (sh) => ({
    ...sh,
    extensions: sh.extensions.map((e) => (e.type === ExtensionType.renegotiation_info ? { type: e.type, data: Uint8Array.of(2, 1, 2) } : e)),
  }));
  t.is(alertOf(c2, () => c2.feed(nonEmpty)).alert, 'handshake_failure');
});

test('a ServerHello choosing a suite, compression or extension we did not offer is refused (RFC 5246 section 7.4.1.3)', (t) => {
  const cases: Array<[string, (sh: ReturnType<typeof decodeServerHello>) => Parameters<typeof encodeServerHello>[0]]> = [
    ['illegal_parameter', (sh) => ({ ...sh, cipherSuite: 0xc030 })], // offered only 0xc02b
    ['illegal_parameter', (sh) => ({ ...sh, cipherSuite: 0x009c })], // TLS_RSA_WITH_AES_128_GCM_SHA256: RSA key exchange
    ['illegal_parameter', (sh) => ({ ...sh, legacyCompressionMethod: 1 })],
    // heartbeat (RFC 6520), which we never offer
    ['unsupported_extension', (sh) => ({ ...sh, extensions: [...sh.extensions, { type: 15, data: Uint8Array.of(1) }] })],
  ];
  for (const [alert, edit] of cases) {
    const c = client12({}, { tls12CipherSuites: [ALL_TLS12_CIPHER_SUITES[0]!] });
    t.is(alertOf(c, () => c.feed(withServerHello(serverFlight(c, server()), edit))).alert as string, alert);
  }
});

test('a TLS 1.2 ServerHello below version 0x0303 is protocol_version (RFC 8996)', (t) => {
  const c = client12();
  const flight = serverFlight(c, server());
  flight[9] = 0x02; // ServerHello.server_version 0x0302 (TLS 1.1)
  t.is(alertOf(c, () => c.feed(flight)).alert, 'protocol_version');
});

test('a TLS 1.2-only client receiving a TLS 1.3 ServerHello (supported_versions it did not send) gets unsupported_extension', (t) => {
  const c = client12();
  const c13 = TLSEngine.client(testClientSettings({ minVersion: 'TLSv1.3' }, { random: seededRandom(3) }));
  const s = server();
  s.feed(concat(c13.takeOutgoing()));
  c.takeOutgoing();
  t.is(alertOf(c, () => c.feed(concat(s.takeOutgoing()))).alert, 'unsupported_extension');
});

test('a forged ServerKeyExchange signature is decrypt_error; a tampered signed parameter too (RFC 5246 section 7.4.3)', (t) => {
  for (const offsetFromEnd of [1, 0]) {
    const c = client12();
    const flight = serverFlight(c, server());
    const messages = messagesOf(flight);
    const ske = messages.find((m) => m[0] === HandshakeType.server_key_exchange)!;
    // Last byte of the signature, or a byte of the server's public point (within ServerECDHParams).
    ske[offsetFromEnd ? ske.length - 1 : 10] ^= 0x01;
    const error = alertOf(c, () => c.feed(recordOf(messages)));
    t.true(error.alert === 'decrypt_error' || error.alert === 'illegal_parameter', error.alert);
    if (offsetFromEnd) t.is(error.alert, 'decrypt_error');
  }
});

test('ServerKeyExchange: rsa_pkcs1 is accepted in TLS 1.2 (RFC 5246 section 7.4.1.4.1); a scheme we did not offer is illegal_parameter', (t) => {
  // Our offer lists ECDSA only plus (for TLS 1.2) PKCS#1 v1.5: the RSA server has to sign with rsa_pkcs1.
  const c = client12({}, { signatureSchemes: ['ecdsa_secp256r1_sha256'] });
  const s = server('rsa');
  pump(c, s);
  t.true(c.handshakeComplete);
  t.is(c.outcome.signatureScheme, 'rsa_pkcs1_sha256');
  const c2 = client12({}, { signatureSchemes: ['ecdsa_secp256r1_sha256'] });
  const messages = messagesOf(serverFlight(c2, server()));
  const ske = messages.find((m) => m[0] === HandshakeType.server_key_exchange)!;
  const schemeAt = 4 + 4 + ske[7]!; // after the header, curve_type, named_curve, point length and point
  ske.set([0x08, 0x07], schemeAt); // ed25519, not offered
  t.is(alertOf(c2, () => c2.feed(recordOf(messages))).alert, 'illegal_parameter');
});

test('a server certificate the verifier rejects ends the handshake with its alert (same verifier as TLS 1.3)', (t) => {
  const c = TLSEngine.client(testClientSettings({ maxVersion: 'TLSv1.2', servername: 'other.example' }));
  const s = server();
  s.feed(concat(c.takeOutgoing()));
  t.throws(() => c.feed(concat(s.takeOutgoing())), { instanceOf: CertificateVerificationError });
  const out = concat(c.takeOutgoing());
  t.is(out[0], 21, 'an alert record was sent');
});

test('client certificates: sent when requested and verified by the server; none when required is handshake_failure (RFC 5246 section 7.4.6)', (t) => {
  const c = client12(clientIdentity);
  const s = server('ecdsa', { requestCert: true });
  pump(c, s);
  t.true(s.handshakeComplete);
  t.is(s.outcome.peerCertificates.length, 1);
  const bare = client12();
  const strict = server('ecdsa', { requestCert: true });
  strict.feed(concat(bare.takeOutgoing()));
  bare.feed(concat(strict.takeOutgoing()));
  t.is(alertOf(strict, () => strict.feed(concat(bare.takeOutgoing()))).alert, 'handshake_failure');
});

test('ALPN and SNI at TLS 1.2: the server picks from our list and the name is reported (RFC 7301, RFC 6066)', (t) => {
  const c = client12({ ALPNProtocols: ['h2', 'http/1.1'] });
  const s = server('ecdsa', { ALPNProtocols: ['http/1.1'] });
  pump(c, s);
  t.is(c.outcome.alpnProtocol, 'http/1.1');
  t.is(s.outcome.serverName, 'localhost');
  t.is(c.outcome.serverName, 'localhost');
});

test('the client flight ClientKeyExchange, ChangeCipherSpec, Finished is one write, with the first application data (RFC 5246 section 7.3, RFC 7918)', (t) => {
  const c = client12({}, { earlyData: text('GET / HTTP/1.0\r\n\r\n') });
  const s = server();
  c.feed(serverFlight(c, s));
  const flight = c.takeOutgoing();
  t.deepEqual(flight.map((r) => r[0]), [22, 20, 22, 23], 'ClientKeyExchange, ChangeCipherSpec, Finished, application data');
  t.is(c.outcome.dataWithFinished, 18);
  s.feed(concat(flight));
  t.true(s.handshakeComplete);
  t.is(new TextDecoder().decode(s.readPlaintext(100)), 'GET / HTTP/1.0\r\n\r\n');
  c.feed(concat(s.takeOutgoing()));
  t.true(c.handshakeComplete);
});

test('a HelloRequest after the handshake is refused with the no_renegotiation warning (RFC 5246 section 7.4.1.1, RFC 5746)', (t) => {
  const lines: string[] = [];
  const c = client12({}, { keylog: (line) => lines.push(line) });
  const s = server();
  const flight = serverFlight(c, s);
  const serverRandom = decodeServerHello(messagesOf(flight)[0]!.subarray(4)).random;
  c.feed(flight);
  s.feed(concat(c.takeOutgoing()));
  c.feed(concat(s.takeOutgoing()));
  t.true(c.handshakeComplete);
  // Seal a HelloRequest as the server would: the key block from the logged master secret, after the server's Finished (sequence 0).
  const [, clientRandom, master] = lines.find((l) => l.startsWith('CLIENT_RANDOM'))!.split(' ');
  const suite = c.outcome.suite as Tls12CipherSuite;
  const keys = keyBlock(nobleCryptoProvider, suite.hash, unhex(master!), unhex(clientRandom!), serverRandom, suite.keyLength, suite.fixedIvLength);
  const serverWrite = tls12Protections(nobleCryptoProvider, suite, keys, 'server').write;
  serverWrite.seal(22, new Uint8Array(16));
  const error = alertOf(c, () => c.feed(serverWrite.seal(22, Uint8Array.of(HandshakeType.hello_request, 0, 0, 0))));
  t.is(error.alert, 'no_renegotiation');
});

test('mutated TLS 1.2 server flights end in a typed error, never a crash (robustness)', (t) => {
  const seen = new Map<string, number>();
  const base = (() => {
    const c = client12();
    return serverFlight(c, server());
  })();
  const random = seededRandom(99);
  for (let i = 0; i < 300; i++) {
    const c = client12();
    c.takeOutgoing();
    const flight = base.slice();
    const r = random(4);
    const kind = r[0]! % 3;
    let bytes: Uint8Array;
    if (kind === 0) {
      flight[5 + (((r[1]! << 8) | r[2]!) % (flight.length - 5))] ^= 1 << (r[3]! % 8);
      bytes = flight;
    } else if (kind === 1) {
      bytes = flight.subarray(0, 5 + (((r[1]! << 8) | r[2]!) % (flight.length - 5)));
      bytes = concat([Uint8Array.of(22, 3, 3, (bytes.length - 5) >> 8, (bytes.length - 5) & 0xff), bytes.subarray(5)]);
    } else {
      flight[9 + (((r[1]! << 8) | r[2]!) % (flight.length - 9))] = r[3]!;
      bytes = flight;
    }
    let outcome = 'none';
    try {
      c.feed(bytes);
    } catch (e) {
      if (e instanceof TLSAlertError) outcome = e.alert;
      else if (e instanceof CertificateVerificationError) outcome = 'certificate';
      else throw e;
    }
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  }
  t.log([...seen].map(([k, v]) => `${k}: ${v}`).join(', '));
  t.true(seen.size > 3);
});
