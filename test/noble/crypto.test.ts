/**
 * The engine's crypto providers (noble and node) against published vectors (FIPS 180, RFC 5869,
 * the GCM specification, RFC 8439, RFC 8448), against each other, and against the rules of
 * TLS 1.3 key shares and signature schemes. Every behavioural test runs for both providers.
 */
import test from 'ava';
import { Buffer } from 'node:buffer';
import { type JsonWebKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { composeProviders } from '../../src/crypto/compose.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider, nodeNativeProvider } from '../../src/crypto/node.js';
import { POOLED_DRAW_LIMIT, pooledRandom, RANDOM_POOL_SIZE, secureRandom } from '../../src/crypto/secure-random.js';
import {
  type CryptoProvider,
  type EcCurveName,
  KeyExchangeError,
  NamedGroup,
  type NamedGroupName,
  type PrivateKey,
  type PublicKey,
  type RandomSource,
  SignatureScheme,
  type SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { aeadVectors, hex, rfc5869Case1, rfc8448, toHex, utf8 } from './crypto-vectors.js';

const providers: readonly CryptoProvider[] = [nobleCryptoProvider, nodeCryptoProvider];
const providerPairs = providers.flatMap((a) => providers.map((b) => [a, b] as const));

/** A RandomSource that hands out fixed bytes in order, as a replayed handshake does. */
function replay(bytes: Uint8Array): RandomSource {
  let offset = 0;
  return (length) => {
    if (offset + length > bytes.length) throw new Error('replayed randomness exhausted');
    offset += length;
    return bytes.slice(offset - length, offset);
  };
}
/** A deterministic, non-repeating RandomSource for reproducible tests (SHA-256 in counter mode). */
function seeded(seed: number): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) {
      const block = nobleCryptoProvider.hash('SHA-256').digest(utf8(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, length - i)), i);
    }
    return out;
  };
}

// ---- Keys from node:crypto, as the X.509 layer would hand them over -------------------------

const base64urlBigint = (text: string) => BigInt('0x' + (Buffer.from(text, 'base64url').toString('hex') || '0'));
const base64urlBytes = (text: string) => Uint8Array.from(Buffer.from(text, 'base64url'));

function publicKeyFromJwk(jwk: JsonWebKey, pssOnly = false): PublicKey {
  if (jwk.kty === 'RSA') return { kind: 'rsa', n: base64urlBigint(jwk.n!), e: base64urlBigint(jwk.e!), pssOnly };
  if (jwk.kty === 'OKP') return { kind: jwk.crv === 'Ed448' ? 'ed448' : 'ed25519', key: base64urlBytes(jwk.x!) };
  const point = Uint8Array.from([4, ...base64urlBytes(jwk.x!), ...base64urlBytes(jwk.y!)]);
  return { kind: 'ec', curve: jwk.crv as EcCurveName, point };
}

function privateKeyFromJwk(jwk: JsonWebKey, pssOnly = false): PrivateKey {
  if (jwk.kty === 'RSA') {
    const [n, e, d, p, q, dp, dq, qi] = (['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((name) =>
      base64urlBigint(jwk[name]!),
    ) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    return { kind: 'rsa', n, e, d, p, q, dp, dq, qi, pssOnly };
  }
  if (jwk.kty === 'OKP') {
    return { kind: jwk.crv === 'Ed448' ? 'ed448' : 'ed25519', seed: base64urlBytes(jwk.d!), publicKey: base64urlBytes(jwk.x!) };
  }
  const publicPoint = Uint8Array.from([4, ...base64urlBytes(jwk.x!), ...base64urlBytes(jwk.y!)]);
  return { kind: 'ec', curve: jwk.crv as EcCurveName, d: base64urlBytes(jwk.d!), publicPoint };
}

type KeyPair = { publicKey: PublicKey; privateKey: PrivateKey };
function nodeGeneratedPair(generated: ReturnType<typeof generateKeyPairSync>, pssOnly = false): KeyPair {
  return {
    publicKey: publicKeyFromJwk(generated.publicKey.export({ format: 'jwk' }), pssOnly),
    privateKey: privateKeyFromJwk(generated.privateKey.export({ format: 'jwk' }), pssOnly),
  };
}

const p256Pair = nodeGeneratedPair(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const p384Pair = nodeGeneratedPair(generateKeyPairSync('ec', { namedCurve: 'P-384' }));
const p521Pair = nodeGeneratedPair(generateKeyPairSync('ec', { namedCurve: 'P-521' }));
const ed25519Pair = nodeGeneratedPair(generateKeyPairSync('ed25519'));
const ed448Pair = nodeGeneratedPair(generateKeyPairSync('ed448'));
const rsaGenerated = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPair = nodeGeneratedPair(rsaGenerated);
const rsaPssOnlyPair = nodeGeneratedPair(rsaGenerated, true);

function pairFor(scheme: SignatureSchemeName): KeyPair {
  if (scheme === 'ecdsa_secp256r1_sha256') return p256Pair;
  if (scheme === 'ecdsa_secp384r1_sha384') return p384Pair;
  if (scheme === 'ecdsa_secp521r1_sha512') return p521Pair;
  if (scheme === 'ed25519') return ed25519Pair;
  if (scheme === 'ed448') return ed448Pair;
  return scheme.startsWith('rsa_pss_pss_') ? rsaPssOnlyPair : rsaPair;
}

const allSchemes = Object.keys(SignatureScheme) as SignatureSchemeName[];

// ---- Per-provider behaviour ------------------------------------------------------------------

for (const provider of providers) {
  const name = provider.name;

  test(`${name}: SHA-256 and SHA-384 of "abc"`, (t) => {
    t.is(toHex(provider.hash('SHA-256').digest(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    t.is(
      toHex(provider.hash('SHA-384').digest(utf8('abc'))),
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    t.is(provider.hash('SHA-512').outputLength, 64);
  });

  test(`${name}: a transcript hash can be cloned and read without being finished`, (t) => {
    const transcript = provider.hash('SHA-256').create();
    transcript.update(utf8('a'));
    const atA = transcript.clone();
    transcript.update(utf8('bc'));
    t.is(toHex(transcript.digest()), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    t.is(toHex(transcript.digest()), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    t.deepEqual(atA.digest(), provider.hash('SHA-256').digest(utf8('a')));
    atA.update(utf8('bc'));
    t.deepEqual(atA.digest(), transcript.digest());
  });

  test(`${name}: HMAC-SHA256 and HKDF-SHA256 match RFC 5869 test case 1`, (t) => {
    const { ikm, salt, info, prk, okm } = rfc5869Case1;
    t.is(toHex(provider.hmac('SHA-256', salt, ikm)), prk);
    t.is(toHex(provider.hkdfExtract('SHA-256', salt, ikm)), prk);
    t.is(toHex(provider.hkdfExpand('SHA-256', hex(prk), info, 42)), okm);
    t.throws(() => provider.hkdfExpand('SHA-256', hex(prk), info, 255 * 32 + 1));
  });

  for (const vector of aeadVectors) {
    test(`${name}: ${vector.name} known answer, and tampering makes open return null`, (t) => {
      const key = provider.aead(vector.name, hex(vector.key));
      const [nonce, aad, plaintext] = [hex(vector.nonce), hex(vector.aad), hex(vector.plaintext)];
      const sealed = key.seal(nonce, plaintext, aad);
      t.is(toHex(sealed), vector.sealed);
      t.is(toHex(key.open(nonce, sealed, aad)!), vector.plaintext);
      for (const index of [0, sealed.length - 20, sealed.length - 1]) {
        const tampered = sealed.slice();
        tampered[index]! ^= 0x01;
        t.is(key.open(nonce, tampered, aad), null, `bit flipped at ${index}`);
      }
      t.is(key.open(nonce, sealed, hex('00')), null, 'other AAD');
      t.is(key.open(hex('000000000000000000000000'), sealed, aad), null, 'other nonce');
      t.is(key.open(nonce, sealed.subarray(0, 15), aad), null, 'shorter than a tag');
      t.is(key.open(nonce.subarray(0, 8), sealed, aad), null, 'short nonce');
      const empty = key.seal(nonce, new Uint8Array(0), new Uint8Array(0));
      t.is(empty.length, 16);
      t.deepEqual(key.open(nonce, empty, new Uint8Array(0)), new Uint8Array(0));
    });
  }

  test(`${name}: an AEAD refuses a key of the wrong length`, (t) => {
    t.throws(() => provider.aead('AES-128-GCM', new Uint8Array(32)));
    t.throws(() => provider.aead('CHACHA20-POLY1305', new Uint8Array(16)));
  });

  test(`${name}: x25519 reproduces the RFC 8448 key exchange from injected randomness`, (t) => {
    const group = provider.group('x25519')!;
    t.is(group.code, 0x001d);
    const client = group.start(replay(hex(rfc8448.clientPrivate)));
    t.is(toHex(client.share), rfc8448.clientPublic);
    const server = group.respond(hex(rfc8448.clientPublic), replay(hex(rfc8448.serverPrivate)));
    t.is(toHex(server.share), rfc8448.serverPublic);
    t.is(toHex(server.sharedSecret), rfc8448.sharedSecret);
    t.is(toHex(client.complete(hex(rfc8448.serverPublic))), rfc8448.sharedSecret);
  });

  test(`${name}: x25519 rejects bad lengths and low-order points`, (t) => {
    const group = provider.group('x25519')!;
    const client = group.start(seeded(1));
    t.throws(() => client.complete(new Uint8Array(31)), { instanceOf: KeyExchangeError });
    t.throws(() => client.complete(new Uint8Array(33)), { instanceOf: KeyExchangeError });
    t.throws(() => client.complete(new Uint8Array(32)), { instanceOf: KeyExchangeError }, 'u = 0');
    t.throws(() => group.respond(hex('01'.padEnd(64, '0')), seeded(2)), { instanceOf: KeyExchangeError }, 'u = 1');
  });

  for (const [groupName, pointLength, secretLength] of [
    ['secp256r1', 65, 32],
    ['secp384r1', 97, 48],
  ] as const) {
    test(`${name}: ${groupName} round trip, and off-curve or compressed points are refused`, (t) => {
      const group = provider.group(groupName)!;
      const client = group.start(seeded(3));
      t.is(client.share.length, pointLength);
      t.is(client.share[0], 0x04);
      const server = group.respond(client.share, seeded(4));
      t.is(server.sharedSecret.length, secretLength);
      t.deepEqual(client.complete(server.share), server.sharedSecret);
      t.deepEqual(group.start(seeded(3)).share, client.share, 'same randomness, same share');

      const offCurve = server.share.slice();
      offCurve[pointLength - 1]! ^= 0x01;
      t.throws(() => client.complete(offCurve), { instanceOf: KeyExchangeError });
      t.throws(() => group.respond(offCurve, seeded(5)), { instanceOf: KeyExchangeError });
      const compressed = Uint8Array.from([2 + (server.share[pointLength - 1]! & 1), ...server.share.subarray(1, 1 + secretLength)]);
      t.throws(() => client.complete(compressed), { instanceOf: KeyExchangeError });
      t.throws(() => client.complete(server.share.subarray(1)), { instanceOf: KeyExchangeError });
      t.throws(() => group.respond(new Uint8Array(pointLength), seeded(6)), { instanceOf: KeyExchangeError });
    });
  }

  test(`${name}: X25519MLKEM768 round trip with the draft's lengths, replayable`, (t) => {
    const group = provider.group('X25519MLKEM768')!;
    t.is(group.code, 0x11ec);
    const client = group.start(seeded(7));
    t.is(client.share.length, 1216);
    const server = group.respond(client.share, seeded(8));
    t.is(server.share.length, 1120);
    t.is(server.sharedSecret.length, 64);
    t.deepEqual(client.complete(server.share), server.sharedSecret);
    t.deepEqual(group.start(seeded(7)).share, client.share);
    t.deepEqual(group.respond(client.share, seeded(8)), server);
    // The X25519 half is the last 32 bytes of each share, and of the secret.
    const x25519 = provider.group('x25519')!;
    const x25519Client = x25519.start(replay(seeded(7)(96).subarray(64)));
    t.deepEqual(x25519Client.share, client.share.subarray(1184));
    t.deepEqual(x25519Client.complete(server.share.subarray(1088)), server.sharedSecret.subarray(32));
  });

  test(`${name}: X25519MLKEM768 refuses wrong lengths and a bad encapsulation key`, (t) => {
    const group = provider.group('X25519MLKEM768')!;
    const client = group.start(seeded(9));
    const server = group.respond(client.share, seeded(10));
    for (const length of [0, 32, 1119, 1121, 1216]) {
      t.throws(() => client.complete(new Uint8Array(length)), { instanceOf: KeyExchangeError }, `server share of ${length}`);
    }
    for (const length of [0, 32, 1184, 1215, 1217]) {
      t.throws(() => group.respond(new Uint8Array(length), seeded(11)), { instanceOf: KeyExchangeError }, `client share of ${length}`);
    }
    const badModulus = client.share.slice();
    badModulus.set([0xff, 0xff], 0); // a coefficient of 4095 >= q
    t.throws(() => group.respond(badModulus, seeded(12)), { instanceOf: KeyExchangeError });
    const lowOrder = server.share.slice();
    lowOrder.fill(0, 1088);
    t.throws(() => client.complete(lowOrder), { instanceOf: KeyExchangeError });
  });

  test(`${name}: supportsScheme binds each scheme to its key type, curve, key OID and size`, (t) => {
    t.true(provider.supportsScheme('ecdsa_secp256r1_sha256', p256Pair.publicKey));
    t.true(provider.supportsScheme('ecdsa_secp256r1_sha256', p256Pair.privateKey));
    t.false(provider.supportsScheme('ecdsa_secp384r1_sha384', p256Pair.publicKey));
    t.false(provider.supportsScheme('ecdsa_secp256r1_sha256', p384Pair.privateKey));
    t.false(provider.supportsScheme('ed25519', p256Pair.publicKey));
    t.true(provider.supportsScheme('ed25519', ed25519Pair.privateKey));
    t.false(provider.supportsScheme('rsa_pss_rsae_sha256', ed25519Pair.publicKey));
    for (const scheme of ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha384'] as const) {
      t.true(provider.supportsScheme(scheme, rsaPair.publicKey), scheme);
      t.false(provider.supportsScheme(scheme, rsaPssOnlyPair.publicKey), `${scheme} with an RSASSA-PSS key`);
    }
    t.false(provider.supportsScheme('rsa_pss_pss_sha256', rsaPair.privateKey));
    t.true(provider.supportsScheme('rsa_pss_pss_sha256', rsaPssOnlyPair.privateKey));
    t.false(provider.supportsScheme('ecdsa_secp256r1_sha256', rsaPair.publicKey));
    const rsa1024 = { kind: 'rsa', n: (1n << 1023n) + 1n, e: 65537n } as const;
    t.true(provider.supportsScheme('rsa_pss_rsae_sha256', rsa1024));
    t.false(provider.supportsScheme('rsa_pss_rsae_sha512', rsa1024), 'PSS-SHA512 does not fit 1024 bits');
    t.false(provider.supportsScheme('rsa_pss_rsae_sha256', { kind: 'rsa', n: (1n << 1000n) + 1n, e: 65537n }));
    t.false(provider.supportsScheme('rsa_pss_rsae_sha256', { ...rsa1024, e: 65536n }));
  });

  test(`${name}: verifies the RFC 8448 server CertificateVerify (rsa_pss_rsae_sha256)`, (t) => {
    const key = publicKeyFromJwk(createPublicKey(rfc8448.serverCertificate).export({ format: 'jwk' }));
    const [message, signature] = [hex(rfc8448.messageToSign), hex(rfc8448.signature)];
    t.true(provider.verify('rsa_pss_rsae_sha256', key, message, signature));
    const tampered = signature.slice();
    tampered[100]! ^= 0x80;
    t.false(provider.verify('rsa_pss_rsae_sha256', key, message, tampered));
    t.false(provider.verify('rsa_pss_rsae_sha256', key, message.subarray(1), signature));
    t.false(provider.verify('rsa_pss_rsae_sha256', key, message, signature.subarray(1)));
    t.false(provider.verify('rsa_pss_rsae_sha384', key, message, signature));
    t.false(provider.verify('rsa_pkcs1_sha256', key, message, signature));
    t.false(provider.verify('rsa_pss_pss_sha256', key, message, signature), 'rsaEncryption key, rsa_pss_pss scheme');
  });

  test(`${name}: verify returns false, never throws, on malformed input`, (t) => {
    const message = utf8('hello');
    const junk = [new Uint8Array(0), new Uint8Array(64), hex('3006020101020101'), hex('30')];
    for (const scheme of allSchemes) {
      for (const signature of junk) t.false(provider.verify(scheme, pairFor(scheme).publicKey, message, signature));
    }
    const broken = [
      { kind: 'ec', curve: 'P-256', point: new Uint8Array(65) },
      { kind: 'ec', curve: 'P-256', point: new Uint8Array(3) },
      { kind: 'rsa', n: 0n, e: 3n },
      { kind: 'rsa', n: 'x', e: 3n },
      { kind: 'ed25519', key: new Uint8Array(5) },
      null,
    ] as unknown as PublicKey[];
    for (const key of broken) {
      for (const scheme of allSchemes) t.false(provider.verify(scheme, key, message, new Uint8Array(64)));
    }
    t.false(provider.verify('no_such_scheme' as SignatureSchemeName, p256Pair.publicKey, message, new Uint8Array(64)));
    t.false(provider.verify('ed25519', ed25519Pair.publicKey, 'hello' as unknown as Uint8Array, new Uint8Array(64)));
  });

  test(`${name}: signing with a scheme that does not fit the key throws`, (t) => {
    t.throws(() => provider.sign('ecdsa_secp384r1_sha384', p256Pair.privateKey, utf8('m'), seeded(13)));
    t.throws(() => provider.sign('rsa_pss_pss_sha256', rsaPair.privateKey, utf8('m'), seeded(13)));
  });
}

test('noble: an RSA key with a corrupted CRT exponent makes signing throw, not leak a faulty signature', (t) => {
  const privateKey = rsaPair.privateKey as PrivateKey & { kind: 'rsa' };
  const corrupted: PrivateKey = { ...privateKey, dp: privateKey.dp + 2n };
  t.throws(() => nobleCryptoProvider.sign('rsa_pss_rsae_sha256', corrupted, utf8('m'), seeded(14)), {
    message: /failed its own verification/,
  });
});

// ---- Between providers -----------------------------------------------------------------------

const groupNames = Object.keys(NamedGroup) as NamedGroupName[];

for (const [clientProvider, serverProvider] of providerPairs) {
  test(`key exchange: ${clientProvider.name} client with ${serverProvider.name} server, every group`, (t) => {
    for (const groupName of groupNames) {
      const client = clientProvider.group(groupName)!.start(seeded(20));
      const server = serverProvider.group(groupName)!.respond(client.share, seeded(21));
      t.deepEqual(client.complete(server.share), server.sharedSecret, groupName);
    }
  });

  test(`signatures: ${clientProvider.name} signs, ${serverProvider.name} verifies, every scheme`, (t) => {
    const message = utf8('TLS 1.3, server CertificateVerify');
    for (const scheme of allSchemes) {
      const { publicKey, privateKey } = pairFor(scheme);
      const signature = clientProvider.sign(scheme, privateKey, message, seeded(22));
      t.true(serverProvider.verify(scheme, publicKey, message, signature), scheme);
      t.false(serverProvider.verify(scheme, publicKey, utf8('another message'), signature), `${scheme}, other message`);
      const tampered = signature.slice();
      tampered[tampered.length >> 1]! ^= 0x04;
      t.false(serverProvider.verify(scheme, publicKey, message, tampered), `${scheme}, tampered`);
    }
  });
}

test('both providers make identical key shares from the same randomness', (t) => {
  for (const groupName of groupNames) {
    const fromNoble = nobleCryptoProvider.group(groupName)!.start(seeded(30));
    const fromNode = nodeCryptoProvider.group(groupName)!.start(seeded(30));
    t.deepEqual(fromNoble.share, fromNode.share, groupName);
    const nobleAnswer = nobleCryptoProvider.group(groupName)!.respond(fromNoble.share, seeded(31));
    t.deepEqual(nodeCryptoProvider.group(groupName)!.respond(fromNoble.share, seeded(31)), nobleAnswer, groupName);
  }
});

test('RSA (PSS with an injected salt, and PKCS#1), Ed25519 and Ed448 signatures are identical across providers', (t) => {
  const message = utf8('replayable');
  for (const scheme of allSchemes.filter((name) => !name.startsWith('ecdsa'))) {
    const { privateKey } = pairFor(scheme);
    t.deepEqual(
      nobleCryptoProvider.sign(scheme, privateKey, message, seeded(40)),
      nodeCryptoProvider.sign(scheme, privateKey, message, seeded(40)),
      scheme,
    );
  }
});

/** DER-encodes an ECDSA (r, s) pair, for building edge-case signatures. */
function ecdsaDer(r: bigint, s: bigint): Uint8Array {
  const integer = (value: bigint) => {
    let body = hex(value.toString(16).padStart(2 * Math.ceil(value.toString(16).length / 2), '0'));
    if (body[0]! & 0x80) body = Uint8Array.from([0, ...body]);
    return [0x02, body.length, ...body];
  };
  const content = [...integer(r), ...integer(s)];
  return Uint8Array.from([0x30, content.length, ...content]);
}
function ecdsaParse(der: Uint8Array): [bigint, bigint] {
  const rLength = der[3]!;
  const r = BigInt('0x' + toHex(der.subarray(4, 4 + rLength)));
  const s = BigInt('0x' + toHex(der.subarray(6 + rLength)));
  return [r, s];
}
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

for (const provider of providers) {
  test(`${provider.name}: ECDSA accepts high S but only strict DER`, (t) => {
    const message = utf8('strict');
    // A signature whose r has its top bit clear, so a leading zero byte is superfluous.
    let seed = 50;
    let signature = nobleCryptoProvider.sign('ecdsa_secp256r1_sha256', p256Pair.privateKey, message, seeded(seed));
    while (signature[3] !== 32 || signature[4]! & 0x80) {
      signature = nobleCryptoProvider.sign('ecdsa_secp256r1_sha256', p256Pair.privateKey, message, seeded(++seed));
    }
    const [r, s] = ecdsaParse(signature);
    const verify = (candidate: Uint8Array) =>
      provider.verify('ecdsa_secp256r1_sha256', p256Pair.publicKey, message, candidate);
    t.true(verify(ecdsaDer(r, s)), 're-encoded');
    t.true(verify(ecdsaDer(r, p256Order - s)), 'high S');
    t.false(verify(ecdsaDer(r, s + p256Order)), 's + n');
    t.false(verify(ecdsaDer(0n, s)), 'r = 0');
    t.false(verify(Uint8Array.from([...signature, 0x00])), 'trailing byte');
    const longForm = Uint8Array.from([0x30, 0x81, ...signature.subarray(1)]);
    t.false(verify(longForm), 'long-form length');
    const paddedR = Uint8Array.from([0x30, signature[1]! + 1, 0x02, 33, 0x00, ...signature.subarray(4)]);
    t.false(verify(paddedR), 'superfluous leading zero');
    t.false(verify(Uint8Array.from([0x31, ...signature.subarray(1)])), 'SET instead of SEQUENCE');
  });
}

// ---- Composition and portability -------------------------------------------------------------

test('composeProviders takes each part from the first provider that has it', (t) => {
  t.is(nodeCryptoProvider.name, 'node');
  t.is(nodeNativeProvider.group?.('X25519MLKEM768'), undefined);
  t.is(nodeCryptoProvider.group('X25519MLKEM768'), nobleCryptoProvider.group('X25519MLKEM768'));
  t.is(nodeCryptoProvider.group('x25519'), nodeNativeProvider.group?.('x25519'));
  const onlyName = composeProviders({ name: 'renamed' }, nobleCryptoProvider);
  t.is(onlyName.name, 'renamed');
  t.is(onlyName.group('x25519'), nobleCryptoProvider.group('x25519'));
  t.is(toHex(onlyName.hmac('SHA-256', rfc5869Case1.salt, rfc5869Case1.ikm)), rfc5869Case1.prk);
  const noSigner = composeProviders({ supportsScheme: () => false }, nodeCryptoProvider);
  const signature = noSigner.sign('ed25519', ed25519Pair.privateKey, utf8('m'), seeded(60));
  t.true(nobleCryptoProvider.verify('ed25519', ed25519Pair.publicKey, utf8('m'), signature));
});

test('the noble provider and everything it imports use no node: module and no Buffer', (t) => {
  const visited = new Set<string>();
  const pending = [new URL('../../src/crypto/noble.js', import.meta.url)];
  while (pending.length > 0) {
    const url = pending.pop()!;
    if (visited.has(url.href)) continue;
    visited.add(url.href);
    const code = readFileSync(url, 'utf8');
    const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
    for (const specifier of specifiers) {
      t.false(specifier.startsWith('node:'), `${url.pathname} imports ${specifier}`);
      t.false(['crypto', 'buffer', 'fs', 'os', 'path'].includes(specifier), `${url.pathname} imports ${specifier}`);
      if (specifier.startsWith('.')) pending.push(new URL(specifier, url));
    }
    t.false(/\bBuffer\b/.test(code.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')), `${url.pathname} uses Buffer`);
    t.false(/\brequire\s*\(/.test(code), `${url.pathname} calls require`);
  }
  t.true(visited.size >= 5, 'followed the local imports');
});

for (const [name, random] of [
  ['node provider', nodeCryptoProvider.random],
  ['Web Crypto (noble provider)', secureRandom],
] as const) {
  test(`${name} randomness: pooled draws are fresh copies of the right length, never shared`, (t) => {
    const draws = Array.from({ length: 200 }, (_, i) => random(1 + (i % 40)));
    draws.forEach((d, i) => t.is(d.length, 1 + (i % 40)));
    t.is(random(0).length, 0);
    t.is(random(4096).length, 4096);
    // Writing to one draw changes no other (no views of a shared pool handed out).
    const before = draws.map((d) => Buffer.from(d).toString('hex'));
    for (const d of draws) d.fill(0xaa);
    t.deepEqual(draws.map((d) => d.every((b) => b === 0xaa)), draws.map(() => true));
    const later = random(32);
    t.false(later.every((b) => b === 0xaa));
    t.is(new Set(before.filter((h) => h.length >= 32)).size, before.filter((h) => h.length >= 32).length, '16-byte-or-longer draws all differ');
  });
}

test('pooledRandom: small draws share one CSPRNG call per RANDOM_POOL_SIZE bytes and are wiped from the pool', (t) => {
  const filled: Uint8Array[] = [];
  let counter = 0;
  const random = pooledRandom((bytes) => {
    filled.push(bytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (counter++ % 255) + 1;
  });
  const draws = Array.from({ length: RANDOM_POOL_SIZE / 32 }, () => random(32));
  t.is(filled.length, 1);
  t.true(filled[0]!.every((b) => b === 0), 'every handed-out byte is wiped from the pool');
  t.is(new Set(draws.map((d) => d.join())).size, draws.length);
  random(1);
  t.is(filled.length, 2);
  random(POOLED_DRAW_LIMIT + 1);
  t.is(filled.length, 3, 'a long draw is filled directly');
  t.is(filled[2]!.length, POOLED_DRAW_LIMIT + 1);
});
