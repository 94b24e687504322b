/**
 * Shared test fixtures for the noble engine tests: hex conversion, a replayable random
 * source, and a loop that shuttles bytes between two engines.
 */
import type { RandomSource } from '../../src/crypto/provider.js';
import { TLSAlertError } from '../../src/errors.js';
import type { TLSEngine } from '../../adapters/noble/engine.js';

/** Hex text to bytes. */
export function unhex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes to hex text. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Joins buffers. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A random source that replays `pool` in order, then fails loudly. */
export function replayRandom(pool: Uint8Array): RandomSource {
  let offset = 0;
  return (n: number) => {
    if (offset + n > pool.length) throw new Error(`replayRandom: pool exhausted (${offset}+${n} > ${pool.length})`);
    const out = pool.slice(offset, offset + n);
    offset += n;
    return out;
  };
}

/** A deterministic (non-secure) random source for reproducible tests. */
export function seededRandom(seed = 1): RandomSource {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

/** Moves bytes between two engines until neither has anything to send; `chunk` limits each feed. */
export function pump(a: TLSEngine, b: TLSEngine, chunk = Infinity): void {
  for (let rounds = 0; rounds < 100; rounds++) {
    let moved = false;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      if (!from.hasOutgoing) continue;
      const bytes = concat(from.takeOutgoing());
      moved = true;
      for (let i = 0; i < bytes.length; i += chunk === Infinity ? bytes.length : chunk) {
        to.feed(bytes.subarray(i, chunk === Infinity ? bytes.length : i + chunk));
      }
    }
    if (!moved) return;
  }
  throw new Error('pump: engines did not settle');
}

/** The alert a step fails with ('none' when it does not fail); any other exception fails the test. */
export function alertOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TLSAlertError) return e.alert;
    throw e;
  }
  return 'none';
}
