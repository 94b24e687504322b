/**
 * The RFC 7919 finite-field groups ffdhe2048 .. ffdhe8192 in TLS 1.3: the rules both providers
 * share (private exponent length, RFC 8446 section 4.2.8.1 padding, the RFC 7919 section 5.1
 * check of the peer's value) and the noble provider's groups on micro-rsa-dsa-dh's DH.
 *
 * NOT CONSTANT-TIME on the noble provider: the modular exponentiation is JavaScript bigint
 * square-and-multiply, whose timing depends on the private exponent and the operands. An
 * attacker who can time many handshakes precisely may learn about ephemeral exponents. The
 * node provider (node-ffdhe.ts) runs the same groups on OpenSSL's constant-time code; prefer
 * it, or an ECDHE group, where timing matters. The exponents are ephemeral (one per
 * handshake), which limits, but does not remove, what a timing leak gives away.
 */
import { DH } from 'micro-rsa-dsa-dh/dh.js';
import { ffdhePrimeHex } from './ffdhe-primes.js';
import { groupParameters } from './group-parameters.js';
import { KeyExchangeError, type KeyExchangeGroup, NamedGroup, type RandomSource } from './provider.js';
import { bigintToBytes, bytesToBigint } from './rsa-signatures.js';
import { drawRandom } from './secure-random.js';

/** An RFC 7919 group name. */
export type FfdheGroupName = keyof typeof ffdhePrimeHex;

/** The FFDHE groups, smallest first. */
export const FFDHE_GROUPS: readonly FfdheGroupName[] = ['ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192'];

/** The generator of every RFC 7919 group. */
export const FFDHE_GENERATOR = 2n;

/** The prime of each group. */
export const ffdhePrimes: Readonly<Record<FfdheGroupName, bigint>> = Object.fromEntries(
  FFDHE_GROUPS.map((group) => [group, BigInt('0x' + ffdhePrimeHex[group])]),
) as Record<FfdheGroupName, bigint>;

/**
 * Bits of the private exponent: RFC 7919 appendix A's "secret key of at least N bits" for a
 * short exponent (twice the group's estimated strength), as OpenSSL uses for these groups.
 */
export const ffdhePrivateExponentBits: Readonly<Record<FfdheGroupName, number>> = {
  ffdhe2048: 225,
  ffdhe3072: 275,
  ffdhe4096: 325,
  ffdhe6144: 375,
  ffdhe8192: 400,
};

/** The prime's length in bytes: every share and shared secret has exactly this length. */
export function ffdhePrimeLength(group: FfdheGroupName): number {
  return groupParameters[group].clientShareLength;
}

/** `bytes` left-padded with zeros to `length` (RFC 8446 sections 4.2.8.1 and 7.4.1). */
export function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return bytes;
  if (bytes.length > length) throw new RangeError('value is longer than the prime');
  const padded = new Uint8Array(length);
  padded.set(bytes, length - bytes.length);
  return padded;
}

/**
 * A private exponent of exactly `ffdhePrivateExponentBits[group]` bits (top bit set) from
 * `random`, as prime-length big-endian bytes. Both providers derive it the same way, so the
 * same RandomSource gives the same share on either.
 */
export function ffdhePrivateExponent(group: FfdheGroupName, random: RandomSource): Uint8Array {
  const bits = ffdhePrivateExponentBits[group];
  const length = Math.ceil(bits / 8);
  const raw = drawRandom(random, length).slice();
  const spareBits = 8 * length - bits;
  raw[0] = (raw[0]! & (0xff >> spareBits)) | (0x80 >> spareBits);
  return leftPad(raw, ffdhePrimeLength(group));
}

/**
 * Checks a peer's share before any exponentiation: exactly the prime's length (RFC 8446
 * section 4.2.8.1) and 1 < y < p - 1 (RFC 7919 section 5.1). Throws KeyExchangeError.
 */
export function requireFfdheShare(group: FfdheGroupName, share: Uint8Array): void {
  const length = ffdhePrimeLength(group);
  if (!(share instanceof Uint8Array) || share.length !== length) {
    throw new KeyExchangeError(`an ${group} key share must be ${length} bytes`);
  }
  const y = bytesToBigint(share);
  if (y <= 1n || y >= ffdhePrimes[group] - 1n) throw new KeyExchangeError(`${group} key share is out of range (RFC 7919 section 5.1)`);
}

/** The prime of `group` as big-endian bytes. */
export function ffdhePrimeBytes(group: FfdheGroupName): Uint8Array {
  return bigintToBytes(ffdhePrimes[group], ffdhePrimeLength(group));
}

function nobleFfdheGroup(group: FfdheGroupName): KeyExchangeGroup {
  const dh = DH({ p: ffdhePrimes[group], g: FFDHE_GENERATOR });
  const length = ffdhePrimeLength(group);
  const share = (privateKey: Uint8Array) => leftPad(dh.getPublicKey(privateKey), length);
  const sharedSecret = (privateKey: Uint8Array, peerShare: Uint8Array) => {
    requireFfdheShare(group, peerShare);
    return leftPad(dh.getSharedSecret(privateKey, peerShare), length);
  };
  return {
    name: group,
    code: NamedGroup[group],
    start(random) {
      const privateKey = ffdhePrivateExponent(group, random);
      return { group, share: share(privateKey), complete: (serverShare) => sharedSecret(privateKey, serverShare) };
    },
    respond(clientShare, random) {
      requireFfdheShare(group, clientShare);
      const privateKey = ffdhePrivateExponent(group, random);
      return { share: share(privateKey), sharedSecret: sharedSecret(privateKey, clientShare) };
    },
  };
}

/** The FFDHE groups of the noble provider (bigint arithmetic: not constant-time, see above). */
export const nobleFfdheGroups: Readonly<Record<FfdheGroupName, KeyExchangeGroup>> = Object.fromEntries(
  FFDHE_GROUPS.map((group) => [group, nobleFfdheGroup(group)]),
) as Record<FfdheGroupName, KeyExchangeGroup>;
