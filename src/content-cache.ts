/**
 * `ContentCache`: a small LRU keyed by the content of configuration values (PEM text,
 * DER bytes, option lists). Per-connection copies of one configuration (`{ ...config }`)
 * then share one parsed result (a SecureContext, a parsed key and chain) instead of
 * re-parsing certificates and keys on every handshake.
 */

/** A configuration value that can be part of a cache key. */
export type KeyPart = string | number | boolean | Uint8Array | undefined | null | readonly KeyPart[];

/** An LRU of at most `limit` entries, keyed by the content of its key parts. */
export class ContentCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly limit = 32) {}

  /** The cached value for `parts`, built with `build` on a miss. */
  get(parts: readonly KeyPart[], build: () => T): T {
    const key = keyOf(parts);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = build();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

function keyOf(parts: readonly KeyPart[]): string {
  return parts.map(partKey).join('\u0000');
}

function partKey(part: KeyPart): string {
  if (part === undefined || part === null) return '-';
  if (part instanceof Uint8Array) return `b${bytesKey(part)}`;
  if (Array.isArray(part)) return `[${(part as readonly KeyPart[]).map(partKey).join('\u0001')}]`;
  return `${typeof part}:${String(part)}`;
}

function bytesKey(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}
