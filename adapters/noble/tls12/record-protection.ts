/**
 * TLS 1.2 AEAD record protection (RFC 5246 section 6.2.3.3): the same seal/open shape as
 * the TLS 1.3 `RecordProtection`, with the 1.2 nonce and additional data.
 * - AES-GCM (RFC 5288 section 3): nonce = 4-byte salt (write_IV) || 8-byte explicit
 *   nonce carried in the record; we send the sequence number as the explicit part.
 * - ChaCha20-Poly1305 (RFC 7905 section 2): nonce = 12-byte write_IV XOR the padded
 *   sequence number; nothing explicit on the wire.
 * Additional data = seq_num(8) || type || version || plaintext length.
 * The outer content type is the real one, so every record type is protected.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { AeadKey, CryptoProvider } from '../../../src/crypto/provider.js';
import { concatBytes } from '../../../src/raw-connection.js';
import type { KeyBlock } from './prf.js';
import type { Tls12CipherSuite } from './suites.js';
import { HEADER_LENGTH, MAX_PLAINTEXT, type RecordSealer, type TLSRecord } from '../record/record-layer.js';

const TAG_LENGTH = 16;
const EXPLICIT_NONCE_LENGTH = 8;

/** An AEAD key with its write IV and 64-bit sequence number, protecting TLS 1.2 records. */
export class Tls12RecordProtection implements RecordSealer {
  readonly protectsEveryContentType = true;
  /** The largest TLSPlaintext accepted when opening (RFC 5246 section 6.2.1). */
  maxInnerLength = MAX_PLAINTEXT;
  /** Bytes on the wire beyond the plaintext: the explicit nonce (GCM) and the tag. */
  private readonly overhead: number;
  private sequence = 0;

  constructor(private readonly aead: AeadKey, private readonly iv: Uint8Array) {
    if (iv.length !== 4 && iv.length !== 12) throw new Error('Tls12RecordProtection: write_IV is 4 (GCM) or 12 (ChaCha20) bytes');
    this.overhead = (this.explicit ? EXPLICIT_NONCE_LENGTH : 0) + TAG_LENGTH;
  }

  /** True for AES-GCM, whose record carries the 8-byte explicit nonce. */
  private get explicit(): boolean {
    return this.iv.length === 4;
  }

  /** The shortest protected fragment: an empty plaintext. */
  get minimumFragmentLength(): number {
    return this.overhead;
  }

  private sequenceBytes(): Uint8Array {
    if (this.sequence >= Number.MAX_SAFE_INTEGER) throw TLSAlertError.sent('internal_error', 'record sequence number exhausted');
    const out = new Uint8Array(8);
    const high = Math.floor(this.sequence / 0x100000000);
    const low = this.sequence >>> 0;
    new DataView(out.buffer).setUint32(0, high);
    new DataView(out.buffer).setUint32(4, low);
    return out;
  }

  private nonce(sequence: Uint8Array, explicitNonce: Uint8Array | undefined): Uint8Array {
    if (explicitNonce) {
      const nonce = new Uint8Array(12);
      nonce.set(this.iv);
      nonce.set(explicitNonce, 4);
      return nonce;
    }
    const nonce = this.iv.slice();
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= sequence[i]!;
    return nonce;
  }

  private static additionalData(sequence: Uint8Array, type: number, version: number, length: number): Uint8Array {
    const aad = new Uint8Array(13);
    aad.set(sequence);
    aad[8] = type;
    aad[9] = version >>> 8;
    aad[10] = version & 0xff;
    aad[11] = length >>> 8;
    aad[12] = length & 0xff;
    return aad;
  }

  /** Encrypts `content` of `type` into a complete wire record (the padding argument of the 1.3 shape does not apply). */
  seal(type: number, content: Uint8Array): Uint8Array {
    const sequence = this.sequenceBytes();
    const explicitLength = this.explicit ? EXPLICIT_NONCE_LENGTH : 0;
    const length = explicitLength + content.length + TAG_LENGTH;
    const out = new Uint8Array(HEADER_LENGTH + length);
    out[0] = type;
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = length >>> 8;
    out[4] = length & 0xff;
    const explicitNonce = this.explicit ? sequence : undefined;
    if (explicitNonce) out.set(explicitNonce, HEADER_LENGTH);
    const bodyStart = HEADER_LENGTH + explicitLength;
    const aad = Tls12RecordProtection.additionalData(sequence, type, 0x0303, content.length);
    out.set(this.aead.seal(this.nonce(sequence, explicitNonce), content, aad), bodyStart);
    this.sequence++;
    return out;
  }

  /** `seal` over the concatenation of `parts` (TLS 1.2 records take one copy of their content). */
  sealParts(type: number, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    out.push(this.seal(type, concatBytes(parts)));
  }

  /** Decrypts a record; bad_record_mac when it fails authentication, record_overflow past 2^14 bytes of plaintext. */
  open(header: Uint8Array, fragment: Uint8Array): TLSRecord {
    const record = this.tryOpen(header, fragment);
    if (record === null) throw TLSAlertError.sent('bad_record_mac', 'record failed authentication');
    return record;
  }

  /** Like `open`, but a record that fails authentication gives null and does not consume a sequence number. */
  tryOpen(header: Uint8Array, fragment: Uint8Array): TLSRecord | null {
    if (fragment.length < this.overhead) return null;
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const sequence = this.sequenceBytes();
    const explicitNonce = this.explicit ? fragment.subarray(0, EXPLICIT_NONCE_LENGTH) : undefined;
    const sealed = this.explicit ? fragment.subarray(EXPLICIT_NONCE_LENGTH) : fragment;
    const plaintextLength = sealed.length - TAG_LENGTH;
    const aad = Tls12RecordProtection.additionalData(sequence, type, version, plaintextLength);
    const plaintext = this.aead.open(this.nonce(sequence, explicitNonce), sealed, aad);
    if (plaintext === null) return null;
    this.sequence++;
    if (plaintext.length > this.maxInnerLength) throw TLSAlertError.sent('record_overflow', `TLSPlaintext exceeds ${this.maxInnerLength} bytes`);
    return { type, fragment: plaintext, encrypted: true };
  }
}

/** The read and write protection of one side from the key block (RFC 5246 section 6.3). */
export function tls12Protections(
  provider: CryptoProvider,
  suite: Tls12CipherSuite,
  keys: KeyBlock,
  role: 'client' | 'server',
): { read: Tls12RecordProtection; write: Tls12RecordProtection } {
  const client = new Tls12RecordProtection(provider.aead(suite.aead, keys.clientWriteKey), keys.clientWriteIv);
  const server = new Tls12RecordProtection(provider.aead(suite.aead, keys.serverWriteKey), keys.serverWriteIv);
  return role === 'client' ? { read: server, write: client } : { read: client, write: server };
}
