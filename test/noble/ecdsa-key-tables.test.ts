/**
 * ECDSA verification with precomputed tables for recurring keys (src/crypto/ecdsa-key-tables.ts):
 * the table path must agree with noble's plain verification (SEC 1 section 4.1.4) on good,
 * tampered, high-S and out-of-range signatures, and stay bounded.
 */
import test from 'ava';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { RECURRING_KEY_TABLES, verifyWithKeyTable } from '../../src/crypto/ecdsa-key-tables.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import type { EcCurveName, PrivateKey, PublicKey, SignatureSchemeName } from '../../src/crypto/provider.js';

const curves = [
  { name: 'P-256', curve: p256, hash: sha256, scheme: 'ecdsa_secp256r1_sha256' },
  { name: 'P-384', curve: p384, hash: sha384, scheme: 'ecdsa_secp384r1_sha384' },
  { name: 'P-521', curve: p521, hash: sha512, scheme: 'ecdsa_secp521r1_sha512' },
] as const;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A fresh key pair in the provider's structures. */
function keyPair(c: (typeof curves)[number]): { publicKey: PublicKey; privateKey: PrivateKey; point: Uint8Array } {
  const d = c.curve.utils.randomSecretKey();
  const point = c.curve.getPublicKey(d, false);
  const curve = c.name as EcCurveName;
  return { publicKey: { kind: 'ec', curve, point }, privateKey: { kind: 'ec', curve, d, publicPoint: point }, point };
}

/** r || s of a compact signature with s replaced by n - s (the high-S twin). */
function highS(c: (typeof curves)[number], raw: Uint8Array): Uint8Array {
  const signature = c.curve.Signature.fromBytes(raw, 'compact');
  return new c.curve.Signature(signature.r, c.curve.Point.Fn.ORDER - signature.s).toBytes('compact');
}

for (const c of curves) {
  test(`${c.name}: a key's table is built on its second use and then agrees with plain verification (SEC 1 4.1.4)`, (t) => {
    const { point, privateKey } = keyPair(c);
    const message = utf8(`message for ${c.name}`);
    const digest = c.hash(message);
    const raw = c.curve.sign(digest, privateKey.kind === 'ec' ? privateKey.d : new Uint8Array(), { prehash: false, format: 'compact' });
    t.is(verifyWithKeyTable(c.name, point, digest, raw), undefined, 'first use: plain path');
    t.true(verifyWithKeyTable(c.name, point, digest, raw), 'second use: table built');
    t.true(verifyWithKeyTable(c.name, point, digest, raw), 'third use: table kept');
    t.true(verifyWithKeyTable(c.name, point, digest, highS(c, raw)), 'high S is accepted, as on the plain path');
    const otherDigest = c.hash(utf8('another message'));
    t.false(verifyWithKeyTable(c.name, point, otherDigest, raw), 'other message');
    const flipped = raw.slice();
    flipped[5]! ^= 1;
    t.is(verifyWithKeyTable(c.name, point, digest, flipped), c.curve.verify(flipped, digest, point, { prehash: false, lowS: false, format: 'compact' }));
    t.false(verifyWithKeyTable(c.name, point, digest, flipped), 'tampered r');
    const n = c.curve.Point.Fn.ORDER;
    const zeroR = new Uint8Array(raw.length);
    zeroR.set(raw.subarray(raw.length / 2), raw.length / 2);
    t.throws(() => verifyWithKeyTable(c.name, point, digest, zeroR), undefined, 'r = 0 is out of range');
    const bytes = raw.length / 2;
    const sIsN = raw.slice();
    const nBytes = new Uint8Array(bytes);
    for (let i = 0, v = n; i < bytes; i++, v >>= 8n) nBytes[bytes - 1 - i] = Number(v & 0xffn);
    sIsN.set(nBytes, bytes);
    t.throws(() => verifyWithKeyTable(c.name, point, digest, sIsN), undefined, 's = n is out of range');
  });

  test(`${c.name}: the provider's verify gives the same answers before and after a key recurs`, (t) => {
    const { publicKey, privateKey } = keyPair(c);
    const scheme = c.scheme as SignatureSchemeName;
    for (let i = 0; i < 4; i++) {
      const message = utf8(`connection ${i}`);
      const signature = nobleCryptoProvider.sign(scheme, privateKey, message, nobleCryptoProvider.random);
      t.true(nobleCryptoProvider.verify(scheme, publicKey, message, signature), `good signature, use ${i}`);
      t.false(nobleCryptoProvider.verify(scheme, publicKey, utf8(`connection ${i}!`), signature), `wrong message, use ${i}`);
    }
  });
}

test('at most RECURRING_KEY_TABLES keys keep a table; the least recently used is dropped first', (t) => {
  const c = curves[0];
  const keys = Array.from({ length: RECURRING_KEY_TABLES + 1 }, () => keyPair(c));
  const digest = c.hash(utf8('bounded'));
  const signatures = keys.map((k) => c.curve.sign(digest, k.privateKey.kind === 'ec' ? k.privateKey.d : new Uint8Array(), { prehash: false, format: 'compact' }));
  for (let i = 0; i < keys.length; i++) {
    verifyWithKeyTable('P-256', keys[i]!.point, digest, signatures[i]!);
    t.true(verifyWithKeyTable('P-256', keys[i]!.point, digest, signatures[i]!), `key ${i} has a table`);
  }
  // Key 0's table was the oldest: it is gone (its next use is the plain path, and then a table again).
  t.is(verifyWithKeyTable('P-256', keys[0]!.point, digest, signatures[0]!), undefined);
  t.true(verifyWithKeyTable('P-256', keys[keys.length - 1]!.point, digest, signatures[keys.length - 1]!), 'the newest keeps its table');
});
