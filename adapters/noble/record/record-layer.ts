/**
 * The TLS 1.3 record layer (RFC 8446 section 5): framing, AEAD protection with the
 * per-record nonce, the inner content type and padding, and the size caps. The
 * `RecordReader` takes received bytes in any fragmentation and yields whole records;
 * the `RecordWriter` turns fragments into wire records. The engine owns one of each.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { AeadKey } from '../../../src/crypto/provider.js';
import { concatBytes } from '../../../src/raw-connection.js';

/** ContentType code points (section 5.1). */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

/** The largest TLSPlaintext / TLSInnerPlaintext content: 2^14 bytes. */
export const MAX_PLAINTEXT = 16384;
/** The largest TLSInnerPlaintext (content, content type, padding): 2^14 + 1 bytes (section 5.2). */
export const MAX_INNER_PLAINTEXT = MAX_PLAINTEXT + 1;
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
  /** The largest (inner) plaintext accepted when opening; a larger one is record_overflow. */
  maxInnerLength: number;
  /** Encrypts content of `type` into a complete wire record. */
  seal(type: number, content: Uint8Array, padding?: number): Uint8Array;
  /** Encrypts content of `type` given as the concatenation of `parts`, pushing the wire record onto `out` as one or more buffers. */
  sealParts(type: number, parts: readonly Uint8Array[], out: Uint8Array[]): void;
  /** Decrypts a record; throws the alert for a record that fails. */
  open(header: Uint8Array, fragment: Uint8Array): TLSRecord;
  /** Like `open`, but gives null for a record that fails authentication (trial decryption). */
  tryOpen(header: Uint8Array, fragment: Uint8Array): TLSRecord | null;
}

/**
 * An AEAD key with its static IV and the 64-bit record sequence number (section 5.3). The
 * IV is kept as three 32-bit words, not a buffer of its own (an idle connection holds two).
 */
export class RecordProtection implements RecordSealer {
  /**
   * The largest TLSInnerPlaintext accepted when opening: 2^14 + 1, or the record_size_limit
   * we announced once it was negotiated (RFC 8449 section 4); past it, record_overflow.
   */
  maxInnerLength = MAX_INNER_PLAINTEXT;
  /** TLS 1.3 hides the content type inside (section 5.2). */
  get protectsEveryContentType(): boolean {
    return false;
  }
  /** A tag and the inner content type byte. */
  get minimumFragmentLength(): number {
    return TAG_LENGTH + 1;
  }
  private sequence = 0;
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;

  constructor(private readonly aead: AeadKey, iv: Uint8Array) {
    if (iv.length !== 12) throw new RangeError('a TLS 1.3 record IV is 12 bytes');
    this.iv0 = word(iv, 0);
    this.iv1 = word(iv, 4);
    this.iv2 = word(iv, 8);
  }

  /** The nonce for the next record: the IV XORed with the left-padded sequence number (not yet consumed). */
  private currentNonce(): Uint8Array {
    if (this.sequence >= Number.MAX_SAFE_INTEGER) throw TLSAlertError.sent('internal_error', 'record sequence number exhausted');
    const s = this.sequence;
    const nonce = new Uint8Array(12);
    putWord(nonce, 0, this.iv0);
    putWord(nonce, 4, this.iv1 ^ Math.floor(s / 0x100000000));
    putWord(nonce, 8, this.iv2 ^ (s >>> 0));
    return nonce;
  }

  private nextNonce(): Uint8Array {
    const nonce = this.currentNonce();
    this.sequence++;
    return nonce;
  }

  /** Encrypts a TLSInnerPlaintext into a complete wire record in one buffer (small records, tests). */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const out: Uint8Array[] = [];
    this.sealParts(type, [content], out, padding);
    return concatBytes(out);
  }

  /**
   * Encrypts a TLSInnerPlaintext whose content is the concatenation of `parts` (section 5.2)
   * and pushes the wire record onto `out` as one or more buffers (the provider's choice; see
   * `AeadKey.sealFramed`). The parts are read during the call only, and never copied twice.
   */
  sealParts(type: number, parts: readonly Uint8Array[], out: Uint8Array[], padding = 0): void {
    let contentLength = 0;
    for (const part of parts) contentLength += part.length;
    const length = contentLength + 1 + padding + TAG_LENGTH;
    const header = Uint8Array.of(ContentType.application_data, 0x03, 0x03, length >>> 8, length & 0xff);
    const trailer = new Uint8Array(1 + padding);
    trailer[0] = type;
    this.aead.sealFramed(this.nextNonce(), header, [...parts, trailer], out);
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
    if (inner.length > this.maxInnerLength) {
      throw TLSAlertError.sent('record_overflow', `TLSInnerPlaintext of ${inner.length} bytes exceeds the limit of ${this.maxInnerLength}`);
    }
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw TLSAlertError.sent('unexpected_message', 'TLSInnerPlaintext has no content type');
    return { type: inner[end]!, fragment: inner.subarray(0, end), encrypted: true };
  }
}

/** The fragment length in the record header at `b[s]` (not yet checked). */
function declaredLength(b: Uint8Array, s: number): number {
  return (b[s + 3]! << 8) | b[s + 4]!;
}

/** The big-endian 32-bit word at `b[i]`. */
function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) | 0;
}

/** Writes `w` big-endian at `b[i]`. */
function putWord(b: Uint8Array, i: number, w: number): void {
  b[i] = w >>> 24;
  b[i + 1] = (w >>> 16) & 0xff;
  b[i + 2] = (w >>> 8) & 0xff;
  b[i + 3] = w & 0xff;
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

const EMPTY: Uint8Array = new Uint8Array(0);

/** Room for any one record: header and the largest protected fragment. */
const RECORD_BUFFER_SIZE = HEADER_LENGTH + MAX_CIPHERTEXT;
/**
 * One record buffer the process keeps between uses: a reader gives back its held buffer
 * once the record in it is consumed, and the next record cut off by the end of a read (on
 * any connection) goes into it instead of a freshly allocated, zero-filled one. Only the
 * bytes a reader writes are ever read back, and opened records are copied out by the
 * AEAD, so nothing of one connection reaches another. At most one: idle connections still
 * hold no receive buffer.
 */
let spareRecordBuffer: Uint8Array | undefined;

/** The spare record buffer (taken: no other reader gets it until it is given back), or a new one of its size. */
function takeRecordBuffer(): Uint8Array {
  const buffer = spareRecordBuffer ?? new Uint8Array(RECORD_BUFFER_SIZE);
  spareRecordBuffer = undefined;
  return buffer;
}

/**
 * Deframes received bytes into records, decrypting once read keys are installed. Whole
 * records are read in place from the bytes fed; only what is left over (a partial record,
 * or records the engine has not asked for yet) is copied into a buffer of its own, and that
 * buffer is released as soon as it is consumed: an idle connection holds no receive buffer.
 */
export class RecordReader {
  /** Bytes kept from earlier feeds (a partial record, or unread records), `heldStart..heldEnd`. */
  private held = EMPTY;
  private heldStart = 0;
  private heldEnd = 0;
  /** The caller's bytes of the current feed, read in place from `inputStart`. */
  private input = EMPTY;
  private inputStart = 0;
  private protection: RecordSealer | undefined;
  private decryptedAny = false;
  private skip: EarlyDataSkip = 'none';
  private skipBudget = 0;

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.heldEnd - this.heldStart + (this.input.length - this.inputStart);
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

  /** Holds records under the current read keys to `maxInnerLength` bytes of TLSInnerPlaintext (RFC 8449). */
  limitInnerPlaintext(maxInnerLength: number): void {
    if (this.protection) this.protection.maxInnerLength = maxInnerLength;
  }

  /** Starts skipping rejected early data (section 4.2.10), up to MAX_SKIPPED_EARLY_DATA bytes. */
  skipEarlyData(mode: EarlyDataSkip): void {
    this.skip = mode;
    this.skipBudget = MAX_SKIPPED_EARLY_DATA;
  }

  /**
   * Takes received bytes. They are read in place until `next()` returns undefined or
   * `keepUnread()` is called (either copies what is left), so the caller must not change
   * them before that.
   */
  feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.keepUnread();
    // A plain view: a Node Buffer's subarray (one per record, for header and fragment) costs several times a typed array's.
    this.input = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.inputStart = 0;
  }

  /** Copies the unread rest of the fed bytes into the reader's own buffer, so the caller may reuse its buffer. */
  keepUnread(): void {
    const rest = this.input.length - this.inputStart;
    if (rest > 0) {
      const live = this.heldEnd - this.heldStart;
      // A record cut off by the end of a read is held with room for all of it (its header
      // says how much), so completing it copies nothing twice. Otherwise geometric growth:
      // a caller that feeds many small pieces without reading stays linear.
      if (live === 0 && rest >= HEADER_LENGTH) this.reserveHeld(Math.max(rest, HEADER_LENGTH + Math.min(declaredLength(this.input, this.inputStart), MAX_CIPHERTEXT)));
      else this.reserveHeld(live + rest, true);
      this.held.set(this.input.subarray(this.inputStart), this.heldEnd);
      this.heldEnd += rest;
    }
    this.input = EMPTY;
    this.inputStart = 0;
  }

  /** The next whole record, or undefined until more bytes arrive. Headers are checked as soon as they are complete. */
  next(): TLSRecord | undefined {
    for (;;) {
      let b: Uint8Array;
      let s: number;
      let length: number;
      if (this.heldEnd > this.heldStart) {
        const held = this.completeHeldRecord();
        if (held < 0) return undefined;
        b = this.held;
        s = this.heldStart;
        length = held;
        this.heldStart += HEADER_LENGTH + length;
        if (this.heldStart === this.heldEnd) this.releaseHeld();
      } else {
        const available = this.input.length - this.inputStart;
        if (available < HEADER_LENGTH) {
          this.keepUnread();
          return undefined;
        }
        b = this.input;
        s = this.inputStart;
        length = this.checkHeader(b, s);
        if (available < HEADER_LENGTH + length) {
          this.keepUnread();
          return undefined;
        }
        this.inputStart += HEADER_LENGTH + length;
        if (this.inputStart === this.input.length) {
          this.input = EMPTY;
          this.inputStart = 0;
        }
      }
      const record = this.recordAt(b, s, length);
      if (record) return record;
    }
  }

  /**
   * Tops up the first held record from the input; returns its fragment length once it is
   * whole, or -1 when the input ran out first (everything it had is then held).
   */
  private completeHeldRecord(): number {
    let live = this.heldEnd - this.heldStart;
    if (live < HEADER_LENGTH) {
      this.reserveHeld(HEADER_LENGTH);
      live += this.moveInput(HEADER_LENGTH - live);
      if (live < HEADER_LENGTH) return -1;
    }
    const length = this.checkHeader(this.held, this.heldStart);
    const total = HEADER_LENGTH + length;
    if (live < total) {
      this.reserveHeld(total);
      live += this.moveInput(total - live);
      if (live < total) return -1;
    }
    return length;
  }

  /** Moves up to `n` bytes from the input to the end of the held bytes (room is reserved); returns how many. */
  private moveInput(n: number): number {
    const take = Math.min(n, this.input.length - this.inputStart);
    this.held.set(this.input.subarray(this.inputStart, this.inputStart + take), this.heldEnd);
    this.heldEnd += take;
    this.inputStart += take;
    if (this.inputStart === this.input.length) {
      this.input = EMPTY;
      this.inputStart = 0;
    }
    return take;
  }

  /**
   * Makes the held buffer able to hold `size` bytes from `heldStart`: at the exact size asked
   * (one record's, no slack kept), or with `grow` at least twice the old size.
   */
  private reserveHeld(size: number, grow = false): void {
    const live = this.heldEnd - this.heldStart;
    if (this.heldStart + size <= this.held.length) return;
    if (size <= this.held.length) {
      this.held.copyWithin(0, this.heldStart, this.heldEnd);
    } else {
      const wanted = Math.max(size, live, grow ? 2 * this.held.length : 0);
      // A record's worth (more than half the largest) takes the spare, or a buffer that can become it.
      const next = wanted > RECORD_BUFFER_SIZE / 2 && wanted <= RECORD_BUFFER_SIZE ? takeRecordBuffer() : new Uint8Array(wanted);
      next.set(this.held.subarray(this.heldStart, this.heldEnd));
      this.held = next;
    }
    this.heldStart = 0;
    this.heldEnd = live;
  }

  /** Drops the held buffer once everything in it is consumed, giving a record-sized one back as the spare. */
  private releaseHeld(): void {
    if (this.held.length === RECORD_BUFFER_SIZE && spareRecordBuffer === undefined) spareRecordBuffer = this.held;
    this.held = EMPTY;
    this.heldStart = this.heldEnd = 0;
  }

  /** True when a record of `type` is protected under the installed keys (TLS 1.2 protects all but change_cipher_spec). */
  private isProtectedType(type: number): boolean {
    if (type === ContentType.application_data) return true;
    return this.protection?.protectsEveryContentType === true && type !== ContentType.change_cipher_spec;
  }

  /** Checks a complete 5-byte header at `b[s]` and returns the fragment length. */
  private checkHeader(b: Uint8Array, s: number): number {
    const type = b[s]!;
    const length = declaredLength(b, s);
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      throw TLSAlertError.sent('unexpected_message', `record content type ${type} is not defined`);
    }
    if (b[s + 1] !== 0x03) throw TLSAlertError.sent('decode_error', `record version ${b[s + 1]}.${b[s + 2]} is not TLS`);
    const cap = this.protection && this.isProtectedType(type) ? MAX_CIPHERTEXT : MAX_PLAINTEXT;
    if (length > cap) throw TLSAlertError.sent('record_overflow', `record of ${length} bytes exceeds ${cap}`);
    return length;
  }

  /** The record whose header is at `b[s]` (decrypted, copied out), or null when it is skipped early data. */
  private recordAt(b: Uint8Array, s: number, length: number): TLSRecord | null {
    const type = b[s]!;
    const header = b.subarray(s, s + HEADER_LENGTH); // only read by the synchronous open() below
    const fragment = b.subarray(s + HEADER_LENGTH, s + HEADER_LENGTH + length);
    if (this.protection && this.isProtectedType(type)) {
      if (length < this.protection.minimumFragmentLength) throw TLSAlertError.sent('bad_record_mac', 'encrypted record shorter than its tag');
      if (this.skip !== 'undecryptable') return this.opened(this.protection.open(header, fragment));
      const record = this.protection.tryOpen(header, fragment);
      if (record) {
        this.skip = 'none';
        return this.opened(record);
      }
      if (this.spendSkip(length)) return null;
      throw TLSAlertError.sent('bad_record_mac', `record failed authentication after ${MAX_SKIPPED_EARLY_DATA} bytes of skipped early data`);
    }
    if (type === ContentType.application_data) {
      if (this.skip === 'application_data' && this.spendSkip(length)) return null;
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
  /** The most content bytes one protected record carries: 2^14, or less under the peer's record_size_limit (RFC 8449). */
  fragmentLimit = MAX_PLAINTEXT;

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

  /** Drops the write keys: a client's second ClientHello after 0-RTT under early keys goes out unprotected (RFC 8446 section 4.1.4). */
  clearProtection(): void {
    this.protection = undefined;
  }

  /** Wire records carrying `content` of `type`, split into fragments of at most `fragmentLimit` bytes, pushed onto `out`. */
  records(type: number, content: Uint8Array, out: Uint8Array[]): void {
    let offset = 0;
    do {
      const piece = content.subarray(offset, offset + this.fragmentLimit);
      offset += piece.length;
      this.push(type, [piece], out);
    } while (offset < content.length);
  }

  /** One wire record in one buffer, for content of at most `fragmentLimit` bytes. */
  record(type: number, content: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    this.push(type, [content], out);
    return concatBytes(out);
  }

  /**
   * Pushes one wire record whose content is the concatenation of `parts` (at most
   * `fragmentLimit` bytes) onto `out`, as one or more buffers. The parts are read during the
   * call only: protected content goes straight to the AEAD, unprotected content is copied once.
   */
  push(type: number, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    if (this.protection) {
      this.protection.sealParts(type, parts, out);
      return;
    }
    let length = 0;
    for (const part of parts) length += part.length;
    const record = new Uint8Array(HEADER_LENGTH + length);
    record.set(recordHeader(type, length));
    record[2] = this.initialVersion & 0xff;
    this.initialVersion = 0x0303;
    let at = HEADER_LENGTH;
    for (const part of parts) {
      record.set(part, at);
      at += part.length;
    }
    out.push(record);
  }

  /** The unprotected change_cipher_spec record sent for middlebox compatibility. */
  static changeCipherSpec(): Uint8Array {
    return Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);
  }
}
