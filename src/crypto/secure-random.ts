/**
 * The default RandomSource: the Web Crypto CSPRNG (`globalThis.crypto.getRandomValues`),
 * available in Node >= 20, Deno, Bun and browsers. No node: imports, so it runs anywhere.
 */
import type { RandomSource } from './provider.js';

/** getRandomValues fills at most 65536 bytes per call (Web Crypto's quota). */
const maxBytesPerCall = 65536;

/** Cryptographically secure random bytes from the platform's Web Crypto. */
export const secureRandom: RandomSource = (length: number): Uint8Array => {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('random length must be a non-negative integer');
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += maxBytesPerCall) {
    globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + maxBytesPerCall)));
  }
  return bytes;
};

/** Draws exactly `length` bytes from `random`, failing loudly if the source misbehaves. */
export function drawRandom(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new Error(`the random source returned ${bytes?.length ?? 'no'} bytes instead of ${length}`);
  }
  return bytes;
}
