/**
 * `ByteReader`: a bounded cursor over received bytes for the wire codec. Every read is
 * checked against what is left, and every failure is a decode_error alert naming the
 * field that was cut short, so a malformed peer message can never read out of bounds.
 */
import { TLSAlertError } from '../../../src/errors.js';

/** A cursor over a byte range; reads past its end throw decode_error. */
export class ByteReader {
  private offset: number;
  private readonly end: number;

  constructor(private readonly bytes: Uint8Array, start = 0, end = bytes.length) {
    this.offset = start;
    this.end = end;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** True when every byte has been read. */
  get atEnd(): boolean {
    return this.offset === this.end;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.offset) throw TLSAlertError.sent('decode_error', `${what} is truncated`);
  }

  /** One unsigned byte. */
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }

  /** A big-endian uint16. */
  u16(what: string): number {
    this.need(2, what);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  /** A big-endian uint24. */
  u24(what: string): number {
    this.need(3, what);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 3;
    return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  }

  /** A big-endian uint32. */
  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }

  /** `n` bytes as a view (no copy). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    return this.take(this.remaining, 'rest');
  }

  /** An opaque vector with a 1-byte length prefix, length checked against [min, max]. */
  vector8(what: string, min = 0, max = 0xff): Uint8Array {
    return this.checked(this.u8(what), what, min, max);
  }

  /** An opaque vector with a 2-byte length prefix, length checked against [min, max]. */
  vector16(what: string, min = 0, max = 0xffff): Uint8Array {
    return this.checked(this.u16(what), what, min, max);
  }

  /** An opaque vector with a 3-byte length prefix, length checked against [min, max]. */
  vector24(what: string, min = 0, max = 0xffffff): Uint8Array {
    return this.checked(this.u24(what), what, min, max);
  }

  private checked(length: number, what: string, min: number, max: number): Uint8Array {
    if (length < min || length > max) {
      throw TLSAlertError.sent('decode_error', `${what} length ${length} is outside ${min}..${max}`);
    }
    return this.take(length, what);
  }

  /** Throws decode_error unless every byte was consumed. */
  expectEnd(what: string): void {
    if (!this.atEnd) throw TLSAlertError.sent('decode_error', `${what} has ${this.remaining} trailing bytes`);
  }
}

/** Reads a list of fixed-width uint16 items (cipher suites, groups, schemes) from a vector body. */
export function readU16List(body: Uint8Array, what: string): number[] {
  if (body.length % 2 !== 0) throw TLSAlertError.sent('decode_error', `${what} has an odd length`);
  const out: number[] = [];
  for (let i = 0; i < body.length; i += 2) out.push((body[i]! << 8) | body[i + 1]!);
  return out;
}
