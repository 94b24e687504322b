/**
 * `ByteWriter`: a growable buffer for encoding wire structures, with length-prefixed
 * blocks whose prefix is filled in when the block ends (so encoders never compute
 * lengths by hand).
 */

/** Appends bytes and integers; `block8/16/24` wrap a body in a length prefix. */
export class ByteWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  /** One byte. */
  u8(v: number): this {
    this.reserve(1);
    this.buffer[this.length++] = v & 0xff;
    return this;
  }

  /** A big-endian uint16. */
  u16(v: number): this {
    this.reserve(2);
    this.buffer[this.length++] = (v >>> 8) & 0xff;
    this.buffer[this.length++] = v & 0xff;
    return this;
  }

  /** A big-endian uint24. */
  u24(v: number): this {
    this.reserve(3);
    this.buffer[this.length++] = (v >>> 16) & 0xff;
    this.buffer[this.length++] = (v >>> 8) & 0xff;
    this.buffer[this.length++] = v & 0xff;
    return this;
  }

  /** A big-endian uint32. */
  u32(v: number): this {
    this.u16(Math.floor(v / 0x10000) & 0xffff);
    return this.u16(v & 0xffff);
  }

  /** Raw bytes. */
  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  private block(prefix: 1 | 2 | 3, body: (w: this) => void): this {
    this.reserve(prefix);
    const at = this.length;
    this.length += prefix;
    body(this);
    const n = this.length - at - prefix;
    if (n >= 2 ** (8 * prefix)) throw new RangeError(`block of ${n} bytes exceeds a ${prefix}-byte length prefix`);
    for (let i = prefix - 1, v = n; i >= 0; i--, v >>>= 8) this.buffer[at + i] = v & 0xff;
    return this;
  }

  /** A block with a 1-byte length prefix. */
  block8(body: (w: this) => void): this {
    return this.block(1, body);
  }

  /** A block with a 2-byte length prefix. */
  block16(body: (w: this) => void): this {
    return this.block(2, body);
  }

  /** A block with a 3-byte length prefix. */
  block24(body: (w: this) => void): this {
    return this.block(3, body);
  }

  /** Opaque bytes with a 1-byte length prefix. */
  vector8(data: Uint8Array): this {
    return this.block8((w) => w.bytes(data));
  }

  /** Opaque bytes with a 2-byte length prefix. */
  vector16(data: Uint8Array): this {
    return this.block16((w) => w.bytes(data));
  }

  /** Opaque bytes with a 3-byte length prefix. */
  vector24(data: Uint8Array): this {
    return this.block24((w) => w.bytes(data));
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Encodes a function's output into a fresh buffer. */
export function encode(body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  body(w);
  return w.finish();
}
