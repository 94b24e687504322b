/**
 * The TLS 1.2 key derivation (RFC 5246 section 5, RFC 7627, RFC 5246 section 6.3): the
 * PRF P_hash over HMAC, the extended master secret, the key block of an AEAD suite
 * and the Finished verify_data. Everything goes through the CryptoProvider's HMAC.
 */
import type { CryptoProvider, HashName } from '../../../src/crypto/provider.js';
import { utf8Bytes } from '../codec/utf8.js';


/** PRF(secret, label, seed) = P_<hash>(secret, label + seed), `length` bytes (RFC 5246 section 5). */
export function prf(provider: CryptoProvider, hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelBytes = utf8Bytes(label);
  const labelAndSeed = new Uint8Array(labelBytes.length + seed.length);
  labelAndSeed.set(labelBytes);
  labelAndSeed.set(seed, labelBytes.length);
  const out = new Uint8Array(length);
  let a: Uint8Array = labelAndSeed; // A(0)
  let filled = 0;
  while (filled < length) {
    a = provider.hmac(hash, secret, a); // A(i) = HMAC(secret, A(i-1))
    const block = new Uint8Array(a.length + labelAndSeed.length);
    block.set(a);
    block.set(labelAndSeed, a.length);
    const chunk = provider.hmac(hash, secret, block);
    out.set(chunk.subarray(0, Math.min(chunk.length, length - filled)), filled);
    filled += chunk.length;
  }
  return out;
}

/** The length of every TLS 1.2 master secret. */
export const MASTER_SECRET_LENGTH = 48;

/** master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 section 4). */
export function extendedMasterSecret(provider: CryptoProvider, hash: HashName, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(provider, hash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

/** The write keys and IVs of both directions of an AEAD suite (no MAC keys). */
export interface KeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/** key_block = PRF(master_secret, "key expansion", server_random + client_random), split as section 6.3 lays it out. */
export function keyBlock(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock {
  const seed = new Uint8Array(64);
  seed.set(serverRandom);
  seed.set(clientRandom, 32);
  const block = prf(provider, hash, masterSecret, 'key expansion', seed, 2 * keyLength + 2 * ivLength);
  let offset = 0;
  const take = (n: number) => block.slice(offset, (offset += n));
  return { clientWriteKey: take(keyLength), serverWriteKey: take(keyLength), clientWriteIv: take(ivLength), serverWriteIv: take(ivLength) };
}

/** The length of Finished.verify_data in every suite here (section 7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

/** verify_data = PRF(master_secret, "client finished" | "server finished", Hash(handshake_messages))[0..11] (section 7.4.9). */
export function finishedVerifyData(provider: CryptoProvider, hash: HashName, masterSecret: Uint8Array, sender: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return prf(provider, hash, masterSecret, `${sender} finished`, transcriptHash, VERIFY_DATA_LENGTH);
}

/**
 * Keying material exporter (RFC 5705 section 4): PRF(master_secret, label, client_random +
 * server_random [+ uint16 context length + context]). An absent context and an empty one differ.
 */
export function exportKeyingMaterial12(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const seed = new Uint8Array(64 + (context ? 2 + context.length : 0));
  seed.set(clientRandom);
  seed.set(serverRandom, 32);
  if (context) {
    seed[64] = context.length >>> 8;
    seed[65] = context.length & 0xff;
    seed.set(context, 66);
  }
  return prf(provider, hash, masterSecret, label, seed, length);
}
