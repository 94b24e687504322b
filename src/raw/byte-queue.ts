/**
 * `ByteQueue`: a FIFO of received chunks that hands out at most `max` bytes per take,
 * without copying when one chunk satisfies the read. Used by the TCP and in-memory raw
 * connections, the node-tls adapter and the noble engine (no Node APIs, so it runs anywhere).
 */

/** A FIFO of byte chunks; `take(max)` returns 1..max bytes, copying only to join small chunks. */
export class ByteQueue {
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private size = 0;

  /** Bytes queued. */
  get length(): number {
    return this.size;
  }

  /** Appends a chunk (kept by reference; empty chunks are ignored). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /**
   * Removes and returns up to `max` bytes: a subarray when the first chunk alone covers
   * the read, otherwise a join of the queued chunks up to `max`. Empty when nothing is queued.
   */
  take(max: number): Uint8Array {
    if (this.size === 0 || max <= 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    if (first.length >= max || this.head === this.chunks.length - 1) {
      const n = Math.min(max, first.length);
      return this.takeFromFirst(first, n);
    }
    const n = Math.min(max, this.size);
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const chunk = this.chunks[this.head]!;
      const part = Math.min(chunk.length, n - off);
      out.set(part === chunk.length ? chunk : chunk.subarray(0, part), off);
      off += part;
      this.takeFromFirst(chunk, part);
    }
    return out;
  }

  /** Removes and returns up to `max` bytes of the first chunk only, never copying; empty when nothing is queued. */
  takeChunk(max: number): Uint8Array {
    if (this.size === 0 || max <= 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    return this.takeFromFirst(first, Math.min(max, first.length));
  }

  /** Drops everything queued. */
  clear(): void {
    this.chunks.length = 0;
    this.head = 0;
    this.size = 0;
  }

  private takeFromFirst(first: Uint8Array, n: number): Uint8Array {
    this.size -= n;
    if (n === first.length) {
      this.chunks[this.head] = EMPTY;
      this.head += 1;
      if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks.splice(0, this.head);
        this.head = 0;
      } else if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      }
      return first;
    }
    this.chunks[this.head] = first.subarray(n);
    return first.subarray(0, n);
  }
}

const EMPTY = new Uint8Array(0);
