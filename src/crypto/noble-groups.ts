/**
 * The TLS 1.3 key-exchange groups on noble: x25519 and x448 (RFC 7748), secp256r1, secp384r1
 * and secp521r1 (uncompressed points, RFC 8446 section 4.2.8.2), the RFC 7919 FFDHE groups
 * (ffdhe.ts) and the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 first, then
 * X25519). Every private value is drawn from the RandomSource passed in, so a handshake
 * replays byte for byte. Used by noble.ts; node.ts shares the private-scalar derivation so
 * both providers make the same shares.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { nobleFfdheGroups } from './ffdhe.js';
import { groupParameters } from './group-parameters.js';
import {
  type ClientKeyShare,
  KeyExchangeError,
  type KeyExchangeGroup,
  NamedGroup,
  type NamedGroupName,
  type RandomSource,
} from './provider.js';
import { drawRandom } from './secure-random.js';

/** A NIST ECDHE group name. */
export type EcdheGroupName = 'secp256r1' | 'secp384r1' | 'secp521r1';
/** An RFC 7748 group name. */
export type MontgomeryGroupName = 'x25519' | 'x448';

const nistCurves = { secp256r1: p256, secp384r1: p384, secp521r1: p521 } as const;

/** Sizes of the X25519MLKEM768 pieces (FIPS 203 table 3, RFC 7748). */
const hybridLengths = {
  encapsulationKey: 1184,
  ciphertext: 1088,
  x25519: 32,
  clientShare: 1184 + 32,
  serverShare: 1088 + 32,
  sharedSecret: 64,
} as const;

/** Bytes of randomness ML-KEM-768 draws: the keygen seed (d || z) and the encapsulation message. */
const mlKemSeedLength = 64;
const mlKemMessageLength = 32;

/** True when every byte is zero, without an early exit. */
export function isAllZero(bytes: Uint8Array): boolean {
  let accumulated = 0;
  for (const byte of bytes) accumulated |= byte;
  return accumulated === 0;
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

function requireBytes(share: Uint8Array, length: number, what: string): void {
  if (!(share instanceof Uint8Array) || share.length !== length) {
    throw new KeyExchangeError(`${what} must be ${length} bytes`);
  }
}

const montgomeryCurves = { x25519, x448 } as const;

/** Private key (and share) length of an RFC 7748 group: 32 for X25519, 56 for X448. */
export function montgomeryKeyLength(group: MontgomeryGroupName): number {
  return groupParameters[group].clientShareLength;
}

/** The X25519 or X448 shared secret; throws KeyExchangeError for a bad length or the all-zero secret (RFC 8446 section 7.4.2). */
function montgomerySharedSecret(group: MontgomeryGroupName, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array {
  requireBytes(peerShare, montgomeryKeyLength(group), `an ${group} key share`);
  let secret: Uint8Array;
  try {
    secret = montgomeryCurves[group].getSharedSecret(privateKey, peerShare);
  } catch {
    throw new KeyExchangeError(`${group} key share is a low-order point`);
  }
  if (isAllZero(secret)) throw new KeyExchangeError(`${group} shared secret is all zeros`);
  return secret;
}

function x25519SharedSecret(privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array {
  return montgomerySharedSecret('x25519', privateKey, peerShare);
}

function montgomeryGroup(group: MontgomeryGroupName): KeyExchangeGroup {
  const curve = montgomeryCurves[group];
  const length = montgomeryKeyLength(group);
  return {
    name: group,
    code: NamedGroup[group],
    start(random: RandomSource): ClientKeyShare {
      const privateKey = drawRandom(random, length);
      return {
        group,
        share: curve.getPublicKey(privateKey),
        complete: (serverShare) => montgomerySharedSecret(group, privateKey, serverShare),
      };
    },
    respond(clientShare, random) {
      requireBytes(clientShare, length, `an ${group} key share`);
      const privateKey = drawRandom(random, length);
      const sharedSecret = montgomerySharedSecret(group, privateKey, clientShare);
      return { share: curve.getPublicKey(privateKey), sharedSecret };
    },
  };
}

/** Length of an uncompressed point on the group's curve (0x04 || x || y). */
function uncompressedPointLength(group: EcdheGroupName): number {
  return groupParameters[group].clientShareLength;
}

/**
 * The ECDHE private scalar for `group`: noble's seed length of random bytes (1.5 times the
 * order's size) reduced into [1, n - 1], so the modulo bias is negligible.
 */
export function ecdhePrivateScalar(group: EcdheGroupName, random: RandomSource): Uint8Array {
  const curve = nistCurves[group];
  return curve.utils.randomSecretKey(drawRandom(random, curve.lengths.seed!));
}

/** Checks that a peer's share is an uncompressed point of the right length (not on-curve yet). */
export function requireUncompressedPoint(group: EcdheGroupName, share: Uint8Array): void {
  const length = uncompressedPointLength(group);
  if (!(share instanceof Uint8Array) || share.length !== length || share[0] !== 0x04) {
    throw new KeyExchangeError(`a ${group} key share must be an uncompressed point of ${length} bytes`);
  }
}

function ecdheSharedSecret(group: EcdheGroupName, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array {
  requireUncompressedPoint(group, peerShare);
  let sharedPoint: Uint8Array;
  try {
    sharedPoint = nistCurves[group].getSharedSecret(privateKey, peerShare, true);
  } catch {
    throw new KeyExchangeError(`${group} key share is not a point on the curve`);
  }
  return sharedPoint.slice(1); // the x-coordinate (RFC 8446 section 7.4.2)
}

function ecdheGroup(group: EcdheGroupName): KeyExchangeGroup {
  const curve = nistCurves[group];
  return {
    name: group,
    code: NamedGroup[group],
    start(random) {
      const privateKey = ecdhePrivateScalar(group, random);
      return {
        group,
        share: curve.getPublicKey(privateKey, false),
        complete: (serverShare) => ecdheSharedSecret(group, privateKey, serverShare),
      };
    },
    respond(clientShare, random) {
      requireUncompressedPoint(group, clientShare);
      const privateKey = ecdhePrivateScalar(group, random);
      const sharedSecret = ecdheSharedSecret(group, privateKey, clientShare);
      return { share: curve.getPublicKey(privateKey, false), sharedSecret };
    },
  };
}

const x25519MlKem768Group: KeyExchangeGroup = {
  name: 'X25519MLKEM768',
  code: NamedGroup.X25519MLKEM768,
  start(random) {
    const { publicKey, secretKey } = ml_kem768.keygen(drawRandom(random, mlKemSeedLength));
    const x25519Private = drawRandom(random, 32);
    return {
      group: 'X25519MLKEM768',
      share: concat(publicKey, x25519.getPublicKey(x25519Private)),
      complete(serverShare) {
        requireBytes(serverShare, hybridLengths.serverShare, 'an X25519MLKEM768 server share');
        const x25519Secret = x25519SharedSecret(x25519Private, serverShare.subarray(hybridLengths.ciphertext));
        // ML-KEM decapsulation never fails for a well-sized ciphertext (implicit rejection).
        const mlKemSecret = ml_kem768.decapsulate(serverShare.subarray(0, hybridLengths.ciphertext), secretKey);
        return concat(mlKemSecret, x25519Secret);
      },
    };
  },
  respond(clientShare, random) {
    requireBytes(clientShare, hybridLengths.clientShare, 'an X25519MLKEM768 client share');
    const encapsulationKey = clientShare.subarray(0, hybridLengths.encapsulationKey);
    const message = drawRandom(random, mlKemMessageLength);
    let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      encapsulated = ml_kem768.encapsulate(encapsulationKey, message);
    } catch {
      throw new KeyExchangeError('ML-KEM-768 encapsulation key fails the FIPS 203 modulus check');
    }
    const x25519Private = drawRandom(random, 32);
    const x25519Secret = x25519SharedSecret(x25519Private, clientShare.subarray(hybridLengths.encapsulationKey));
    return {
      share: concat(encapsulated.cipherText, x25519.getPublicKey(x25519Private)),
      sharedSecret: concat(encapsulated.sharedSecret, x25519Secret),
    };
  },
};

/** Every group the noble provider implements. */
export const nobleKeyExchangeGroups: Readonly<Record<NamedGroupName, KeyExchangeGroup>> = {
  x25519: montgomeryGroup('x25519'),
  x448: montgomeryGroup('x448'),
  secp256r1: ecdheGroup('secp256r1'),
  secp384r1: ecdheGroup('secp384r1'),
  secp521r1: ecdheGroup('secp521r1'),
  ...nobleFfdheGroups,
  X25519MLKEM768: x25519MlKem768Group,
};
