/**
 * The providers' memo of good signatures (src/crypto/verified-signatures.ts), on noble and on
 * node:crypto: a
 * remembered success answers only the exact same (scheme, key, message, signature); any
 * change is verified afresh and fails as it must (RFC 8446 section 4.4.3, RFC 5280 4.1.1.3).
 */
import test from 'ava';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import type { CryptoProvider, PrivateKey, PublicKey, SignatureSchemeName } from '../../src/crypto/provider.js';
import { VERIFIED_SIGNATURES, verificationId, verifiedBefore } from '../../src/crypto/verified-signatures.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function p256Pair(): { publicKey: PublicKey; privateKey: PrivateKey } {
  const d = p256.utils.randomSecretKey();
  const point = p256.getPublicKey(d, false);
  return { publicKey: { kind: 'ec', curve: 'P-256', point }, privateKey: { kind: 'ec', curve: 'P-256', d, publicPoint: point } };
}

function ed25519Pair(): { publicKey: PublicKey; privateKey: PrivateKey } {
  const seed = ed25519.utils.randomSecretKey();
  const key = ed25519.getPublicKey(seed);
  return { publicKey: { kind: 'ed25519', key }, privateKey: { kind: 'ed25519', seed, publicKey: key } };
}

const cases: [SignatureSchemeName, () => { publicKey: PublicKey; privateKey: PrivateKey }][] = [
  ['ecdsa_secp256r1_sha256', p256Pair],
  ['ed25519', ed25519Pair],
];

const providers: [string, CryptoProvider][] = [
  ['noble', nobleCryptoProvider],
  ['node', nodeCryptoProvider],
];

for (const [providerName, provider] of providers) {
  for (const [scheme, pair] of cases) {
    test(`${providerName}, ${scheme}: a remembered good signature answers only the exact same question`, (t) => {
      const { publicKey, privateKey } = pair();
      const other = pair().publicKey;
      const message = utf8('tbsCertificate');
      const signature = provider.sign(scheme, privateKey, message, provider.random);
      const id = verificationId(scheme, publicKey, message, signature)!;
      t.false(verifiedBefore(id), 'not remembered before the first verification');
      t.true(provider.verify(scheme, publicKey, message, signature));
      t.true(verifiedBefore(id), 'remembered after it');
      t.true(provider.verify(scheme, publicKey, message, signature), 'answered from the memo');
      t.false(provider.verify(scheme, publicKey, utf8('tbsCertificatf'), signature), 'another message');
      t.false(provider.verify(scheme, other, message, signature), 'another key');
      const tampered = signature.slice();
      tampered[tampered.length - 3]! ^= 0x10;
      t.false(provider.verify(scheme, publicKey, message, tampered), 'another signature');
    });
  }

  test(`${providerName}: a failed verification is never remembered`, (t) => {
    const { publicKey, privateKey } = p256Pair();
    const signature = provider.sign('ecdsa_secp256r1_sha256', privateKey, utf8('a'), provider.random);
    t.false(provider.verify('ecdsa_secp256r1_sha256', publicKey, utf8('b'), signature));
    t.false(verifiedBefore(verificationId('ecdsa_secp256r1_sha256', publicKey, utf8('b'), signature)!));
  });

  test(`${providerName}: at most VERIFIED_SIGNATURES good signatures are remembered`, (t) => {
    const { publicKey, privateKey } = ed25519Pair();
    const ids: string[] = [];
    for (let i = 0; i <= VERIFIED_SIGNATURES; i++) {
      const message = utf8(`${providerName} message ${i}`);
      const signature = provider.sign('ed25519', privateKey, message, provider.random);
      t.true(provider.verify('ed25519', publicKey, message, signature));
      ids.push(verificationId('ed25519', publicKey, message, signature)!);
    }
    t.false(verifiedBefore(ids[0]!), 'the oldest was dropped');
    t.true(verifiedBefore(ids[ids.length - 1]!), 'the newest is kept');
  });
}
