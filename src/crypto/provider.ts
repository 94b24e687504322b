/**
 * The crypto provider interface of the TLS 1.3 engine: everything the engine, the key
 * schedule and the X.509 verifier need from cryptography, synchronous so the sans-IO
 * core never awaits. Implementations: `noble` (pure TS, runs anywhere) and `node`
 * (node:crypto). Providers compose: a group one lacks can come from another.
 */

/** Hash functions TLS 1.3 and X.509 use. */
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** An incremental hash (the handshake transcript). */
export interface HashContext {
  update(data: Uint8Array): void;
  /** An independent copy of the current state. */
  clone(): HashContext;
  /** The digest of everything so far; the context stays usable. */
  digest(): Uint8Array;
}

/** A hash function with its sizes. */
export interface Hash {
  readonly name: HashName;
  readonly outputLength: number;
  digest(data: Uint8Array): Uint8Array;
  create(): HashContext;
}

/** AEAD algorithms of the three TLS 1.3 suites. */
export type AeadName = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';

/** An AEAD bound to one key (12-byte nonce, 16-byte tag). */
export interface AeadKey {
  readonly name: AeadName;
  /**
   * ciphertext || tag. With `output` (plaintext.length + 16 bytes; it may be the plaintext's
   * own bytes followed by room for the tag) the result is written there and returned as a view of it.
   */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, output?: Uint8Array): Uint8Array;
  /** The plaintext, or null when authentication fails. Never throws on bad input. */
  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array | null;
}

/** A source of random bytes; injected so handshakes can be replayed byte for byte. */
export type RandomSource = (length: number) => Uint8Array;

/** TLS NamedGroup code points this engine knows. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  X25519MLKEM768: 0x11ec,
} as const;
/** A NamedGroup name. */
export type NamedGroupName = keyof typeof NamedGroup;

/** The client's half of a key exchange: its share, and how to finish with the server's. */
export interface ClientKeyShare {
  readonly group: NamedGroupName;
  /** The key_share entry's key_exchange bytes. */
  readonly share: Uint8Array;
  /** Completes with the server's share; throws `KeyExchangeError` if it is invalid. */
  complete(serverShare: Uint8Array): Uint8Array;
}

/** A key-exchange group (ECDHE, FFDHE or KEM), in TLS 1.3 terms; share lengths are in group-parameters.ts. */
export interface KeyExchangeGroup {
  readonly name: NamedGroupName;
  readonly code: number;
  /** Client side: make a key share from `random`. */
  start(random: RandomSource): ClientKeyShare;
  /** Server side: answer the client's share; throws `KeyExchangeError` if it is invalid. */
  respond(clientShare: Uint8Array, random: RandomSource): { share: Uint8Array; sharedSecret: Uint8Array };
}

/** A key share from the peer was malformed or off the curve (maps to illegal_parameter). */
export class KeyExchangeError extends Error {
  override name = 'KeyExchangeError';
}

/** TLS SignatureScheme code points this engine knows. */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
} as const;
/** A SignatureScheme name. */
export type SignatureSchemeName = keyof typeof SignatureScheme;

/** The NIST curves of ECDSA keys. */
export type EcCurveName = 'P-256' | 'P-384' | 'P-521';

/** A public key as read from a SubjectPublicKeyInfo. */
export type PublicKey =
  | { readonly kind: 'ec'; readonly curve: EcCurveName; /** uncompressed SEC1 point */ readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly key: Uint8Array }
  | { readonly kind: 'ed448'; /** 57 bytes (RFC 8032 section 5.2.5) */ readonly key: Uint8Array }
  | {
      readonly kind: 'rsa';
      readonly n: bigint;
      readonly e: bigint;
      /** True for an id-RSASSA-PSS key (rsa_pss_pss_* only); absent or false for rsaEncryption. */
      readonly pssOnly?: boolean;
    };

/** A private key as read from PKCS#8, SEC1 or PKCS#1. */
export type PrivateKey =
  | { readonly kind: 'ec'; readonly curve: EcCurveName; readonly d: Uint8Array; readonly publicPoint: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array; readonly publicKey: Uint8Array }
  | { readonly kind: 'ed448'; /** the 57-byte private key */ readonly seed: Uint8Array; readonly publicKey: Uint8Array }
  | {
      readonly kind: 'rsa';
      readonly n: bigint;
      readonly e: bigint;
      readonly d: bigint;
      readonly p: bigint;
      readonly q: bigint;
      readonly dp: bigint;
      readonly dq: bigint;
      readonly qi: bigint;
      /** True for an id-RSASSA-PSS key (rsa_pss_pss_* only); absent or false for rsaEncryption. */
      readonly pssOnly?: boolean;
    };

/** Everything the engine needs from cryptography. All methods are synchronous. */
export interface CryptoProvider {
  /** A short name shown in the negotiated-parameters view, e.g. `noble`. */
  readonly name: string;
  hash(name: HashName): Hash;
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aead(name: AeadName, key: Uint8Array): AeadKey;
  /** The groups this provider implements, by name; absent names are unsupported. */
  group(name: NamedGroupName): KeyExchangeGroup | undefined;
  /** True when `scheme` can verify with `key`'s type (and sign, for a private key). */
  supportsScheme(scheme: SignatureSchemeName, key: PublicKey | PrivateKey): boolean;
  /** Verifies `signature` over `message` (the scheme hashes internally). Never throws on bad input. */
  verify(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
  /** Signs `message` with `scheme` (RSA signing is blinded). */
  sign(scheme: SignatureSchemeName, key: PrivateKey, message: Uint8Array, random: RandomSource): Uint8Array;
  /** Cryptographically secure random bytes. */
  random: RandomSource;
}
