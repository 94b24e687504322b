/**
 * The groups and signature schemes added for issue 10 (x448, secp521r1, ffdhe2048..8192,
 * ecdsa_secp521r1_sha512, ed448) on both crypto providers: known answers (RFC 7748, RFC 8032,
 * RFC 7919 primes against OpenSSL's), the RFC 8446 section 4.2.8.1 padding and RFC 7919
 * section 5.1 checks, in-memory handshakes for every new group and scheme, the server's
 * group choice, and the section 4.2.8 key-share length rule with its alert.
 */
import test from 'ava';
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { isProbablySafePrime } from 'micro-rsa-dsa-dh/primality.js';
import { clientEngineSettings, serverEngineSettings } from '../../adapters/noble/config.js';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { ExtensionType, encodeClientKeyShares, encodeU16List, type Extension, type KeyShareEntry } from '../../adapters/noble/codec/extensions.js';
import { FFDHE_GROUPS, ffdhePrimeBytes, ffdhePrimes } from '../../src/crypto/ffdhe.js';
import { groupParameters } from '../../src/crypto/group-parameters.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import {
  type CryptoProvider,
  KeyExchangeError,
  NamedGroup,
  type NamedGroupName,
  type SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { chooseGroup } from '../../adapters/noble/server-parameters.js';
import { createDevelopmentCA, issueCertificate, type DevelopmentCertificate } from '../../src/x509/development.js';
import type { GeneratedKeyType } from '../../src/x509/keys.js';
import { encodeSubjectPublicKeyInfo, parsePrivateKey, publicKeyOf } from '../../src/x509/index.js';
import { TLSAlertError } from '../../src/errors.js';
import { concat, hex, pump, replayRandom, seededRandom, unhex } from './helpers.js';
import { testClientSettings, testServerSettings } from './fixtures.js';

const providers: readonly CryptoProvider[] = [nobleCryptoProvider, nodeCryptoProvider];
const NEW_GROUPS: readonly NamedGroupName[] = ['x448', 'secp521r1', ...FFDHE_GROUPS];
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

// ---- Known answers ---------------------------------------------------------------------------

/** RFC 7748 section 6.2: Alice's and Bob's X448 keys and their shared secret. */
const rfc7748 = {
  alicePrivate: '9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
  alicePublic: '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0',
  bobPrivate: '1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
  bobPublic: '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609',
  shared: '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d',
};

for (const provider of providers) {
  test(`${provider.name}: x448 reproduces RFC 7748 section 6.2 from injected randomness`, (t) => {
    const group = provider.group('x448')!;
    const alice = group.start(replayRandom(unhex(rfc7748.alicePrivate)));
    t.is(hex(alice.share), rfc7748.alicePublic);
    t.is(hex(alice.complete(unhex(rfc7748.bobPublic))), rfc7748.shared);
    const bob = group.respond(unhex(rfc7748.alicePublic), replayRandom(unhex(rfc7748.bobPrivate)));
    t.is(hex(bob.share), rfc7748.bobPublic);
    t.is(hex(bob.sharedSecret), rfc7748.shared);
  });

  test(`${provider.name}: x448 refuses wrong lengths and the all-zero secret (RFC 8446 section 7.4.2)`, (t) => {
    const group = provider.group('x448')!;
    for (const length of [0, 32, 55, 57]) {
      t.throws(() => group.respond(new Uint8Array(length), seededRandom(1)), { instanceOf: KeyExchangeError }, `length ${length}`);
    }
    const lowOrder = new Uint8Array(56); // u = 0 is a point of small order: the secret is zero
    t.throws(() => group.respond(lowOrder, seededRandom(2)), { instanceOf: KeyExchangeError });
    const one = new Uint8Array(56);
    one[0] = 1; // u = 1 likewise
    t.throws(() => group.start(seededRandom(3)).complete(one), { instanceOf: KeyExchangeError });
  });

  test(`${provider.name}: secp521r1 refuses compressed, short and off-curve points`, (t) => {
    const group = provider.group('secp521r1')!;
    const good = group.start(seededRandom(4)).share;
    t.is(good.length, 133);
    t.throws(() => group.respond(good.subarray(0, 67), seededRandom(5)), { instanceOf: KeyExchangeError });
    const compressed = Uint8Array.from([2, ...good.subarray(1, 67)]);
    t.throws(() => group.respond(compressed, seededRandom(5)), { instanceOf: KeyExchangeError });
    const offCurve = good.slice();
    offCurve[132]! ^= 1;
    t.throws(() => group.respond(offCurve, seededRandom(5)), { instanceOf: KeyExchangeError });
  });

  test(`${provider.name}: Ed448 signs RFC 8032 section 7.4's "blank" vector exactly and verifies it`, (t) => {
    const seed = unhex('6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b');
    const publicKey = unhex('5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180');
    const signature =
      '533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980' +
      'ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600';
    const message = new Uint8Array(0);
    t.is(hex(provider.sign('ed448', { kind: 'ed448', seed, publicKey }, message, seededRandom(6))), signature);
    t.true(provider.verify('ed448', { kind: 'ed448', key: publicKey }, message, unhex(signature)));
    t.false(provider.verify('ed448', { kind: 'ed448', key: publicKey }, text('x'), unhex(signature)));
    t.false(provider.verify('ed448', { kind: 'ed448', key: publicKey }, message, unhex(signature).subarray(1)));
  });
}

test('the RFC 7919 primes are safe primes and equal OpenSSL\'s ffdhe groups', (t) => {
  for (const group of FFDHE_GROUPS) {
    const p = ffdhePrimes[group];
    t.is(p.toString(2).length, Number(group.slice(5)), `${group} bit length`);
    // RFC 7919 appendix A: the top and bottom 64 bits are all ones.
    t.is(p >> BigInt(Number(group.slice(5)) - 64), (1n << 64n) - 1n);
    t.is(p & ((1n << 64n) - 1n), (1n << 64n) - 1n);
    // Primality of the larger primes costs seconds of bigint work; their equality with OpenSSL's copies below suffices.
    if (group === 'ffdhe2048') t.true(isProbablySafePrime(p, 1), `${group} is a safe prime`);
    const openssl = spawnSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', `group:${group}`], { encoding: 'utf8' });
    if (openssl.status !== 0) return t.fail('openssl CLI not found: install the Debian package openssl');
    // PEM of DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }; the prime has a leading zero byte.
    const der = Uint8Array.from(Buffer.from(openssl.stdout.replace(/-----[^-]+-----/g, ''), 'base64'));
    t.true(hex(der).includes('00' + hex(ffdhePrimeBytes(group))), `${group} matches OpenSSL`);
  }
});

for (const provider of providers) {
  test(`${provider.name}: FFDHE refuses y outside 1 < y < p - 1 and any share not of the prime's length (RFC 7919 section 5.1, RFC 8446 section 4.2.8.1)`, (t) => {
    const group = provider.group('ffdhe2048')!;
    const p = ffdhePrimes.ffdhe2048;
    const asShare = (y: bigint) => unhex(y.toString(16).padStart(512, '0'));
    for (const y of [0n, 1n, p - 1n, p, (1n << 2048n) - 1n]) {
      t.throws(() => group.respond(asShare(y), seededRandom(7)), { instanceOf: KeyExchangeError }, `y = ${y === p ? 'p' : y}`);
      t.throws(() => group.start(seededRandom(8)).complete(asShare(y)), { instanceOf: KeyExchangeError });
    }
    t.notThrows(() => group.respond(asShare(2n), seededRandom(7)));
    t.notThrows(() => group.respond(asShare(p - 2n), seededRandom(7)));
    const good = group.start(seededRandom(9)).share;
    for (const bad of [new Uint8Array(0), good.subarray(1), concat([Uint8Array.of(0), good])]) {
      t.throws(() => group.respond(bad, seededRandom(10)), { instanceOf: KeyExchangeError }, `length ${bad.length}`);
    }
  });
}

test('FFDHE shares and shared secrets are left-padded to the prime length (RFC 8446 sections 4.2.8.1 and 7.4.1), the same on both providers', (t) => {
  const group = 'ffdhe2048';
  let paddedShare: number | undefined;
  let paddedSecret: number | undefined;
  const client = nodeCryptoProvider.group(group)!.start(seededRandom(11));
  for (let seed = 1; seed < 4000 && (paddedShare === undefined || paddedSecret === undefined); seed++) {
    const answer = nodeCryptoProvider.group(group)!.respond(client.share, seededRandom(1000 + seed));
    if (paddedShare === undefined && answer.share[0] === 0) paddedShare = seed;
    if (paddedSecret === undefined && answer.sharedSecret[0] === 0) paddedSecret = seed;
  }
  t.not(paddedShare, undefined, 'a share with a leading zero byte turns up');
  t.not(paddedSecret, undefined, 'a secret with a leading zero byte turns up');
  for (const seed of [paddedShare!, paddedSecret!]) {
    const node = nodeCryptoProvider.group(group)!.respond(client.share, seededRandom(1000 + seed));
    const noble = nobleCryptoProvider.group(group)!.respond(client.share, seededRandom(1000 + seed));
    t.is(node.share.length, 256);
    t.is(node.sharedSecret.length, 256);
    t.deepEqual(noble, node);
    t.deepEqual(client.complete(node.share), node.sharedSecret);
  }
});

// ---- Keys and signature encodings -----------------------------------------------------------

/** Runs the openssl CLI with `input` on stdin; its stdout as bytes. */
function opensslOutput(args: string[], input?: string): Uint8Array {
  const result = spawnSync('openssl', args, { input });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (is the Debian package openssl installed?): ${result.stderr}`);
  return new Uint8Array(result.stdout);
}

test('P-521 (PKCS#8 and SEC1) and Ed448 private keys from openssl load, and their public keys encode as openssl\'s SPKI', (t) => {
  const keys = {
    'P-521 PKCS#8': str(opensslOutput(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'])),
    'Ed448 PKCS#8': str(opensslOutput(['genpkey', '-algorithm', 'ed448'])),
  };
  const sec1 = str(opensslOutput(['ec'], keys['P-521 PKCS#8']));
  t.regex(sec1, /BEGIN EC PRIVATE KEY/);
  for (const [label, pem] of [...Object.entries(keys), ['P-521 SEC1', sec1]] as const) {
    const key = parsePrivateKey(pem);
    t.is(key.kind, label.startsWith('Ed448') ? 'ed448' : 'ec', label);
    const spki = opensslOutput(['pkey', '-pubout', '-outform', 'DER'], pem);
    t.is(hex(encodeSubjectPublicKeyInfo(publicKeyOf(key))), hex(spki), label);
  }
});

for (const provider of providers) {
  test(`${provider.name}: ECDSA DER uses the long length form exactly when needed (P-521 signatures exceed 127 bytes)`, (t) => {
    const privateKey = parsePrivateKey(str(opensslOutput(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'])));
    const publicKey = publicKeyOf(privateKey);
    const message = text('long form');
    let longForm = 0;
    for (let i = 0; i < 8; i++) {
      const signature = provider.sign('ecdsa_secp521r1_sha512', privateKey, message, seededRandom(20 + i));
      if (signature[1] === 0x81) longForm++;
      for (const verifier of providers) t.true(verifier.verify('ecdsa_secp521r1_sha512', publicKey, message, signature));
    }
    // A P-256 signature (always short form) re-encoded with a long-form length is BER, not DER: refused.
    const p256Key = parsePrivateKey(str(opensslOutput(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])));
    const short = provider.sign('ecdsa_secp256r1_sha256', p256Key, message, seededRandom(30));
    t.true(short[1]! < 0x80);
    const ber = concat([Uint8Array.of(0x30, 0x81, short[1]!), short.subarray(2)]);
    for (const verifier of providers) {
      t.true(verifier.verify('ecdsa_secp256r1_sha256', publicKeyOf(p256Key), message, short));
      t.false(verifier.verify('ecdsa_secp256r1_sha256', publicKeyOf(p256Key), message, ber));
    }
    t.true(longForm > 0, 'most P-521 signatures are longer than 127 content bytes');
  });
}

// ---- Handshakes in memory ---------------------------------------------------------------------

for (const provider of providers) {
  for (const group of NEW_GROUPS) {
    test(`${provider.name}: handshake over ${group} (its share as the first key share, no retry)`, (t) => {
      const client = TLSEngine.client({ ...testClientSettings(), provider, groups: [group] });
      const server = TLSEngine.server({ ...testServerSettings(), provider });
      pump(client, server);
      t.is(client.outcome.group, group);
      t.is(server.outcome.group, group);
      t.false(server.outcome.helloRetried);
      client.writePlaintext(text(`over ${group}`));
      pump(client, server);
      t.is(str(server.readPlaintext()), `over ${group}`);
    });
  }
}

/** A development CA of `caKey` and a localhost leaf of `leafKey`, issued once per pair. */
function pki(caKey: GeneratedKeyType, leafKey: GeneratedKeyType): { ca: DevelopmentCertificate; leaf: DevelopmentCertificate } {
  const ca = createDevelopmentCA({ keyType: caKey });
  return { ca, leaf: issueCertificate(ca, { keyType: leafKey, dnsNames: ['localhost'] }) };
}
const p521Pki = pki('P-521', 'P-521');
const ed448Pki = pki('Ed448', 'Ed448');

for (const provider of providers) {
  for (const [scheme, { ca, leaf }] of [
    ['ecdsa_secp521r1_sha512', p521Pki],
    ['ed448', ed448Pki],
  ] as const) {
    test(`${provider.name}: ${scheme} certificate, chain and CertificateVerify, keys from PKCS#8 PEM`, (t) => {
      const client = TLSEngine.client(clientEngineSettings({ ca: ca.pem, servername: 'localhost' }, provider));
      const server = TLSEngine.server(serverEngineSettings({ cert: leaf.pem, key: leaf.privateKeyPem }, provider));
      pump(client, server);
      t.true(client.handshakeComplete && server.handshakeComplete);
      t.is(server.outcome.signatureScheme, scheme as SignatureSchemeName);
      t.deepEqual(parsePrivateKey(leaf.privateKeyPem), leaf.privateKey);
    });
  }
}

// ---- The server's group choice ----------------------------------------------------------------

const share = (group: NamedGroupName, length = groupParameters[group].clientShareLength): KeyShareEntry => ({
  group: NamedGroup[group],
  keyExchange: new Uint8Array(length).fill(2),
});
const codes = (...groups: NamedGroupName[]) => groups.map((g) => NamedGroup[g]);
const ours: readonly NamedGroupName[] = ['x25519', 'secp256r1', 'secp384r1', 'X25519MLKEM768', 'x448', 'secp521r1', ...FFDHE_GROUPS];

test('group choice: X25519MLKEM768 whenever the client sent a share for it, whatever our order', (t) => {
  const clientGroups = codes('X25519MLKEM768', 'x25519');
  t.is(chooseGroup(ours, clientGroups, [share('X25519MLKEM768'), share('x25519')]), 'X25519MLKEM768');
  t.is(chooseGroup(ours, clientGroups, [share('x25519'), share('X25519MLKEM768')]), 'X25519MLKEM768');
  // Listed without a share: the classical share is used, no retry (unlike Go; see chooseGroup).
  t.is(chooseGroup(ours, clientGroups, [share('x25519')]), 'x25519');
  // We do not support it: ignored.
  t.is(chooseGroup(['secp256r1', 'x25519'], clientGroups, [share('X25519MLKEM768'), share('x25519')]), 'x25519');
});

test('group choice: a group the client sent a share for beats our preference (no HelloRetryRequest)', (t) => {
  t.is(chooseGroup(ours, codes('x25519', 'secp384r1'), [share('secp384r1')]), 'secp384r1');
  t.is(chooseGroup(ours, codes('secp521r1', 'secp256r1'), [share('secp521r1'), share('secp256r1')]), 'secp256r1', 'our order among shares');
  t.is(chooseGroup(ours, codes('secp384r1', 'x448'), []), 'secp384r1', 'no share: our most preferred, by retry');
  t.is(chooseGroup(ours, codes('ffdhe8192'), []), 'ffdhe8192');
  t.is(chooseGroup(['x25519'], codes('secp256r1'), [share('secp256r1')]), undefined);
});

test('group choice: FFDHE only when no ECDHE group is in common; an FFDHE share never downgrades from ECDHE', (t) => {
  t.is(chooseGroup(ours, codes('ffdhe3072', 'ffdhe2048'), [share('ffdhe3072')]), 'ffdhe3072');
  t.is(chooseGroup(ours, codes('ffdhe2048', 'ffdhe3072'), []), 'ffdhe2048', 'our order within FFDHE');
  t.is(chooseGroup(ours, codes('ffdhe2048', 'secp256r1'), [share('ffdhe2048')]), 'secp256r1', 'retry for the curve');
  t.is(chooseGroup(['ffdhe2048', 'x25519'], codes('ffdhe2048', 'x25519'), [share('ffdhe2048'), share('x25519')]), 'x25519');
});

test('handshake: a client sending X25519MLKEM768 and x25519 shares gets X25519MLKEM768 from a default server', (t) => {
  const client = TLSEngine.client({ ...testClientSettings(), groups: ['x25519', 'X25519MLKEM768'], keyShareGroups: ['x25519', 'X25519MLKEM768'] });
  const server = TLSEngine.server(testServerSettings());
  pump(client, server);
  t.is(client.outcome.group, 'X25519MLKEM768');
  t.false(client.outcome.helloRetried);
});

test('handshake: a client offering only FFDHE connects to a default server, as with OpenSSL', (t) => {
  const client = TLSEngine.client({ ...testClientSettings(), provider: nodeCryptoProvider, groups: ['ffdhe4096', 'ffdhe2048'], keyShareGroups: ['ffdhe2048'] });
  const server = TLSEngine.server({ ...testServerSettings(), provider: nodeCryptoProvider });
  pump(client, server);
  t.is(server.outcome.group, 'ffdhe2048');
  t.false(server.outcome.helloRetried);
});

test('handshake: a client with an ffdhe2048 share that also lists x25519 is asked to retry with x25519', (t) => {
  const client = TLSEngine.client({ ...testClientSettings(), provider: nodeCryptoProvider, groups: ['ffdhe2048', 'x25519'], keyShareGroups: ['ffdhe2048'] });
  const server = TLSEngine.server({ ...testServerSettings(), provider: nodeCryptoProvider });
  pump(client, server);
  t.is(client.outcome.group, 'x25519');
  t.true(client.outcome.helloRetried);
});

// ---- Key-share lengths (RFC 8446 section 4.2.8) ----------------------------------------------

/** A provider that counts calls of `respond`, to show a check ran before any crypto. */
function countingProvider(): { provider: CryptoProvider; responses: () => number } {
  let responses = 0;
  const provider: CryptoProvider = {
    ...nobleCryptoProvider,
    group(name) {
      const group = nobleCryptoProvider.group(name);
      return group && { ...group, respond: (...args) => (responses++, group.respond(...args)) };
    },
  };
  return { provider, responses: () => responses };
}

/** The alert a default server sends for a ClientHello whose supported_groups and key_share are replaced. */
function serverAlertFor(groups: readonly number[], shares: readonly KeyShareEntry[]): { alert: string; responses: number } {
  const replace = (extensions: readonly Extension[]): Extension[] =>
    extensions.map((e) => {
      if (e.type === ExtensionType.supported_groups) return { type: e.type, data: encodeU16List(groups) };
      if (e.type === ExtensionType.key_share) return { type: e.type, data: encodeClientKeyShares(shares) };
      return e;
    });
  const client = TLSEngine.client({ ...testClientSettings(), editExtensions: (message, e) => (message === 'client_hello' ? replace(e) : e) });
  const { provider, responses } = countingProvider();
  const server = TLSEngine.server({ ...testServerSettings(), provider });
  try {
    server.feed(concat(client.takeOutgoing()));
  } catch (error) {
    if (!(error instanceof TLSAlertError)) throw error;
    const sent = concat(server.takeOutgoing());
    // The alert record: content type 21, level fatal (2), then the description's code.
    if (sent[0] !== 21 || sent[5] !== 2 || sent[6] !== error.code || error.direction !== 'sent') throw new Error('no fatal alert was sent');
    return { alert: error.alert, responses: responses() };
  }
  return { alert: 'none', responses: responses() };
}

const wrongLengths: ReadonlyArray<readonly [NamedGroupName, number]> = [
  ['x25519', 0],
  ['x25519', 31],
  ['x25519', 33],
  ['x448', 32],
  ['secp256r1', 64],
  ['secp384r1', 65],
  ['secp521r1', 132],
  ['ffdhe2048', 255],
  ['ffdhe2048', 0],
  ['ffdhe8192', 1025],
  ['X25519MLKEM768', 1215],
  ['X25519MLKEM768', 1120], // a server-sized share from a client
];

for (const [group, length] of wrongLengths) {
  test(`RFC 8446 section 4.2.8: a ${length}-byte ${group} key share is illegal_parameter, before any crypto`, (t) => {
    t.deepEqual(serverAlertFor(codes(group), [share(group, length)]), { alert: 'illegal_parameter', responses: 0 });
  });
}

test('RFC 8446 section 4.2.8: a wrong-length share of a known group is illegal_parameter even when another share would be chosen', (t) => {
  t.deepEqual(serverAlertFor(codes('x25519', 'secp384r1'), [share('x25519'), share('secp384r1', 96)]), { alert: 'illegal_parameter', responses: 0 });
});

test('RFC 8446 section 4.2.8: shares of unknown groups are skipped unless empty (key_exchange<1..2^16-1>: decode_error)', (t) => {
  const unknown = { group: 0x0a0a, keyExchange: Uint8Array.of(1, 2, 3) };
  t.deepEqual(serverAlertFor([0x0a0a, NamedGroup.x25519], [unknown, share('x25519')]), { alert: 'none', responses: 1 });
  t.is(serverAlertFor([0x0a0a, NamedGroup.x25519], [{ group: 0x0a0a, keyExchange: new Uint8Array(0) }]).alert, 'decode_error');
});

test('RFC 8446 section 4.2.8: every key share of the right length passes the length check', (t) => {
  const client = TLSEngine.client({ ...testClientSettings(), groups: ['x25519', 'secp256r1', 'X25519MLKEM768'], keyShareGroups: ['x25519', 'secp256r1', 'X25519MLKEM768'] });
  const server = TLSEngine.server(testServerSettings());
  pump(client, server);
  t.true(server.handshakeComplete);
});
