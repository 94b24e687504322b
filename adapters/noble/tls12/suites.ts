/**
 * The TLS 1.2 cipher suites this engine speaks: ECDHE key exchange with an ECDSA or RSA
 * signature, and an AEAD (RFC 5289 for AES-GCM, RFC 7905 for ChaCha20-Poly1305). No CBC,
 * no RSA key exchange, no static DH. Each names its PRF hash and its fixed IV length.
 */
import type { CipherSuite } from '../suites.js';

/** A TLS 1.2 ECDHE+AEAD suite: a `CipherSuite` (hash = PRF hash) plus its authentication and IV layout. */
export interface Tls12CipherSuite extends CipherSuite {
  /** The server key's algorithm: ECDSA suites take ECDSA and Ed25519 keys (RFC 8422), RSA suites RSA keys. */
  readonly authentication: 'ECDSA' | 'RSA';
  /** client/server_write_IV length: 4 (the GCM salt, RFC 5288) or 12 (ChaCha20, RFC 7905). */
  readonly fixedIvLength: 4 | 12;
}

const suite = (code: number, name: string, authentication: 'ECDSA' | 'RSA', aead: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305'): Tls12CipherSuite => {
  const sha384 = aead === 'AES-256-GCM';
  return {
    code,
    name,
    hash: sha384 ? 'SHA-384' : 'SHA-256',
    hashLength: sha384 ? 48 : 32,
    aead,
    keyLength: aead === 'AES-128-GCM' ? 16 : 32,
    authentication,
    fixedIvLength: aead === 'CHACHA20-POLY1305' ? 12 : 4,
  };
};

/** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xC02B, RFC 5289). */
export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDSA', 'AES-128-GCM');
/** TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xC02C, RFC 5289). */
export const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDSA', 'AES-256-GCM');
/** TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA9, RFC 7905). */
export const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = suite(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDSA', 'CHACHA20-POLY1305');
/** TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xC02F, RFC 5289). */
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'RSA', 'AES-128-GCM');
/** TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xC030, RFC 5289). */
export const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'RSA', 'AES-256-GCM');
/** TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA8, RFC 7905). */
export const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'RSA', 'CHACHA20-POLY1305');

/** Every TLS 1.2 suite, in our default preference order (AES-128-GCM first, as for 1.3). */
export const ALL_TLS12_CIPHER_SUITES: readonly Tls12CipherSuite[] = [
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/** The TLS 1.2 suite with this code point, if supported. */
export function tls12SuiteByCode(code: number): Tls12CipherSuite | undefined {
  return ALL_TLS12_CIPHER_SUITES.find((s) => s.code === code);
}

/** The TLS 1.2 suite with this IANA name, if supported. */
export function tls12SuiteByName(name: string): Tls12CipherSuite | undefined {
  return ALL_TLS12_CIPHER_SUITES.find((s) => s.name === name);
}

/** Groups usable for TLS 1.2 ECDHE (RFC 8422, RFC 7748); hybrid KEMs are TLS 1.3 only. */
export const TLS12_GROUPS = ['x25519', 'secp256r1', 'secp384r1'] as const;
