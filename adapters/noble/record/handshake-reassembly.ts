/**
 * `HandshakeReassembler`: joins handshake-record fragments into whole handshake
 * messages (RFC 8446 section 5.1: messages may span records and records may carry
 * several messages). Work is linear in the bytes received: fragments are copied once
 * into one growing buffer. A message longer than its cap is refused as soon as its
 * header is seen, before anything is buffered for it, and one message may span at most
 * `MAX_RECORDS_PER_HANDSHAKE_MESSAGE` records. The buffer is released whenever no partial
 * message is left in it.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { HandshakeMessage } from '../codec/handshake.js';

/** The default cap on one handshake message: 64 KiB (certificate chains included). */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 65536;
/** The cap on a ClientHello: 128 KiB, as OpenSSL accepts (long signature_algorithms or key_share lists). */
export const MAX_CLIENT_HELLO = 131072;
/**
 * The most records one handshake message may span: 2^16, so a 64 KiB message still
 * arrives one byte per record; a message split finer is refused with unexpected_message.
 */
export const MAX_RECORDS_PER_HANDSHAKE_MESSAGE = 65536;

const CLIENT_HELLO = 1;
const EMPTY: Uint8Array = new Uint8Array(0);

/** Buffers handshake fragments and yields complete messages. */
export class HandshakeReassembler {
  private buffer: Uint8Array = EMPTY;
  private start = 0;
  private end = 0;
  /** Records that contributed to the message at `start` (the one being assembled). */
  private recordsInMessage = 0;

  /**
   * `maxMessageLength` caps every message; `maxClientHelloLength` caps a ClientHello
   * (a server's first message), which may be larger.
   */
  constructor(
    private readonly maxMessageLength = DEFAULT_MAX_HANDSHAKE_MESSAGE,
    private readonly maxClientHelloLength = Math.max(MAX_CLIENT_HELLO, maxMessageLength),
  ) {}

  /** True when no partial message is buffered (key changes must happen on a message boundary). */
  get isEmpty(): boolean {
    return this.end === this.start;
  }

  /** Adds a record's fragment (copied: the caller may reuse its buffer). */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    if (this.isEmpty) this.start = this.end = 0;
    if (++this.recordsInMessage > MAX_RECORDS_PER_HANDSHAKE_MESSAGE) {
      throw TLSAlertError.sent('unexpected_message', `a handshake message spans more than ${MAX_RECORDS_PER_HANDSHAKE_MESSAGE} records`);
    }
    this.reserve(fragment.length);
    this.buffer.set(fragment, this.end);
    this.end += fragment.length;
  }

  /** The next complete message, or undefined until more fragments arrive. */
  next(): HandshakeMessage | undefined {
    const available = this.end - this.start;
    if (available < 4) return undefined;
    const b = this.buffer;
    const s = this.start;
    const type = b[s]!;
    const length = (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!;
    const cap = type === CLIENT_HELLO ? this.maxClientHelloLength : this.maxMessageLength;
    if (length > cap) {
      throw TLSAlertError.sent('decode_error', `handshake message of ${length} bytes exceeds the cap of ${cap}`);
    }
    if (available < 4 + length) return undefined;
    const raw = b.slice(s, s + 4 + length);
    this.start += 4 + length;
    // The next message (if any) began in the record that ended this one.
    this.recordsInMessage = this.isEmpty ? 0 : 1;
    // Hold no buffer between messages (an idle connection keeps none).
    if (this.isEmpty) {
      this.buffer = EMPTY;
      this.start = this.end = 0;
    }
    return { type: raw[0]!, body: raw.subarray(4), raw };
  }

  /** Makes room for `n` more bytes, compacting or growing geometrically (amortised linear). */
  private reserve(n: number): void {
    if (this.end + n <= this.buffer.length) return;
    const live = this.end - this.start;
    if (live + n <= this.buffer.length) {
      this.buffer.copyWithin(0, this.start, this.end);
    } else {
      const next = new Uint8Array(Math.max(live + n, 2 * this.buffer.length));
      next.set(this.buffer.subarray(this.start, this.end));
      this.buffer = next;
    }
    this.start = 0;
    this.end = live;
  }
}
