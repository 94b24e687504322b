/**
 * UTF-8 text to bytes and back for the codec's names (SNI, ALPN, labels, session fields),
 * through one encoder and one decoder per process instead of a new one per call.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` as UTF-8 bytes. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 bytes as text (malformed sequences become U+FFFD, as TextDecoder does by default). */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
