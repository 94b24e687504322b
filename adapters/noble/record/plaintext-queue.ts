/**
 * `PlaintextQueue`: decrypted application data waiting for the application, as a list
 * of record fragments; reads take up to `max` bytes without copying when one fragment
 * suffices.
 */

/** Received application data, in order. */
export class PlaintextQueue {
  private chunks: Uint8Array[] = [];
  private total = 0;

  /** Bytes waiting. */
  get length(): number {
    return this.total;
  }

  /** Appends a fragment (kept, not copied). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.total += bytes.length;
  }

  /** Up to `max` bytes, oldest first (empty when none). */
  read(max: number): Uint8Array {
    if (this.total === 0 || max <= 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    if (first.length >= max || this.chunks.length === 1) {
      const out = first.length > max ? first.subarray(0, max) : first;
      if (out.length === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(out.length);
      this.total -= out.length;
      return out;
    }
    const n = Math.min(max, this.total);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    this.total -= n;
    return out;
  }
}
