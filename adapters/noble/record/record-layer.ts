/**
 * The TLS 1.3 record layer (RFC 8446 section 5): framing, AEAD protection with the
 * per-record nonce, the inner content type and padding, and the size caps. The
 * `RecordReader` takes received bytes in any fragmentation and yields whole records;
 * the `RecordWriter` turns fragments into wire records. The engine owns one of each.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { AeadKey } from '../crypto/provider.js';

/** ContentType code points (section 5.1). */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

/** The largest TLSPlaintext / TLSInnerPlaintext content: 2^14 bytes. */
export const MAX_PLAINTEXT = 16384;
/** The largest TLSCiphertext fragment: 2^14 + 256 bytes. */
export const MAX_CIPHERTEXT = 16384 + 256;
/** Record header length. */
export const HEADER_LENGTH = 5;
const TAG_LENGTH = 16;

/** One record after deframing and (when keys are in place) decryption. */
export interface TLSRecord {
  readonly type: number;
  readonly fragment: Uint8Array;
  /** True when it arrived AEAD-protected. */
  readonly encrypted: boolean;
}

/**
 * What protects records in one direction: this file's TLS 1.3 `RecordProtection`, or
 * the TLS 1.2 AEAD protection (tls12/record-protection.ts). Both have the same shape.
 */
export interface RecordSealer {
  /** False in TLS 1.3 (every protected record is application_data outside); true in TLS 1.2 (the real type is outside). */
  readonly protectsEveryContentType: boolean;
  /** The shortest fragment that can be a protected record. */
  readonly minimumFragmentLength: number;
  /** Encrypts content of `type` into a complete wire record. */
  seal(type: number, content: Uint8Array, padding?: number): Uint8Array;
  /** Decrypts a record; throws the alert for a record that fails. */
  open(header: Uint8Array, fragment: Uint8Array): TLSRecord;
  /** Like `open`, but gives null for a record that fails authentication (trial decryption). */
  tryOpen(header: Uint8Array, fragment: Uint8Array): TLSRecord | null;
}

/** An AEAD key with its static IV and the 64-bit record sequence number (section 5.3). */
export class RecordProtection implements RecordSealer {
  readonly protectsEveryContentType = false;
  readonly minimumFragmentLength = TAG_LENGTH + 1;
  private sequence = 0;

  constructor(private readonly aead: AeadKey, private readonly iv: Uint8Array) {}

  /** The nonce for the next record: the IV XORed with the left-padded sequence number (not yet consumed). */
  private currentNonce(): Uint8Array {
    if (this.sequence >= Number.MAX_SAFE_INTEGER) throw TLSAlertError.sent('internal_error', 'record sequence number exhausted');
    const nonce = this.iv.slice();
    const s = this.sequence;
    const low = s >>> 0;
    const high = Math.floor(s / 0x100000000);
    nonce[4]! ^= high >>> 24;
    nonce[5]! ^= (high >>> 16) & 0xff;
    nonce[6]! ^= (high >>> 8) & 0xff;
    nonce[7]! ^= high & 0xff;
    nonce[8]! ^= low >>> 24;
    nonce[9]! ^= (low >>> 16) & 0xff;
    nonce[10]! ^= (low >>> 8) & 0xff;
    nonce[11]! ^= low & 0xff;
    return nonce;
  }

  private nextNonce(): Uint8Array {
    const nonce = this.currentNonce();
    this.sequence++;
    return nonce;
  }

  /** Encrypts a TLSInnerPlaintext into a complete wire record, built in one buffer. */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const innerLength = content.length + 1 + padding;
    const length = innerLength + TAG_LENGTH;
    const out = new Uint8Array(HEADER_LENGTH + length);
    out[0] = ContentType.application_data;
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = length >>> 8;
    out[4] = length & 0xff;
    out.set(content, HEADER_LENGTH);
    out[HEADER_LENGTH + content.length] = type;
    const body = out.subarray(HEADER_LENGTH);
    this.aead.seal(this.nextNonce(), body.subarray(0, innerLength), out.subarray(0, HEADER_LENGTH), body);
    return out;
  }

  /** Decrypts a record; bad_record_mac on failure, record_overflow or unexpected_message on a bad inner plaintext. */
  open(header: Uint8Array, fragment: Uint8Array): TLSRecord {
    const record = this.tryOpen(header, fragment);
    if (record === null) throw TLSAlertError.sent('bad_record_mac', 'record failed authentication');
    return record;
  }

  /** Like `open`, but a record that fails authentication gives null and does not consume a sequence number (trial decryption). */
  tryOpen(header: Uint8Array, fragment: Uint8Array): TLSRecord | null {
    const inner = this.aead.open(this.currentNonce(), fragment, header);
    if (inner === null) return null;
    this.sequence++;
    if (inner.length > MAX_PLAINTEXT + 1) throw TLSAlertError.sent('record_overflow', 'TLSInnerPlaintext exceeds 2^14 + 1 bytes');
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw TLSAlertError.sent('unexpected_message', 'TLSInnerPlaintext has no content type');
    return { type: inner[end]!, fragment: inner.subarray(0, end), encrypted: true };
  }
}

/** The 5-byte record header. */
export function recordHeader(type: number, length: number): Uint8Array {
  return Uint8Array.of(type, 0x03, 0x03, length >>> 8, length & 0xff);
}

/**
 * The most bytes of early data a server that rejected 0-RTT skips (RFC 8446 section
 * 4.2.10): records it cannot decrypt after its ServerHello, or application_data records
 * before the second ClientHello after a HelloRetryRequest. Past it: the record is an error.
 */
export const MAX_SKIPPED_EARLY_DATA = 65536;

/** Which early-data records a server that rejected 0-RTT skips. */
export type EarlyDataSkip = 'none' | 'undecryptable' | 'application_data';

/** Deframes received bytes into records, decrypting once read keys are installed. */
export class RecordReader {
  private buffer = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private protection: RecordSealer | undefined;
  private decryptedAny = false;
  private skip: EarlyDataSkip = 'none';
  private skipBudget = 0;

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** True when read keys are installed. */
  get encrypting(): boolean {
    return this.protection !== undefined;
  }

  /** Installs the keys that protect every following record (and ends any early-data skipping). */
  setProtection(protection: RecordSealer): void {
    this.protection = protection;
    this.skip = 'none';
  }

  /** Starts skipping rejected early data (section 4.2.10), up to MAX_SKIPPED_EARLY_DATA bytes. */
  skipEarlyData(mode: EarlyDataSkip): void {
    this.skip = mode;
    this.skipBudget = MAX_SKIPPED_EARLY_DATA;
  }

  /** Appends received bytes (copied: the caller may reuse its buffer). */
  feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.end + bytes.length > this.buffer.length) {
      const live = this.end - this.start;
      const needed = live + bytes.length;
      if (needed <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(needed, 2 * this.buffer.length, 4096));
        next.set(this.buffer.subarray(this.start, this.end));
        this.buffer = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** The next whole record, or undefined until more bytes arrive. Headers are checked as soon as they are complete. */
  next(): TLSRecord | undefined {
    for (;;) {
      if (this.end - this.start < HEADER_LENGTH) return undefined;
      const b = this.buffer;
      const s = this.start;
      const type = b[s]!;
      const length = (b[s + 3]! << 8) | b[s + 4]!;
      if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
        throw TLSAlertError.sent('unexpected_message', `record content type ${type} is not defined`);
      }
      if (b[s + 1] !== 0x03) throw TLSAlertError.sent('decode_error', `record version ${b[s + 1]}.${b[s + 2]} is not TLS`);
      const protectedType =
        type === ContentType.application_data || (this.protection?.protectsEveryContentType === true && type !== ContentType.change_cipher_spec);
      const cap = this.protection && protectedType ? MAX_CIPHERTEXT : MAX_PLAINTEXT;
      if (length > cap) throw TLSAlertError.sent('record_overflow', `record of ${length} bytes exceeds ${cap}`);
      if (this.end - s < HEADER_LENGTH + length) return undefined;
      const header = b.subarray(s, s + HEADER_LENGTH); // only read by the synchronous open() below
      const fragment = b.subarray(s + HEADER_LENGTH, s + HEADER_LENGTH + length);
      this.start += HEADER_LENGTH + length;
      if (this.start === this.end) this.start = this.end = 0;
      if (protectedType && this.protection) {
        if (length < this.protection.minimumFragmentLength) throw TLSAlertError.sent('bad_record_mac', 'encrypted record shorter than its tag');
        if (this.skip !== 'undecryptable') return this.opened(this.protection.open(header, fragment));
        const record = this.protection.tryOpen(header, fragment);
        if (record) {
          this.skip = 'none';
          return this.opened(record);
        }
        if (this.spendSkip(length)) continue;
        throw TLSAlertError.sent('bad_record_mac', `record failed authentication after ${MAX_SKIPPED_EARLY_DATA} bytes of skipped early data`);
      }
      if (type === ContentType.application_data) {
        if (this.skip === 'application_data' && this.spendSkip(length)) continue;
        throw TLSAlertError.sent('unexpected_message', 'application data before keys were established');
      }
      if (length === 0 && type !== ContentType.change_cipher_spec) {
        throw TLSAlertError.sent('unexpected_message', 'zero-length handshake or alert record');
      }
      // A peer that cannot derive our keys may answer our flight with a plaintext alert
      // before it sends any protected record; take it as its alert.
      const plaintextAlert = type === ContentType.alert && !this.decryptedAny;
      if (this.protection && type !== ContentType.change_cipher_spec && !plaintextAlert) {
        throw TLSAlertError.sent('unexpected_message', 'unprotected record after keys were established');
      }
      return { type, fragment: fragment.slice(), encrypted: false };
    }
  }

  private opened(record: TLSRecord): TLSRecord {
    this.decryptedAny = true;
    return record;
  }

  private spendSkip(length: number): boolean {
    if (length > this.skipBudget) return false;
    this.skipBudget -= length;
    return true;
  }
}

/** Frames outgoing content into wire records, encrypting once write keys are installed. */
export class RecordWriter {
  private protection: RecordSealer | undefined;

  /**
   * `initialVersion` is the legacy_record_version of the first record: 0x0301 for a
   * client's first ClientHello (section 5.1, for middleboxes), 0x0303 for everything else.
   */
  constructor(private initialVersion = 0x0303) {}

  /** True when write keys are installed. */
  get encrypting(): boolean {
    return this.protection !== undefined;
  }

  /** Installs the keys that protect every following record. */
  setProtection(protection: RecordSealer): void {
    this.protection = protection;
  }

  /** Wire records carrying `content` of `type`, split into 2^14-byte fragments. */
  records(type: number, content: Uint8Array, out: Uint8Array[]): void {
    let offset = 0;
    do {
      const piece = content.subarray(offset, offset + MAX_PLAINTEXT);
      offset += piece.length;
      out.push(this.record(type, piece));
    } while (offset < content.length);
  }

  /** One wire record for at most 2^14 bytes of content. */
  record(type: number, content: Uint8Array): Uint8Array {
    if (this.protection) return this.protection.seal(type, content);
    const out = new Uint8Array(HEADER_LENGTH + content.length);
    out.set(recordHeader(type, content.length));
    out[2] = this.initialVersion & 0xff;
    this.initialVersion = 0x0303;
    out.set(content, HEADER_LENGTH);
    return out;
  }

  /** The unprotected change_cipher_spec record sent for middlebox compatibility. */
  static changeCipherSpec(): Uint8Array {
    return Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);
  }
}
