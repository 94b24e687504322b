/**
 * The default RandomSource: the Web Crypto CSPRNG (`globalThis.crypto.getRandomValues`),
 * available in Node >= 20, Deno, Bun and browsers. No node: imports, so it runs anywhere.
 */
import type { RandomSource } from './provider.js';

/** getRandomValues fills at most 65536 bytes per call (Web Crypto's quota). */
const maxBytesPerCall = 65536;

/** Bytes of CSPRNG output drawn at once and handed out in pieces (as node's randomUUID pools), so a handshake's small draws cost one call. */
export const RANDOM_POOL_SIZE = 2048;
/** Draws longer than this bypass the pool. */
export const POOLED_DRAW_LIMIT = 256;

/**
 * A RandomSource over `fill` (a CSPRNG filling a buffer of at most RANDOM_POOL_SIZE bytes)
 * that draws RANDOM_POOL_SIZE bytes at a time: each byte is handed out once, as a copy, and
 * wiped from the pool. Draws over POOLED_DRAW_LIMIT are filled directly.
 */
export function pooledRandom(fill: (bytes: Uint8Array) => void): RandomSource {
  let pool = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('random length must be a non-negative integer');
    if (length > POOLED_DRAW_LIMIT) {
      const bytes = new Uint8Array(length);
      for (let at = 0; at < length; at += maxBytesPerCall) fill(bytes.subarray(at, Math.min(length, at + maxBytesPerCall)));
      return bytes;
    }
    if (offset + length > pool.length) {
      pool = new Uint8Array(RANDOM_POOL_SIZE);
      fill(pool);
      offset = 0;
    }
    const bytes = pool.slice(offset, offset + length);
    pool.fill(0, offset, offset + length);
    offset += length;
    return bytes;
  };
}

/** Cryptographically secure random bytes from the platform's Web Crypto, pooled (`pooledRandom`). */
export const secureRandom: RandomSource = pooledRandom((bytes) => {
  globalThis.crypto.getRandomValues(bytes);
});

/** Draws exactly `length` bytes from `random`, failing loudly if the source misbehaves. */
export function drawRandom(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new Error(`the random source returned ${bytes?.length ?? 'no'} bytes instead of ${length}`);
  }
  return bytes;
}
