/**
 * Finds TLS record boundaries in a captured byte stream (one direction of a connection)
 * from the 5-byte record headers, so the IO-call benchmark can say how many records each
 * write carried and each read took in. It never decrypts anything.
 */

/** TLS record content types by code (RFC 8446 section 5.1). */
const CONTENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  20: 'change_cipher_spec',
  21: 'alert',
  22: 'handshake',
  23: 'application_data',
};

/** The record content type code of TLSCiphertext (every encrypted TLS 1.3 record). */
export const APPLICATION_DATA = 23;

/** One record header found in a stream. */
export interface RecordHeader {
  /** Offset of the header's first byte in the stream. */
  readonly offset: number;
  readonly contentType: number;
  /** Length of the fragment after the 5-byte header. */
  readonly length: number;
}

/** The name of a record content type, or its number when unknown. */
export function contentTypeName(code: number): string {
  return CONTENT_TYPE_NAMES[code] ?? `type ${code}`;
}

/** Every record header in `stream`, in order; stops at bytes that are not a record header. */
export function recordHeaders(stream: Uint8Array): RecordHeader[] {
  const headers: RecordHeader[] = [];
  let offset = 0;
  while (offset + 5 <= stream.length) {
    const contentType = stream[offset]!;
    const major = stream[offset + 1]!;
    if (!(contentType in CONTENT_TYPE_NAMES) || major !== 3) break;
    const length = (stream[offset + 3]! << 8) | stream[offset + 4]!;
    headers.push({ offset, contentType, length });
    offset += 5 + length;
  }
  return headers;
}

/** The records whose header starts in `[start, end)` of the stream. */
export function recordsStartingIn(headers: readonly RecordHeader[], start: number, end: number): RecordHeader[] {
  return headers.filter((h) => h.offset >= start && h.offset < end);
}

/** A short description of records, e.g. `handshake 512, change_cipher_spec 1, application_data 2809`. */
export function describeRecords(records: readonly RecordHeader[]): string {
  return records.map((r) => `${contentTypeName(r.contentType)} ${r.length}`).join(', ');
}
