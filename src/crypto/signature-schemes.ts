/**
 * The TLS signature schemes as data: which key each one needs, which hash it uses, and the
 * key-size rules every provider applies before it signs or verifies. Shared by the noble
 * and node providers so both accept exactly the same keys.
 */
import type { EcCurveName, HashName, PrivateKey, PublicKey, SignatureSchemeName } from './provider.js';

/** How a scheme signs: key family, then curve (ECDSA) or padding and key OID (RSA), and hash. */
export type SchemeParameters =
  | { readonly family: 'ecdsa'; readonly curve: EcCurveName; readonly hash: HashName }
  | { readonly family: 'ed25519' }
  | { readonly family: 'ed448' }
  | {
      readonly family: 'rsa';
      readonly padding: 'pkcs1' | 'pss';
      /** True for rsa_pss_pss_*: the key must be an id-RSASSA-PSS key. */
      readonly pssKey: boolean;
      readonly hash: HashName;
    };

/** The parameters of every SignatureScheme this engine knows. */
export const schemeParameters: Readonly<Record<SignatureSchemeName, SchemeParameters>> = {
  rsa_pkcs1_sha256: { family: 'rsa', padding: 'pkcs1', pssKey: false, hash: 'SHA-256' },
  rsa_pkcs1_sha384: { family: 'rsa', padding: 'pkcs1', pssKey: false, hash: 'SHA-384' },
  rsa_pkcs1_sha512: { family: 'rsa', padding: 'pkcs1', pssKey: false, hash: 'SHA-512' },
  ecdsa_secp256r1_sha256: { family: 'ecdsa', curve: 'P-256', hash: 'SHA-256' },
  ecdsa_secp384r1_sha384: { family: 'ecdsa', curve: 'P-384', hash: 'SHA-384' },
  ecdsa_secp521r1_sha512: { family: 'ecdsa', curve: 'P-521', hash: 'SHA-512' },
  rsa_pss_rsae_sha256: { family: 'rsa', padding: 'pss', pssKey: false, hash: 'SHA-256' },
  rsa_pss_rsae_sha384: { family: 'rsa', padding: 'pss', pssKey: false, hash: 'SHA-384' },
  rsa_pss_rsae_sha512: { family: 'rsa', padding: 'pss', pssKey: false, hash: 'SHA-512' },
  ed25519: { family: 'ed25519' },
  ed448: { family: 'ed448' },
  rsa_pss_pss_sha256: { family: 'rsa', padding: 'pss', pssKey: true, hash: 'SHA-256' },
  rsa_pss_pss_sha384: { family: 'rsa', padding: 'pss', pssKey: true, hash: 'SHA-384' },
  rsa_pss_pss_sha512: { family: 'rsa', padding: 'pss', pssKey: true, hash: 'SHA-512' },
};

/** The parameters of `scheme`, or undefined for a name this engine does not know. */
export function parametersOf(scheme: SignatureSchemeName): SchemeParameters | undefined {
  return Object.hasOwn(schemeParameters, scheme) ? schemeParameters[scheme] : undefined;
}

/** Output length in bytes of each hash. */
export const hashLength: Readonly<Record<HashName, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** Scalar (and coordinate) length in bytes of each ECDSA curve. */
export const curveScalarLength = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;

/** Key and signature lengths of the EdDSA schemes (RFC 8032 sections 5.1.5 and 5.2.5). */
export const eddsaLengths = { ed25519: { key: 32, signature: 64 }, ed448: { key: 57, signature: 114 } } as const;

/** RSA modulus sizes accepted, in bits: 1024 (RFC 8448's key) up to 8192 (as webpki). */
export const rsaModulusBits = { min: 1024, max: 8192 } as const;

/** Largest RSA public exponent accepted (as ring): bounds the cost of a verification. */
const rsaMaxExponent = (1n << 33n) - 1n;

/** Length of the DER DigestInfo prefix of EMSA-PKCS1-v1_5 (RFC 8017 section 9.2, note 1). */
const digestInfoPrefixLength = 19;

/** The number of bits in a positive bigint. */
export function bitLength(value: bigint): number {
  return value <= 0n ? 0 : value.toString(2).length;
}

/** True when an RSA key of this size and exponent can carry `parameters` (padding fits). */
function rsaKeyFits(n: bigint, e: bigint, parameters: SchemeParameters & { family: 'rsa' }): boolean {
  if (typeof n !== 'bigint' || typeof e !== 'bigint') return false;
  const bits = bitLength(n);
  if (bits < rsaModulusBits.min || bits > rsaModulusBits.max || (n & 1n) === 0n) return false;
  if (e < 3n || e > rsaMaxExponent || (e & 1n) === 0n) return false;
  const hLen = hashLength[parameters.hash];
  if (parameters.padding === 'pss') {
    // EMSA-PSS with salt length = hash length needs emLen >= 2 * hLen + 2 (RFC 8017 9.1.1).
    return Math.ceil((bits - 1) / 8) >= 2 * hLen + 2;
  }
  return Math.ceil(bits / 8) >= digestInfoPrefixLength + hLen + 11;
}

/** True when `scheme` can be used with `key` (type, curve, key OID and size all fit). */
export function schemeFitsKey(scheme: SignatureSchemeName, key: PublicKey | PrivateKey): boolean {
  const parameters = parametersOf(scheme);
  if (parameters === undefined || key === null || typeof key !== 'object') return false;
  switch (parameters.family) {
    case 'ecdsa': {
      if (key.kind !== 'ec' || key.curve !== parameters.curve) return false;
      const point = 'd' in key ? key.publicPoint : key.point;
      const length = curveScalarLength[parameters.curve];
      const pointOk = point instanceof Uint8Array && point.length === 2 * length + 1 && point[0] === 0x04;
      return pointOk && (!('d' in key) || (key.d instanceof Uint8Array && key.d.length === length));
    }
    case 'ed25519':
    case 'ed448': {
      if (key.kind !== parameters.family) return false;
      const length = eddsaLengths[parameters.family].key;
      if ('seed' in key) return key.seed instanceof Uint8Array && key.seed.length === length;
      return key.key instanceof Uint8Array && key.key.length === length;
    }
    case 'rsa':
      return key.kind === 'rsa' && (key.pssOnly === true) === parameters.pssKey && rsaKeyFits(key.n, key.e, parameters);
  }
}
