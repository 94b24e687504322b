/**
 * The three TLS 1.3 cipher suites this engine supports (RFC 8446 appendix B.4), each
 * with its hash and AEAD, and the signature schemes and groups it offers by default.
 */
import type { AeadName, HashName, NamedGroupName, SignatureSchemeName } from '../../src/crypto/provider.js';

/** A TLS 1.3 cipher suite: an AEAD and the hash used with HKDF. */
export interface CipherSuite {
  readonly code: number;
  readonly name: string;
  readonly hash: HashName;
  readonly hashLength: number;
  readonly aead: AeadName;
  readonly keyLength: number;
}

/** TLS_AES_128_GCM_SHA256 (0x1301). */
export const TLS_AES_128_GCM_SHA256: CipherSuite = {
  code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', hash: 'SHA-256', hashLength: 32, aead: 'AES-128-GCM', keyLength: 16,
};
/** TLS_AES_256_GCM_SHA384 (0x1302). */
export const TLS_AES_256_GCM_SHA384: CipherSuite = {
  code: 0x1302, name: 'TLS_AES_256_GCM_SHA384', hash: 'SHA-384', hashLength: 48, aead: 'AES-256-GCM', keyLength: 32,
};
/** TLS_CHACHA20_POLY1305_SHA256 (0x1303). */
export const TLS_CHACHA20_POLY1305_SHA256: CipherSuite = {
  code: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', hash: 'SHA-256', hashLength: 32, aead: 'CHACHA20-POLY1305', keyLength: 32,
};

/** Every supported suite, in our default preference order. */
export const ALL_CIPHER_SUITES: readonly CipherSuite[] = [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256];

/** The suite with this code point, if supported. */
export function cipherSuiteByCode(code: number): CipherSuite | undefined {
  return ALL_CIPHER_SUITES.find((s) => s.code === code);
}

/** The suite with this IANA name, if supported. */
export function cipherSuiteByName(name: string): CipherSuite | undefined {
  return ALL_CIPHER_SUITES.find((s) => s.name === name);
}

/**
 * supported_groups by default, in preference order: what a client offers and a server
 * accepts. ECDHE first, then the hybrid (chosen first whenever the client sends a share for
 * it, see server-parameters.ts), then the RFC 7919 groups, which a server takes only when no
 * ECDHE group is in common (as OpenSSL lists them, after every curve).
 */
export const DEFAULT_GROUPS: readonly NamedGroupName[] = [
  'x25519',
  'secp256r1',
  'secp384r1',
  'X25519MLKEM768',
  'x448',
  'secp521r1',
  'ffdhe2048',
  'ffdhe3072',
  'ffdhe4096',
  'ffdhe6144',
  'ffdhe8192',
];

/** Groups we send a key share for by default (one, to keep the ClientHello small). */
export const DEFAULT_KEY_SHARE_GROUPS: readonly NamedGroupName[] = ['x25519'];

/** Signature schemes we accept in CertificateVerify, in preference order. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureSchemeName[] = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'ed25519',
  'ed448',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
];

/** Signature schemes we accept on certificates (signature_algorithms_cert). */
export const DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES: readonly SignatureSchemeName[] = [
  ...DEFAULT_SIGNATURE_SCHEMES,
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
];
