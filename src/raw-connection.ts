/**
 * `RawConnection`: the OS-level byte pipe a TLS service runs over (TCP, an in-memory
 * pair in tests, or a decorator around either). It knows nothing about TLS.
 */

/** Bytes to send: one buffer, or an iovec sent as ONE vectored write. */
export type ByteSource = Uint8Array | readonly Uint8Array[];

/** An OS-level connection: reliable, ordered bytes in both directions. */
export interface RawConnection {
  /** Writes everything; an array goes out as one vectored write. Resolves once accepted (backpressure respected). */
  sendBytes(data: ByteSource): Promise<void>;
  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array>;
  /**
   * Ends our write side only, once everything sent has gone (TCP: FIN; in memory: the
   * peer reads end of stream); reads go on until the peer's end. Later sends reject. Idempotent.
   */
  shutdownWrite(): Promise<void>;
  /** Ends our side (FIN) and releases the connection: later incoming bytes are discarded; idempotent. */
  close(): Promise<void>;
  /** Tears the connection down at once (no graceful end); idempotent. */
  destroy?(): void;
  /** The OS file descriptor, where there is one. */
  readonly fileDescriptor?: number | undefined;
  /** A human-readable peer address, where there is one. */
  readonly remoteAddress?: string | undefined;
}

/** The total length of a ByteSource. */
export function byteLength(data: ByteSource): number {
  if (data instanceof Uint8Array) return data.length;
  let n = 0;
  for (const b of data) n += b.length;
  return n;
}

/** A ByteSource as a list of buffers (no copy). */
export function asIovec(data: ByteSource): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

/** Joins a ByteSource into one buffer (copies only when there is more than one piece). */
export function concatBytes(data: ByteSource): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data.length === 1) return data[0]!;
  const out = new Uint8Array(byteLength(data));
  let off = 0;
  for (const b of data) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}
