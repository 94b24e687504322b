/**
 * Strict DER decoding of an ECDSA-Sig-Value (RFC 3279 section 2.2.3: SEQUENCE { r INTEGER,
 * s INTEGER }), as TLS and X.509 carry ECDSA signatures. Both providers decode with this so
 * they reject exactly the same encodings: BER leniency (long-form short lengths, padded or
 * negative integers, trailing bytes) is refused.
 */

const sequenceTag = 0x30;
const integerTag = 0x02;

/**
 * Reads one minimally encoded, positive DER INTEGER at `offset`; returns its magnitude
 * (without the sign byte) and the offset after it, or null when the encoding is not DER.
 */
function readPositiveInteger(
  der: Uint8Array,
  offset: number,
  end: number,
): { value: Uint8Array; next: number } | null {
  if (offset + 2 > end || der[offset] !== integerTag) return null;
  const length = der[offset + 1]!;
  // Every integer here is shorter than 128 bytes, so the length is always in short form.
  if (length === 0 || length >= 0x80 || offset + 2 + length > end) return null;
  const start = offset + 2;
  const first = der[start]!;
  if (first & 0x80) return null; // negative
  if (first === 0x00) {
    // A leading zero only keeps a high-bit byte positive; a bare zero is an invalid r or s.
    if (length === 1 || (der[start + 1]! & 0x80) === 0) return null;
    return { value: der.subarray(start + 1, start + length), next: start + length };
  }
  return { value: der.subarray(start, start + length), next: start + length };
}

/**
 * Converts a DER ECDSA signature to r || s, each left-padded to `scalarLength` bytes, or
 * returns null when it is not strict DER, a value is zero, or a value is wider than the
 * curve order's byte length. The check against the order itself is the verifier's.
 */
export function ecdsaDerToRaw(der: Uint8Array, scalarLength: number): Uint8Array | null {
  if (!(der instanceof Uint8Array) || der.length < 8 || der[0] !== sequenceTag) return null;
  // P-521 signatures can exceed 127 content bytes: then (and only then) the length is 0x81 nn.
  const longForm = der[1] === 0x81;
  const contentLength = longForm ? der[2]! : der[1]!;
  const header = longForm ? 3 : 2;
  if (longForm ? contentLength < 0x80 : contentLength >= 0x80) return null;
  if (contentLength + header !== der.length) return null;
  const r = readPositiveInteger(der, header, der.length);
  if (r === null) return null;
  const s = readPositiveInteger(der, r.next, der.length);
  if (s === null || s.next !== der.length) return null;
  if (r.value.length > scalarLength || s.value.length > scalarLength) return null;
  const raw = new Uint8Array(2 * scalarLength);
  raw.set(r.value, scalarLength - r.value.length);
  raw.set(s.value, 2 * scalarLength - s.value.length);
  return raw;
}
