/**
 * The noble crypto provider: the engine's default, pure TypeScript on @noble/hashes,
 * @noble/ciphers, @noble/curves, @noble/post-quantum and micro-rsa-dsa-dh. It imports nothing
 * from node:, uses Uint8Array only, and so runs in browsers too. Groups are in
 * noble-groups.ts, signatures in noble-signatures.ts.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { nobleKeyExchangeGroups } from './noble-groups.js';
import { nobleSign, nobleVerify } from './noble-signatures.js';
import type {
  AeadKey,
  AeadName,
  CryptoProvider,
  Hash,
  HashContext,
  HashName,
  NamedGroupName,
  RandomSource,
} from './provider.js';
import { secureRandom } from './secure-random.js';
import { schemeFitsKey } from './signature-schemes.js';

const hashFunctions = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

/** The incremental state of one of noble's SHA-2 hashes. */
type NobleHashState = ReturnType<(typeof hashFunctions)[HashName]['create']>;

/** Wraps a noble hash state; digest() finalises a clone, so the state stays usable. */
function hashContext(state: NobleHashState): HashContext {
  return {
    update(data) {
      state.update(data);
    },
    clone: () => hashContext(state.clone()),
    digest: () => state.clone().digest(),
  };
}

function nobleHash(name: HashName): Hash {
  const hashFunction = hashFunctions[name];
  return Object.freeze({
    name,
    outputLength: hashFunction.outputLen,
    digest: (data: Uint8Array) => hashFunction(data),
    create: () => hashContext(hashFunction.create()),
  });
}

const hashes: Readonly<Record<HashName, Hash>> = {
  'SHA-256': nobleHash('SHA-256'),
  'SHA-384': nobleHash('SHA-384'),
  'SHA-512': nobleHash('SHA-512'),
};

function hashFunctionOf(name: HashName): (typeof hashFunctions)[HashName] {
  if (!Object.hasOwn(hashFunctions, name)) throw new Error(`unsupported hash ${String(name)}`);
  return hashFunctions[name];
}

/** Key lengths of the TLS 1.3 AEADs. */
export const aeadKeyLengths: Readonly<Record<AeadName, number>> = {
  'AES-128-GCM': 16,
  'AES-256-GCM': 32,
  'CHACHA20-POLY1305': 32,
};

/** AEAD nonce and tag lengths in TLS 1.3 (RFC 8446 section 5.3, RFC 5116). */
export const aeadNonceLength = 12;
/** The 16-byte AEAD tag of every TLS 1.3 suite. */
export const aeadTagLength = 16;

/** Throws unless `key` fits `name`: a wrong key length is a programming error, not peer input. */
export function checkAeadKey(name: AeadName, key: Uint8Array): void {
  if (!Object.hasOwn(aeadKeyLengths, name)) throw new Error(`unsupported AEAD ${String(name)}`);
  if (!(key instanceof Uint8Array) || key.length !== aeadKeyLengths[name]) {
    throw new Error(`${name} needs a ${aeadKeyLengths[name]}-byte key`);
  }
}

/** Throws unless `output` has room for ciphertext and tag of `plaintextLength` bytes. */
export function checkSealOutput(output: Uint8Array, plaintextLength: number): void {
  if (output.length < plaintextLength + aeadTagLength) throw new RangeError('AEAD seal output is too short');
}

/** A noble AEAD bound to a copy of its key; methods on the prototype (no closures per key). */
class NobleAeadKey implements AeadKey {
  private readonly key: Uint8Array;
  private readonly cipher: typeof gcm | typeof chacha20poly1305;

  constructor(readonly name: AeadName, key: Uint8Array) {
    checkAeadKey(name, key);
    this.key = key.slice();
    this.cipher = name === 'CHACHA20-POLY1305' ? chacha20poly1305 : gcm;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, output?: Uint8Array): Uint8Array {
    if (nonce.length !== aeadNonceLength) throw new Error(`${this.name} nonce must be ${aeadNonceLength} bytes`);
    if (output !== undefined) checkSealOutput(output, plaintext.length);
    const sealed = this.cipher(this.key, nonce, aad).encrypt(plaintext);
    if (output === undefined) return sealed;
    output.set(sealed);
    return output.subarray(0, sealed.length);
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array | null {
    try {
      if (nonce.length !== aeadNonceLength || ciphertextAndTag.length < aeadTagLength) return null;
      return this.cipher(this.key, nonce, aad).decrypt(ciphertextAndTag);
    } catch {
      return null;
    }
  }
}

function nobleAead(name: AeadName, key: Uint8Array): AeadKey {
  return new NobleAeadKey(name, key);
}

/** A noble provider whose `random` is the given source (by default Web Crypto's CSPRNG). */
export function createNobleCryptoProvider(random: RandomSource = secureRandom): CryptoProvider {
  const provider: CryptoProvider = {
    name: 'noble',
    hash(name: HashName): Hash {
      hashFunctionOf(name);
      return hashes[name];
    },
    hmac: (hash: HashName, key: Uint8Array, data: Uint8Array) => hmac(hashFunctionOf(hash), key, data),
    hkdfExtract: (hash: HashName, salt: Uint8Array, ikm: Uint8Array) => extract(hashFunctionOf(hash), ikm, salt),
    hkdfExpand: (hash: HashName, prk: Uint8Array, info: Uint8Array, length: number) =>
      expand(hashFunctionOf(hash), prk, info, length),
    aead: nobleAead,
    group: (name: NamedGroupName) =>
      Object.hasOwn(nobleKeyExchangeGroups, name) ? nobleKeyExchangeGroups[name] : undefined,
    supportsScheme: schemeFitsKey,
    verify: nobleVerify,
    // Blinding never shows in a signature, so it always comes from the platform CSPRNG.
    sign: (scheme, key, message, signRandom) => nobleSign(scheme, key, message, signRandom, secureRandom),
    random,
  };
  return Object.freeze(provider);
}

/** The pure-TypeScript provider on noble, with Web Crypto randomness. */
export const nobleCryptoProvider: CryptoProvider = createNobleCryptoProvider();
