/**
 * Signing and verification for the noble provider: ECDSA P-256/P-384/P-521 (DER signatures,
 * strict decoding, low and high S both accepted), Ed25519 and Ed448 (RFC 8032, strict
 * encodings, pure Ed448 with an empty context as RFC 8446 section 4.2.3 uses it) and RSA
 * (rsa-signatures.ts). ECDSA keys that recur are verified with precomputed tables (ecdsa-key-tables.ts),
 * and a signature verified once (a CA's on a server certificate) is remembered (verified-signatures.ts). Called by noble.ts; the scheme table is in signature-schemes.ts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { ecdsaDerToRaw } from './ecdsa-der.js';
import { verifyWithKeyTable } from './ecdsa-key-tables.js';
import type { HashName, PrivateKey, PublicKey, RandomSource, SignatureSchemeName } from './provider.js';
import { rsaSign, rsaVerify } from './rsa-signatures.js';
import { drawRandom } from './secure-random.js';
import { memoisedVerify } from './verified-signatures.js';
import { curveScalarLength, eddsaLengths, parametersOf, schemeFitsKey } from './signature-schemes.js';

const curves = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const hashFunctions: Readonly<Record<HashName, (data: Uint8Array) => Uint8Array>> = {
  'SHA-256': sha256,
  'SHA-384': sha384,
  'SHA-512': sha512,
};

/** Verifies `signature` over `message`; false for any mismatch or malformed input, never throws. Good signatures are remembered (verified-signatures.ts). */
export const nobleVerify = memoisedVerify(verifyOnce, sha256);

function verifyOnce(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    const parameters = parametersOf(scheme);
    if (parameters === undefined || !schemeFitsKey(scheme, key)) return false;
    switch (parameters.family) {
      case 'ecdsa': {
        if (key.kind !== 'ec') return false;
        const raw = ecdsaDerToRaw(signature, curveScalarLength[parameters.curve]);
        if (raw === null) return false;
        const digest = hashFunctions[parameters.hash](message);
        // A key that recurs (a CA's, a server's) is verified with its precomputed table.
        const recurring = verifyWithKeyTable(key.curve, key.point, digest, raw);
        if (recurring !== undefined) return recurring;
        return curves[parameters.curve].verify(raw, digest, key.point, { prehash: false, lowS: false, format: 'compact' });
      }
      case 'ed25519':
        if (key.kind !== 'ed25519' || signature.length !== 64) return false;
        return ed25519.verify(signature, message, key.key, { zip215: false });
      case 'ed448':
        if (key.kind !== 'ed448' || signature.length !== eddsaLengths.ed448.signature) return false;
        return ed448.verify(signature, message, key.key, { zip215: false });
      case 'rsa':
        if (key.kind !== 'rsa') return false;
        return rsaVerify(key, parameters.padding, parameters.hash, message, signature);
    }
  } catch {
    return false;
  }
}

/**
 * Signs `message`. ECDSA is RFC 6979 hedged with extra entropy from `random`; the PSS salt
 * comes from `random`; RSA blinding comes from `blindingRandom` (it never shows in the output).
 */
export function nobleSign(
  scheme: SignatureSchemeName,
  key: PrivateKey,
  message: Uint8Array,
  random: RandomSource,
  blindingRandom: RandomSource,
): Uint8Array {
  const parameters = parametersOf(scheme);
  if (parameters === undefined || !schemeFitsKey(scheme, key)) {
    throw new Error(`signature scheme ${String(scheme)} does not fit this ${String(key?.kind)} key`);
  }
  switch (parameters.family) {
    case 'ecdsa': {
      if (key.kind !== 'ec') break;
      const digest = hashFunctions[parameters.hash](message);
      const extraEntropy = drawRandom(random, curveScalarLength[parameters.curve]);
      return curves[parameters.curve].sign(digest, key.d, { prehash: false, lowS: true, format: 'der', extraEntropy });
    }
    case 'ed25519':
      if (key.kind !== 'ed25519') break;
      return ed25519.sign(message, key.seed);
    case 'ed448':
      if (key.kind !== 'ed448') break;
      return ed448.sign(message, key.seed);
    case 'rsa':
      if (key.kind !== 'rsa') break;
      return rsaSign(key, parameters.padding, parameters.hash, message, random, blindingRandom);
  }
  throw new Error(`signature scheme ${scheme} does not fit this key`);
}
