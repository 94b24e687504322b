/**
 * `HandshakeReassembler`: joins handshake-record fragments into whole handshake
 * messages (RFC 8446 section 5.1: messages may span records and records may carry
 * several messages). A message longer than the cap is refused as soon as its header
 * is seen, before anything is buffered for it.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { HandshakeMessage } from '../codec/handshake.js';

/** The default cap on one handshake message: 64 KiB (certificate chains included). */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 65536;

/** Buffers handshake fragments and yields complete messages. */
export class HandshakeReassembler {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;

  constructor(private readonly maxMessageLength = DEFAULT_MAX_HANDSHAKE_MESSAGE) {}

  /** True when no partial message is buffered (key changes must happen on a message boundary). */
  get isEmpty(): boolean {
    return this.pendingLength === 0;
  }

  /** Adds a record's fragment. */
  push(fragment: Uint8Array): void {
    this.pending.push(fragment);
    this.pendingLength += fragment.length;
  }

  /** The next complete message, or undefined until more fragments arrive. */
  next(): HandshakeMessage | undefined {
    if (this.pendingLength < 4) return undefined;
    const head = this.peek(4);
    const length = (head[1]! << 16) | (head[2]! << 8) | head[3]!;
    if (length > this.maxMessageLength) {
      throw TLSAlertError.sent('decode_error', `handshake message of ${length} bytes exceeds the cap of ${this.maxMessageLength}`);
    }
    if (this.pendingLength < 4 + length) return undefined;
    const raw = this.consume(4 + length);
    return { type: raw[0]!, body: raw.subarray(4), raw };
  }

  private peek(n: number): Uint8Array {
    const first = this.pending[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let filled = 0;
    for (const chunk of this.pending) {
      const take = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (filled === n) break;
    }
    return out;
  }

  private consume(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.pending[0]!;
      const take = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(take);
    }
    this.pendingLength -= n;
    return out;
  }
}
