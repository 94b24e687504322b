/**
 * A DER writer: plain functions that each return one encoded element, composed by
 * nesting. Used by the development-certificate issuer and the PKCS#8 key encoder.
 */

import { Tag } from './der.js';

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** One element with the given tag byte around `contents`. */
export function element(tag: number, contents: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const body = contents instanceof Uint8Array ? contents : concatBytes(contents);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/** SEQUENCE of already-encoded elements. */
export function sequence(elements: readonly Uint8Array[]): Uint8Array {
  return element(Tag.SEQUENCE, elements);
}

/** SET OF already-encoded elements, sorted as DER requires. */
export function setOf(elements: readonly Uint8Array[]): Uint8Array {
  const sorted = [...elements].sort(compareBytes);
  return element(Tag.SET, sorted);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Context-specific `[n]` wrapping: explicit (constructed) around encoded elements. */
export function explicit(n: number, inner: Uint8Array | readonly Uint8Array[]): Uint8Array {
  return element(0xa0 | n, inner);
}

/** Context-specific `[n]` primitive with raw contents (IMPLICIT of a primitive type). */
export function implicitPrimitive(n: number, contents: Uint8Array): Uint8Array {
  return element(0x80 | n, contents);
}

/** INTEGER from a non-negative bigint or number. */
export function integer(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError('negative INTEGER not supported by this writer');
  const octets: number[] = [];
  do {
    octets.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (octets[0]! >= 0x80) octets.unshift(0);
  return element(Tag.INTEGER, Uint8Array.from(octets));
}

/** INTEGER from unsigned big-endian magnitude bytes (adds a zero octet when needed). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return element(Tag.INTEGER, trimmed[0]! >= 0x80 ? concatBytes([Uint8Array.of(0), trimmed]) : trimmed);
}

/** BOOLEAN. */
export function boolean(value: boolean): Uint8Array {
  return element(Tag.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

/** NULL. */
export function nullValue(): Uint8Array {
  return element(Tag.NULL, new Uint8Array(0));
}

/** OBJECT IDENTIFIER from dotted-decimal text. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`);
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const octets: number[] = [];
  for (const value of values) {
    const group: number[] = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) group.unshift(Number(rest & 0x7fn) | 0x80);
    octets.push(...group);
  }
  return element(Tag.OID, Uint8Array.from(octets));
}

/** OCTET STRING. */
export function octetString(contents: Uint8Array): Uint8Array {
  return element(Tag.OCTET_STRING, contents);
}

/** BIT STRING of whole octets. */
export function bitString(bytes: Uint8Array): Uint8Array {
  return element(Tag.BIT_STRING, concatBytes([Uint8Array.of(0), bytes]));
}

/** BIT STRING for a named-bit list (bit 0 is the most significant bit), trailing zeros removed. */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return element(Tag.BIT_STRING, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return element(Tag.BIT_STRING, concatBytes([Uint8Array.of(unused), bytes]));
}

/** UTF8String. */
export function utf8String(text: string): Uint8Array {
  return element(Tag.UTF8String, new TextEncoder().encode(text));
}

/** IA5String (ASCII only). */
export function ia5String(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) throw new RangeError('IA5String must be ASCII');
  return element(Tag.IA5String, new TextEncoder().encode(text));
}

function pad(value: number, width: number): string {
  return value.toString().padStart(width, '0');
}

/** Time as RFC 5280 requires: UTCTime for 1950..2049, GeneralizedTime otherwise; whole seconds. */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const tail =
    pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) + pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z';
  if (year >= 1950 && year < 2050) return element(Tag.UTCTime, new TextEncoder().encode(pad(year % 100, 2) + tail));
  return element(Tag.GeneralizedTime, new TextEncoder().encode(pad(year, 4) + tail));
}
