/**
 * RSA signatures for TLS (RFC 8017): the EMSA-PSS (salt = hash length, MGF1 with the same
 * hash) and EMSA-PKCS1-v1_5 encodings, verification through micro-rsa-dsa-dh, and a private-key
 * operation of our own, because the library's is neither blinded nor CRT: bigint arithmetic
 * is not constant-time, so the message is blinded (m' = m * r^e), the CRT exponents are
 * blinded (dp + t * (p - 1)), exponentiation uses a fixed window, and the result is checked
 * with the public exponent before it leaves (fault attacks). Pure TypeScript; the node provider
 * reuses the PSS encoder so its salts also come from the injected RandomSource.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { PKCS1_SHA256, PKCS1_SHA384, PKCS1_SHA512, PSS, mgf1 } from 'micro-rsa-dsa-dh/rsa.js';
import type { HashName, PrivateKey, PublicKey, RandomSource } from './provider.js';
import { drawRandom } from './secure-random.js';
import { bitLength } from './signature-schemes.js';

/** An RSA private key. */
export type RsaPrivateKey = Extract<PrivateKey, { kind: 'rsa' }>;
/** An RSA public key. */
export type RsaPublicKey = Extract<PublicKey, { kind: 'rsa' }>;
/** The two RSA signature paddings of TLS. */
export type RsaPadding = 'pss' | 'pkcs1';

const hashFunctions = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

/** DER DigestInfo prefixes (RFC 8017 section 9.2, note 1). */
const digestInfoPrefixes: Readonly<Record<HashName, string>> = {
  'SHA-256': '3031300d060960864801650304020105000420',
  'SHA-384': '3041300d060960864801650304020205000430',
  'SHA-512': '3051300d060960864801650304020305000440',
};

const masks = {
  'SHA-256': mgf1(sha256),
  'SHA-384': mgf1(sha384),
  'SHA-512': mgf1(sha512),
} as const;

const verifiers = {
  pss: {
    'SHA-256': PSS(sha256, masks['SHA-256'], 32),
    'SHA-384': PSS(sha384, masks['SHA-384'], 48),
    'SHA-512': PSS(sha512, masks['SHA-512'], 64),
  },
  pkcs1: { 'SHA-256': PKCS1_SHA256, 'SHA-384': PKCS1_SHA384, 'SHA-512': PKCS1_SHA512 },
} as const;

/** Big-endian bytes to a non-negative bigint. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** A non-negative bigint as exactly `length` big-endian bytes (throws if it does not fit). */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16);
  if (value < 0n || hex.length > 2 * length) throw new RangeError('integer does not fit');
  const bytes = new Uint8Array(length);
  const padded = hex.padStart(2 * length, '0');
  for (let i = 0; i < length; i++) bytes[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function hexToBytes(hex: string): Uint8Array {
  return bigintToBytes(BigInt('0x' + hex), hex.length / 2);
}

/**
 * base^exponent mod modulus with a fixed 4-bit window: per hex digit of the exponent, four
 * squarings and one multiplication, whatever the digit (a regular sequence of operations).
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  const reduced = ((base % modulus) + modulus) % modulus;
  const table: bigint[] = [1n, reduced];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * reduced) % modulus);
  let result = 1n;
  for (const digit of exponent.toString(16)) {
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * table[parseInt(digit, 16)]!) % modulus;
  }
  return result;
}

/** a^-1 mod m by the extended Euclidean algorithm, or null when gcd(a, m) != 1. */
function modInverse(a: bigint, m: bigint): bigint | null {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return oldR === 1n ? ((oldS % m) + m) % m : null;
}

/** EMSA-PSS-ENCODE (RFC 8017 section 9.1.1), salt of hash length drawn from `random`. */
export function emsaPssEncode(hash: HashName, message: Uint8Array, modulusBits: number, random: RandomSource): Uint8Array {
  const hashFunction = hashFunctions[hash];
  const hLen = hashFunction.outputLen;
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < 2 * hLen + 2) throw new Error(`RSA key too small for PSS with ${hash}`);
  const salt = drawRandom(random, hLen);
  const prefixed = new Uint8Array(8 + 2 * hLen); // M' = 0x00 x 8 || mHash || salt
  prefixed.set(hashFunction(message), 8);
  prefixed.set(salt, 8 + hLen);
  const h = hashFunction(prefixed);
  const dbLen = emLen - hLen - 1;
  const encoded = new Uint8Array(emLen); // maskedDB || H || 0xbc
  encoded[dbLen - hLen - 1] = 0x01; // DB = PS || 0x01 || salt
  encoded.set(salt, dbLen - hLen);
  const mask = masks[hash](h, { dkLen: dbLen });
  for (let i = 0; i < dbLen; i++) encoded[i]! ^= mask[i]!;
  encoded[0]! &= 0xff >> (8 * emLen - emBits);
  encoded.set(h, dbLen);
  encoded[emLen - 1] = 0xbc;
  return encoded;
}

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 section 9.2) into `length` bytes. */
export function emsaPkcs1Encode(hash: HashName, message: Uint8Array, length: number): Uint8Array {
  const prefix = hexToBytes(digestInfoPrefixes[hash]);
  const digest = hashFunctions[hash](message);
  const tLen = prefix.length + digest.length;
  if (length < tLen + 11) throw new Error(`RSA key too small for PKCS#1 v1.5 with ${hash}`);
  const encoded = new Uint8Array(length); // 0x00 || 0x01 || 0xff... || 0x00 || T
  encoded[1] = 0x01;
  encoded.fill(0xff, 2, length - tLen - 1);
  encoded.set(prefix, length - tLen);
  encoded.set(digest, length - digest.length);
  return encoded;
}

/** A uniformly random value in [1, bound) from `random` (8 spare bytes make the bias negligible). */
function randomBelow(bound: bigint, random: RandomSource): bigint {
  const length = Math.ceil(bitLength(bound) / 8) + 8;
  return (bytesToBigint(drawRandom(random, length)) % (bound - 1n)) + 1n;
}

/**
 * RSASP1 (s = m^d mod n) with multiplicative and exponent blinding over CRT, refusing to
 * return a result that does not verify with e. `blindingRandom` never shapes the output, so it
 * should be the platform CSPRNG even when the caller injects a replayable RandomSource.
 */
export function rsaPrivateOperation(key: RsaPrivateKey, m: bigint, blindingRandom: RandomSource): bigint {
  const { n, e, p, q, dp, dq, qi } = key;
  if (p * q !== n) throw new Error('RSA private key is inconsistent (p * q != n)');
  if (m < 0n || m >= n) throw new RangeError('RSA message representative out of range');
  let r = randomBelow(n, blindingRandom);
  let rInverse = modInverse(r, n);
  while (rInverse === null || r === 1n) {
    r = randomBelow(n, blindingRandom);
    rInverse = modInverse(r, n);
  }
  const blinded = (m * modPow(r, e, n)) % n;
  const t1 = bytesToBigint(drawRandom(blindingRandom, 8));
  const t2 = bytesToBigint(drawRandom(blindingRandom, 8));
  const s1 = modPow(blinded % p, dp + t1 * (p - 1n), p);
  const s2 = modPow(blinded % q, dq + t2 * (q - 1n), q);
  const h = (qi * ((((s1 - s2) % p) + p) % p)) % p;
  const s = ((s2 + h * q) * rInverse) % n;
  if (modPow(s, e, n) !== m) throw new Error('RSA signature failed its own verification (fault or bad key)');
  return s;
}

/** Signs `message` with RSA: the encoding's salt from `random`, blinding from `blindingRandom`. */
export function rsaSign(
  key: RsaPrivateKey,
  padding: RsaPadding,
  hash: HashName,
  message: Uint8Array,
  random: RandomSource,
  blindingRandom: RandomSource,
): Uint8Array {
  const bits = bitLength(key.n);
  const length = Math.ceil(bits / 8);
  const encoded = padding === 'pss' ? emsaPssEncode(hash, message, bits, random) : emsaPkcs1Encode(hash, message, length);
  return bigintToBytes(rsaPrivateOperation(key, bytesToBigint(encoded), blindingRandom), length);
}

/** Verifies an RSA signature with micro-rsa-dsa-dh; false on any malformed input. */
export function rsaVerify(
  key: RsaPublicKey,
  padding: RsaPadding,
  hash: HashName,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verifiers[padding][hash].verify({ n: key.n, e: key.e }, message, signature);
  } catch {
    return false;
  }
}
