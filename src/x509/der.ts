/**
 * A strict DER reader (X.690): definite lengths only, minimal length and integer
 * encodings, single-byte tags, every length checked against the remaining input before
 * it is used. Anything else throws `CertificateParseError`; nothing is ever half-read.
 * Used by the certificate, key and name parsers in this folder.
 */

import { TLSServiceError } from '../errors.js';

/** DER input was malformed (`malformed`) or well-formed but outside what we support (`unsupported`). */
export class CertificateParseError extends TLSServiceError {
  /** `malformed`: not valid DER / not the expected structure; `unsupported`: valid but not handled. */
  readonly kind: 'malformed' | 'unsupported';
  constructor(message: string, kind: 'malformed' | 'unsupported' = 'malformed') {
    super(message);
    this.kind = kind;
  }
}

/** Universal tag numbers (with class and constructed bits) used in X.509 and keys. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The tag byte of a context-specific element `[n]`, constructed or primitive. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One TLV element: its tag byte, its contents, and its whole encoding. */
export interface DerElement {
  readonly tag: number;
  /** The content octets (a view, not a copy). */
  readonly contents: Uint8Array;
  /** Tag, length and contents together (a view). */
  readonly encoded: Uint8Array;
}

const MAX_LENGTH_OCTETS = 4;

/** Reads a sequence of DER elements from a byte range, front to back. */
export class DerReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Reads exactly one element spanning all of `bytes`; anything after it is an error. */
  static single(bytes: Uint8Array, what: string): DerElement {
    const reader = new DerReader(bytes);
    const element = reader.read(what);
    reader.expectEnd(what);
    return element;
  }

  /** True when every byte has been consumed. */
  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** The tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.atEnd ? undefined : this.bytes[this.offset];
  }

  /** Reads the next element of any tag. */
  read(what: string): DerElement {
    const start = this.offset;
    const remaining = this.bytes.length - start;
    if (remaining < 2) throw new CertificateParseError(`${what}: truncated element header`);
    const tag = this.bytes[start]!;
    if ((tag & 0x1f) === 0x1f) throw new CertificateParseError(`${what}: high-tag-number form is not supported`);
    let position = start + 1;
    const first = this.bytes[position++]!;
    let length: number;
    if (first < 0x80) {
      length = first;
    } else if (first === 0x80) {
      throw new CertificateParseError(`${what}: indefinite length is not DER`);
    } else {
      const count = first & 0x7f;
      if (count > MAX_LENGTH_OCTETS) throw new CertificateParseError(`${what}: length of ${count} octets is too large`);
      if (this.bytes.length - position < count) throw new CertificateParseError(`${what}: truncated length`);
      if (this.bytes[position] === 0) throw new CertificateParseError(`${what}: length has a leading zero octet`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.bytes[position++]!;
      if (length < 0x80) throw new CertificateParseError(`${what}: length is not minimally encoded`);
    }
    if (length > this.bytes.length - position) throw new CertificateParseError(`${what}: length ${length} exceeds the remaining input`);
    const contents = this.bytes.subarray(position, position + length);
    this.offset = position + length;
    return { tag, contents, encoded: this.bytes.subarray(start, this.offset) };
  }

  /** Reads the next element and checks its tag. */
  expect(tag: number, what: string): DerElement {
    const next = this.peekTag();
    if (next !== tag) {
      const found = next === undefined ? 'end of input' : `tag 0x${next.toString(16)}`;
      throw new CertificateParseError(`${what}: expected tag 0x${tag.toString(16)}, found ${found}`);
    }
    return this.read(what);
  }

  /** Reads the next element if it has `tag`; otherwise leaves the reader alone. */
  optional(tag: number, what: string): DerElement | undefined {
    return this.peekTag() === tag ? this.read(what) : undefined;
  }

  /** Reads a SEQUENCE (or another constructed `tag`) and returns a reader over its contents. */
  enter(tag: number, what: string): DerReader {
    return new DerReader(this.expect(tag, what).contents);
  }

  /** Throws unless every byte was consumed. */
  expectEnd(what: string): void {
    if (!this.atEnd) throw new CertificateParseError(`${what}: ${this.bytes.length - this.offset} unexpected trailing bytes`);
  }
}

function checkMinimalInteger(contents: Uint8Array, what: string): void {
  if (contents.length === 0) throw new CertificateParseError(`${what}: empty INTEGER`);
  if (contents.length > 1) {
    const a = contents[0]!;
    const b = contents[1]!;
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) {
      throw new CertificateParseError(`${what}: INTEGER is not minimally encoded`);
    }
  }
}

/** Decodes INTEGER contents (two's complement, minimal) as a bigint. */
export function decodeInteger(element: DerElement, what: string): bigint {
  if (element.tag !== Tag.INTEGER) throw new CertificateParseError(`${what}: expected INTEGER`);
  checkMinimalInteger(element.contents, what);
  let value = 0n;
  for (const byte of element.contents) value = (value << 8n) | BigInt(byte);
  if (element.contents[0]! >= 0x80) value -= 1n << BigInt(element.contents.length * 8);
  return value;
}

/** Decodes a non-negative INTEGER no larger than `max` as a number. */
export function decodeSmallInteger(element: DerElement, what: string, max = 0x7fffffff): number {
  const value = decodeInteger(element, what);
  if (value < 0n || value > BigInt(max)) throw new CertificateParseError(`${what}: INTEGER ${value} out of range 0..${max}`);
  return Number(value);
}

/** Checks INTEGER encoding and returns its raw content octets (serial numbers). */
export function integerBytes(element: DerElement, what: string): Uint8Array {
  if (element.tag !== Tag.INTEGER) throw new CertificateParseError(`${what}: expected INTEGER`);
  checkMinimalInteger(element.contents, what);
  return element.contents;
}

/** Decodes a positive INTEGER (RSA moduli and exponents). */
export function decodePositiveInteger(element: DerElement, what: string): bigint {
  const value = decodeInteger(element, what);
  if (value <= 0n) throw new CertificateParseError(`${what}: INTEGER must be positive`);
  return value;
}

/** Decodes a DER BOOLEAN (0x00 or 0xFF only). */
export function decodeBoolean(element: DerElement, what: string): boolean {
  if (element.tag !== Tag.BOOLEAN || element.contents.length !== 1) throw new CertificateParseError(`${what}: bad BOOLEAN`);
  const value = element.contents[0];
  if (value === 0x00) return false;
  if (value === 0xff) return true;
  throw new CertificateParseError(`${what}: BOOLEAN must be 0x00 or 0xFF in DER`);
}

/** Checks a NULL element. */
export function decodeNull(element: DerElement, what: string): null {
  if (element.tag !== Tag.NULL || element.contents.length !== 0) throw new CertificateParseError(`${what}: bad NULL`);
  return null;
}

/** Decodes an OBJECT IDENTIFIER into dotted-decimal text. */
export function decodeOid(element: DerElement, what: string): string {
  if (element.tag !== Tag.OID) throw new CertificateParseError(`${what}: expected OBJECT IDENTIFIER`);
  const bytes = element.contents;
  if (bytes.length === 0) throw new CertificateParseError(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: string[] = [];
  let value = 0n;
  let startOfArc = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (startOfArc && byte === 0x80) throw new CertificateParseError(`${what}: OBJECT IDENTIFIER arc is not minimal`);
    value = (value << 7n) | BigInt(byte & 0x7f);
    startOfArc = (byte & 0x80) === 0;
    if (startOfArc) {
      if (arcs.length === 0) {
        const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
        arcs.push(first.toString(), (value - first * 40n).toString());
      } else {
        arcs.push(value.toString());
      }
      value = 0n;
    }
  }
  if (!startOfArc) throw new CertificateParseError(`${what}: truncated OBJECT IDENTIFIER`);
  return arcs.join('.');
}

/** Decodes a BIT STRING, returning its octets and the count of unused bits in the last one. */
export function decodeBitString(element: DerElement, what: string): { bytes: Uint8Array; unusedBits: number } {
  if (element.tag !== Tag.BIT_STRING || element.contents.length === 0) throw new CertificateParseError(`${what}: bad BIT STRING`);
  const unusedBits = element.contents[0]!;
  const bytes = element.contents.subarray(1);
  if (unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) throw new CertificateParseError(`${what}: bad unused-bit count`);
  if (unusedBits > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new CertificateParseError(`${what}: unused bits must be zero in DER`);
  }
  return { bytes, unusedBits };
}

/** Decodes a BIT STRING that must hold whole octets (keys, signatures). */
export function decodeOctetAlignedBitString(element: DerElement, what: string): Uint8Array {
  const { bytes, unusedBits } = decodeBitString(element, what);
  if (unusedBits !== 0) throw new CertificateParseError(`${what}: BIT STRING is not octet-aligned`);
  return bytes;
}

/** Checks an OCTET STRING and returns its contents. */
export function decodeOctetString(element: DerElement, what: string): Uint8Array {
  if (element.tag !== Tag.OCTET_STRING) throw new CertificateParseError(`${what}: expected OCTET STRING`);
  return element.contents;
}

function digits(text: string, from: number, count: number, what: string): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) throw new CertificateParseError(`${what}: bad digit in time`);
    value = value * 10 + code;
  }
  return value;
}

/** Decodes a UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as RFC 5280 restricts them. */
export function decodeTime(element: DerElement, what: string): Date {
  const text = latin1(element.contents);
  let year: number;
  let rest: number;
  if (element.tag === Tag.UTCTime) {
    if (text.length !== 13) throw new CertificateParseError(`${what}: UTCTime must be YYMMDDHHMMSSZ`);
    const yy = digits(text, 0, 2, what);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = 2;
  } else if (element.tag === Tag.GeneralizedTime) {
    if (text.length !== 15) throw new CertificateParseError(`${what}: GeneralizedTime must be YYYYMMDDHHMMSSZ`);
    year = digits(text, 0, 4, what);
    rest = 4;
  } else {
    throw new CertificateParseError(`${what}: expected UTCTime or GeneralizedTime`);
  }
  if (text[text.length - 1] !== 'Z') throw new CertificateParseError(`${what}: time must end in Z`);
  const month = digits(text, rest, 2, what);
  const day = digits(text, rest + 2, 2, what);
  const hour = digits(text, rest + 4, 2, what);
  const minute = digits(text, rest + 6, 2, what);
  const second = digits(text, rest + 8, 2, what);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) date.setUTCFullYear(year);
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 ||
    date.getUTCDate() !== day || date.getUTCMonth() !== month - 1
  ) {
    throw new CertificateParseError(`${what}: invalid calendar time`);
  }
  return date;
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a directory or IA5 string type into text; throws on a type or encoding we reject. */
export function decodeString(element: DerElement, what: string): string {
  const bytes = element.contents;
  switch (element.tag) {
    case Tag.UTF8String:
      try {
        return utf8.decode(bytes);
      } catch {
        throw new CertificateParseError(`${what}: invalid UTF-8`);
      }
    case Tag.PrintableString:
    case Tag.IA5String:
      for (const byte of bytes) if (byte > 0x7f) throw new CertificateParseError(`${what}: non-ASCII byte in ASCII string`);
      return latin1(bytes);
    case Tag.TeletexString:
      return latin1(bytes);
    case Tag.BMPString: {
      if (bytes.length % 2 !== 0) throw new CertificateParseError(`${what}: odd-length BMPString`);
      let text = '';
      for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return text;
    }
    case Tag.UniversalString: {
      if (bytes.length % 4 !== 0) throw new CertificateParseError(`${what}: bad UniversalString length`);
      let text = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const code = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
        if (code > 0x10ffff) throw new CertificateParseError(`${what}: bad UniversalString code point`);
        text += String.fromCodePoint(code);
      }
      return text;
    }
    default:
      throw new CertificateParseError(`${what}: unsupported string type 0x${element.tag.toString(16)}`, 'unsupported');
  }
}

/** Decodes an IA5String (dNSName, rfc822Name, URI) and checks it is ASCII. */
export function decodeIa5String(contents: Uint8Array, what: string): string {
  for (const byte of contents) if (byte > 0x7f) throw new CertificateParseError(`${what}: non-ASCII byte in IA5String`);
  return latin1(contents);
}

/** True when two byte arrays hold the same bytes (noble's constant-time comparison). */
export { equalBytes as bytesEqual } from '@noble/curves/utils.js';
