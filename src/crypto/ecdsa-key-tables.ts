/**
 * ECDSA verification for public keys that recur (a CA's key in every chain it signed, a
 * server's leaf key on every connection to that server): the first time a key is seen it is
 * verified the plain way (noble's joint u1·G + u2·P); from its second use on, its point gets
 * a fixed-window table (noble's `precompute`), so u2·P is a table walk and u1·G uses noble's
 * base-point table, about 2.5 times faster than the plain verification. The equation is
 * SEC 1 section 4.1.4 on noble's points. Bounded: RECURRING_KEY_TABLES tables and
 * REMEMBERED_KEYS keys seen once, least recently used dropped first.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import type { EcCurveName } from './provider.js';

/** Public keys with a precomputed table kept at once (about 100 KiB each for P-256). */
export const RECURRING_KEY_TABLES = 8;
/** Keys seen once remembered, to notice their second use. */
export const REMEMBERED_KEYS = 64;
/** Window bits of a key's table: building it costs about four plain verifications. */
export const RECURRING_KEY_WINDOW = 4;

const curves = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

type Curve = (typeof curves)[EcCurveName];
type CurvePoint = ReturnType<Curve['Point']['fromBytes']>;

const tables = new Map<string, CurvePoint>();
const seenOnce = new Map<string, true>();

function keyId(curve: EcCurveName, point: Uint8Array): string {
  let id = curve;
  for (let i = 0; i < point.length; i++) id += String.fromCharCode(point[i]!);
  return id;
}

/** Moves `id` to the most recent end of `map`, dropping the oldest entry past `limit`. */
function touch<T>(map: Map<string, T>, id: string, value: T, limit: number): void {
  map.delete(id);
  map.set(id, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}

/**
 * The precomputed point of `point` if this key recurs (built on its second use), else
 * undefined (the caller verifies the plain way). Throws if the point is not on the curve.
 */
function recurringPoint(curve: EcCurveName, point: Uint8Array): CurvePoint | undefined {
  const id = keyId(curve, point);
  const table = tables.get(id);
  if (table) {
    touch(tables, id, table, RECURRING_KEY_TABLES);
    return table;
  }
  if (!seenOnce.delete(id)) {
    touch(seenOnce, id, true, REMEMBERED_KEYS);
    return undefined;
  }
  const P = curves[curve].Point.fromBytes(point) as CurvePoint;
  if (P.is0()) return undefined;
  P.precompute(RECURRING_KEY_WINDOW, false);
  touch(tables, id, P, RECURRING_KEY_TABLES);
  return P;
}

/**
 * Verifies a raw (r || s) ECDSA signature over `digest` when `point` is a recurring key;
 * undefined when it is not (yet), so the caller uses noble's verify. Both high and low S are
 * accepted, as the plain path does. Throws on malformed input (the caller maps that to false).
 */
export function verifyWithKeyTable(curve: EcCurveName, point: Uint8Array, digest: Uint8Array, raw: Uint8Array): boolean | undefined {
  const P = recurringPoint(curve, point);
  if (!P) return undefined;
  const c = curves[curve] as typeof p256;
  const Fn = c.Point.Fn;
  const { r, s } = c.Signature.fromBytes(raw, 'compact'); // r and s in [1, n - 1]
  // bits2int (SEC 1 section 4.1.4 step 3): the leftmost log2(n) bits of the digest, then mod n.
  const excess = digest.length * 8 - Fn.BITS;
  const e = Fn.create(excess > 0 ? bytesToNumberBE(digest) >> BigInt(excess) : bytesToNumberBE(digest));
  const sInverse = Fn.inv(s);
  const R = c.Point.BASE.multiplyUnsafe(Fn.create(e * sInverse)).add((P as ReturnType<typeof p256.Point.fromBytes>).multiplyUnsafe(Fn.create(r * sInverse)));
  if (R.is0()) return false;
  return Fn.create(R.toAffine().x) === r;
}
