/**
 * TLS 1.3 handshake messages (RFC 8446 section 4): for each message its type, its
 * fields, and its encoder and decoder side by side. Messages are framed as
 * `HandshakeType(1) || uint24 length || body`; `HandshakeMessage` keeps the framed
 * bytes because the transcript hashes exactly what was on the wire.
 */
import { TLSAlertError } from '../../../src/errors.js';
import { ByteReader } from './reader.js';
import { ByteWriter, encode } from './writer.js';
import { type Extension, readExtensions, writeExtensions, TLS12 } from './extensions.js';

/** HandshakeType code points. */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** The name of a handshake type code, for error messages. */
export function handshakeTypeName(type: number): string {
  for (const [name, code] of Object.entries(HandshakeType)) if (code === type) return name;
  return `handshake type ${type}`;
}

/** A framed handshake message as received or sent: its type, body and exact bytes. */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  /** type || length || body, as hashed into the transcript. */
  readonly raw: Uint8Array;
}

/** Frames a body as a handshake message. */
export function frameHandshake(type: number, body: Uint8Array): HandshakeMessage {
  const raw = new Uint8Array(4 + body.length);
  raw[0] = type;
  raw[1] = body.length >>> 16;
  raw[2] = (body.length >>> 8) & 0xff;
  raw[3] = body.length & 0xff;
  raw.set(body, 4);
  return { type, body: raw.subarray(4), raw };
}

/** Decodes `body` fully with `read`; trailing bytes are decode_error. */
function parse<T>(body: Uint8Array, what: string, read: (r: ByteReader) => T): T {
  const r = new ByteReader(body);
  const v = read(r);
  r.expectEnd(what);
  return v;
}

// --- ClientHello (section 4.1.2) ---

/** ClientHello. */
export interface ClientHello {
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Encodes a ClientHello body. */
export function encodeClientHello(m: ClientHello): Uint8Array {
  return encode((w) => {
    w.u16(TLS12).bytes(m.random).vector8(m.legacySessionId);
    w.block16((b) => m.cipherSuites.forEach((s) => b.u16(s)));
    w.vector8(m.legacyCompressionMethods);
    writeExtensions(w, m.extensions);
  });
}

/** Decodes a ClientHello body. */
export function decodeClientHello(body: Uint8Array): ClientHello & { readonly legacyVersion: number } {
  return parse(body, 'ClientHello', (r) => {
    const legacyVersion = r.u16('legacy_version');
    const random = r.take(32, 'random');
    const legacySessionId = r.vector8('legacy_session_id', 0, 32);
    const suites = r.vector16('cipher_suites', 2, 0xfffe);
    if (suites.length % 2) throw TLSAlertError.sent('decode_error', 'cipher_suites has an odd length');
    const cipherSuites: number[] = [];
    for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
    const legacyCompressionMethods = r.vector8('legacy_compression_methods', 1);
    // A TLS 1.3 ClientHello always has extensions; a hello without them is pre-1.3.
    const extensions = r.atEnd ? [] : readExtensions(r, 'ClientHello');
    return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
  });
}

// --- ServerHello and HelloRetryRequest (section 4.1.3, 4.1.4) ---

/** The ServerHello.random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** ServerHello (or HelloRetryRequest, told apart by its random). */
export interface ServerHello {
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
}

/** Encodes a ServerHello body. */
export function encodeServerHello(m: ServerHello): Uint8Array {
  return encode((w) => {
    w.u16(TLS12).bytes(m.random).vector8(m.legacySessionIdEcho).u16(m.cipherSuite).u8(m.legacyCompressionMethod);
    writeExtensions(w, m.extensions);
  });
}

/** Decodes a ServerHello body. */
export function decodeServerHello(body: Uint8Array): ServerHello & { readonly legacyVersion: number } {
  return parse(body, 'ServerHello', (r) => ({
    legacyVersion: r.u16('legacy_version'),
    random: r.take(32, 'random'),
    legacySessionIdEcho: r.vector8('legacy_session_id_echo', 0, 32),
    cipherSuite: r.u16('cipher_suite'),
    legacyCompressionMethod: r.u8('legacy_compression_method'),
    // A TLS 1.2 ServerHello may end before the extensions block (RFC 5246 section 7.4.1.3).
    extensions: r.atEnd ? [] : readExtensions(r, 'ServerHello'),
  }));
}

/** True when a ServerHello is a HelloRetryRequest. */
export function isHelloRetryRequest(m: ServerHello): boolean {
  return m.random.length === 32 && m.random.every((b, i) => b === HELLO_RETRY_REQUEST_RANDOM[i]);
}

// --- EncryptedExtensions (section 4.3.1) ---

/** Encodes an EncryptedExtensions body. */
export function encodeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  return encode((w) => writeExtensions(w, extensions));
}

/** Decodes an EncryptedExtensions body. */
export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  return parse(body, 'EncryptedExtensions', (r) => readExtensions(r, 'EncryptedExtensions'));
}

// --- CertificateRequest (section 4.3.2) ---

/** CertificateRequest. */
export interface CertificateRequest {
  readonly context: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Encodes a CertificateRequest body. */
export function encodeCertificateRequest(m: CertificateRequest): Uint8Array {
  return encode((w) => {
    w.vector8(m.context);
    writeExtensions(w, m.extensions);
  });
}

/** Decodes a CertificateRequest body. */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  return parse(body, 'CertificateRequest', (r) => ({
    context: r.vector8('certificate_request_context'),
    extensions: readExtensions(r, 'CertificateRequest'),
  }));
}

// --- Certificate (section 4.4.2) ---

/** One CertificateEntry (X.509 only). */
export interface CertificateEntry {
  readonly data: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Certificate. */
export interface Certificate {
  readonly context: Uint8Array;
  readonly entries: readonly CertificateEntry[];
}

/** Encodes a Certificate body. */
export function encodeCertificate(m: Certificate): Uint8Array {
  return encode((w) => {
    w.vector8(m.context);
    w.block24((list) => {
      for (const e of m.entries) {
        list.vector24(e.data);
        writeExtensions(list, e.extensions);
      }
    });
  });
}

/** Decodes a Certificate body; an empty cert_data is decode_error. */
export function decodeCertificate(body: Uint8Array): Certificate {
  return parse(body, 'Certificate', (r) => {
    const context = r.vector8('certificate_request_context');
    const list = new ByteReader(r.vector24('certificate_list'));
    const entries: CertificateEntry[] = [];
    while (!list.atEnd) {
      const data = list.vector24('cert_data', 1);
      entries.push({ data, extensions: readExtensions(list, 'CertificateEntry') });
    }
    return { context, entries };
  });
}

// --- CertificateVerify (section 4.4.3) ---

/** CertificateVerify. */
export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

/** Encodes a CertificateVerify body. */
export function encodeCertificateVerify(m: CertificateVerify): Uint8Array {
  return encode((w) => w.u16(m.scheme).vector16(m.signature));
}

/** Decodes a CertificateVerify body. */
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  return parse(body, 'CertificateVerify', (r) => ({ scheme: r.u16('algorithm'), signature: r.vector16('signature', 1) }));
}

// --- Finished (section 4.4.4) ---

/** Decodes a Finished body: verify_data of the suite's hash length. */
export function decodeFinished(body: Uint8Array, hashLength: number): Uint8Array {
  if (body.length !== hashLength) throw TLSAlertError.sent('decode_error', `Finished is ${body.length} bytes, not ${hashLength}`);
  return body;
}

// --- NewSessionTicket (section 4.6.1) ---

/** NewSessionTicket. */
export interface NewSessionTicket {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Encodes a NewSessionTicket body. */
export function encodeNewSessionTicket(m: NewSessionTicket): Uint8Array {
  return encode((w) => {
    w.u32(m.lifetime).u32(m.ageAdd).vector8(m.nonce).vector16(m.ticket);
    writeExtensions(w, m.extensions);
  });
}

/** Decodes a NewSessionTicket body; a lifetime over 7 days is illegal_parameter. */
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  return parse(body, 'NewSessionTicket', (r) => {
    const m = {
      lifetime: r.u32('ticket_lifetime'),
      ageAdd: r.u32('ticket_age_add'),
      nonce: r.vector8('ticket_nonce'),
      ticket: r.vector16('ticket', 1),
      extensions: readExtensions(r, 'NewSessionTicket'),
    };
    if (m.lifetime > 604800) throw TLSAlertError.sent('illegal_parameter', 'ticket_lifetime exceeds 7 days');
    return m;
  });
}

// --- KeyUpdate (section 4.6.3) ---

/** KeyUpdateRequest values. */
export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

/** Encodes a KeyUpdate body. */
export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return Uint8Array.of(requestUpdate ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested);
}

/** Decodes a KeyUpdate body; a value other than 0 or 1 is illegal_parameter. */
export function decodeKeyUpdate(body: Uint8Array): boolean {
  return parse(body, 'KeyUpdate', (r) => {
    const v = r.u8('request_update');
    if (v > 1) throw TLSAlertError.sent('illegal_parameter', `KeyUpdate request_update ${v} is undefined`);
    return v === KeyUpdateRequest.update_requested;
  });
}

/** Frames a message from an encoder's output, for callers that build bodies with a writer. */
export function handshakeBytes(type: number, body: (w: ByteWriter) => void): HandshakeMessage {
  return frameHandshake(type, encode(body));
}
