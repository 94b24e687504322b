/**
 * The peer's certificate chain as the peer SENT it, for `negotiated.peerCertificates`.
 * node:tls has no API for it: `getPeerCertificate(true)` links each certificate to its
 * issuer (OpenSSL's built chain: the sent certificates that issued one another, then the
 * trust store), so order, unrelated extra certificates and duplicates are lost, and the
 * anchor is added. So the handshake bytes the peer sends are kept while the handshake runs
 * and its Certificate message is read from them: in the clear for TLS 1.2 (RFC 5246 section
 * 7.4.2), and for TLS 1.3 opened with the peer's handshake traffic secret from node:tls's
 * 'keylog' event (RFC 8446 sections 4.4.2, 5.2, 7.3). When no Certificate message is found
 * (a resumed session, a suite we cannot open, more than MAX_SENT_CHAIN_CAPTURE bytes), the
 * caller falls back to OpenSSL's chain.
 */
import { createDecipheriv } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { expandLabel, tls13Suites } from './abort-alert.js';
import { parseKeylogLine } from './abort-alert.js';
import { concatBytes } from '../../src/raw-connection.js';
import type { TLSTransport } from './transport.js';

/** The most bytes of the peer's handshake kept while looking for its Certificate message (a chain this big is refused by OpenSSL's 100 KiB default anyway). */
export const MAX_SENT_CHAIN_CAPTURE = 256 * 1024;

const CHANGE_CIPHER_SPEC = 20;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const CERTIFICATE = 11;
const FINISHED = 20;
const TAG_LENGTH = 16;

/** Keeps what the peer sends during the handshake, and the peer's handshake traffic secret. */
export class SentChainRecorder {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;
  private secret: Uint8Array | undefined;
  private readonly onData = (chunk: Buffer): void => {
    if (this.overflow) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.overflow = true;
      this.chunks = [];
    } else this.chunks.push(new Uint8Array(chunk));
  };
  private readonly onKeylog = (line: Buffer): void => {
    const entry = parseKeylogLine(line.toString('latin1'));
    if (entry?.label === this.secretLabel) this.secret = entry.secret;
  };
  private readonly secretLabel: string;

  constructor(
    private readonly transport: Duplex,
    private readonly socket: tls.TLSSocket,
    /** Who sent the chain we want. */
    peer: 'server' | 'client',
    /** Bytes kept at most (tests lower it). */
    private readonly limit = MAX_SENT_CHAIN_CAPTURE,
  ) {
    this.secretLabel = peer === 'server' ? 'SERVER_HANDSHAKE_TRAFFIC_SECRET' : 'CLIENT_HANDSHAKE_TRAFFIC_SECRET';
    transport.on('data', this.onData);
    socket.on('keylog', this.onKeylog);
  }

  /** A recorder over the transport's incoming bytes, or undefined when they never pass through JS (the native path). */
  static over(transport: TLSTransport, socket: tls.TLSSocket, peer: 'server' | 'client'): SentChainRecorder | undefined {
    return transport.incoming ? new SentChainRecorder(transport.incoming, socket, peer) : undefined;
  }

  /** Stops recording and returns the chain the peer sent (DER, leaf first), or undefined when its Certificate message was not seen. */
  finish(): Uint8Array[] | undefined {
    this.transport.off('data', this.onData);
    this.socket.off('keylog', this.onKeylog);
    const bytes = concatBytes(this.chunks);
    this.chunks = [];
    if (this.overflow) return undefined;
    const protocol = this.socket.getProtocol();
    try {
      if (protocol === 'TLSv1.2') return certificatesIn(plaintextHandshake(bytes), 'TLSv1.2');
      if (protocol !== 'TLSv1.3' || !this.secret) return undefined;
      const suite = this.socket.getCipher()?.standardName;
      const handshake = suite ? protectedHandshake(bytes, suite, this.secret) : undefined;
      return handshake ? certificatesIn(handshake, 'TLSv1.3') : undefined;
    } finally {
      this.secret = undefined;
    }
  }
}

/** Each complete record: content type and fragment (with its header, for the AEAD's additional data). */
function* records(bytes: Uint8Array): Generator<{ type: number; header: Uint8Array; fragment: Uint8Array }> {
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (at + 5 + length > bytes.length) return;
    yield { type: bytes[at]!, header: bytes.subarray(at, at + 5), fragment: bytes.subarray(at + 5, at + 5 + length) };
    at += 5 + length;
  }
}

/** TLS 1.2: the handshake bytes of the records before the peer's ChangeCipherSpec. */
function plaintextHandshake(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const record of records(bytes)) {
    if (record.type === CHANGE_CIPHER_SPEC) break;
    if (record.type === HANDSHAKE) parts.push(record.fragment);
  }
  return concatBytes(parts);
}

/**
 * TLS 1.3: the handshake bytes of the peer's records protected under its handshake traffic
 * secret (sequence numbers from 0), up to the first record that does not open under it (the
 * application keys start there). Records before the first that opens are skipped (0-RTT
 * data a server rejected). Undefined for a suite we cannot open.
 */
function protectedHandshake(bytes: Uint8Array, suiteName: string, secret: Uint8Array): Uint8Array | undefined {
  const suite = tls13Suites[suiteName];
  if (!suite || secret.length !== suite.hashLength) return undefined;
  const key = expandLabel(suite, secret, 'key', suite.keyLength);
  const iv = expandLabel(suite, secret, 'iv', 12);
  const parts: Uint8Array[] = [];
  let sequence = 0;
  for (const record of records(bytes)) {
    if (record.type !== APPLICATION_DATA || record.fragment.length < TAG_LENGTH + 1) continue;
    const nonce = Uint8Array.from(iv);
    for (let i = 0, s = sequence; i < 8; i++, s = Math.floor(s / 256)) nonce[11 - i]! ^= s % 256;
    const inner = open(suite.cipher, key, nonce, record);
    if (!inner) {
      if (sequence === 0) continue;
      break;
    }
    sequence++;
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    if (end === 0) break;
    if (inner[end - 1] === HANDSHAKE) parts.push(inner.subarray(0, end - 1));
  }
  return concatBytes(parts);
}

/** AEAD-opens one record (RFC 8446 section 5.2), or undefined when it does not authenticate. */
function open(cipher: string, key: Uint8Array, nonce: Uint8Array, record: { header: Uint8Array; fragment: Uint8Array }): Uint8Array | undefined {
  const sealed = record.fragment.subarray(0, record.fragment.length - TAG_LENGTH);
  const tag = record.fragment.subarray(record.fragment.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(record.header);
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(sealed), decipher.final()]));
  } catch {
    return undefined;
  }
}

const u24 = (bytes: Uint8Array, at: number): number => (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;

/** The certificates of the first Certificate message in a handshake byte stream (before the Finished), or undefined. */
function certificatesIn(handshake: Uint8Array, version: 'TLSv1.2' | 'TLSv1.3'): Uint8Array[] | undefined {
  for (let at = 0; at + 4 <= handshake.length; ) {
    const type = handshake[at]!;
    const length = u24(handshake, at + 1);
    const body = handshake.subarray(at + 4, at + 4 + length);
    if (body.length !== length) return undefined;
    if (type === CERTIFICATE) return certificateList(body, version);
    if (type === FINISHED && version === 'TLSv1.3') return undefined;
    at += 4 + length;
  }
  return undefined;
}

/** A Certificate message body: TLS 1.3 entries carry a request context and per-entry extensions (RFC 8446 section 4.4.2). */
function certificateList(body: Uint8Array, version: 'TLSv1.2' | 'TLSv1.3'): Uint8Array[] | undefined {
  let at = version === 'TLSv1.3' ? 1 + (body[0] ?? 0) : 0;
  if (at + 3 > body.length) return undefined;
  const end = at + 3 + u24(body, at);
  if (end > body.length) return undefined;
  at += 3;
  const chain: Uint8Array[] = [];
  while (at + 3 <= end) {
    const length = u24(body, at);
    if (at + 3 + length > end) return undefined;
    chain.push(body.slice(at + 3, at + 3 + length));
    at += 3 + length;
    if (version === 'TLSv1.3') {
      if (at + 2 > end) return undefined;
      at += 2 + ((body[at]! << 8) | body[at + 1]!);
    }
  }
  return chain;
}
