/**
 * `ResumableSession`: what a client keeps from one NewSessionTicket (RFC 8446 section
 * 4.6.1) to resume later: the ticket, the PSK it stands for, and the facts the
 * resumed connection inherits (suite, server name, ALPN, the server's certificates,
 * the 0-RTT allowance). Shared by the client handshake (which offers it), the traffic
 * state (which makes it) and the service (which hands it to applications as bytes,
 * as node:tls's `getSession()` does).
 */
import { ByteReader } from './codec/reader.js';
import { encode } from './codec/writer.js';
import { cipherSuiteByCode, type CipherSuite } from './suites.js';
import { tls12SuiteByCode } from './tls12/suites.js';
import { MASTER_SECRET_LENGTH } from './tls12/tickets.js';
import { utf8Bytes, utf8Text } from './codec/utf8.js';

/** One UTF-8 encoder and decoder for every session (none per call). */

/** A session ticket the client received, with everything needed to resume with it. */
export interface ResumableSession {
  /** The version the session was made with; it resumes only that version (absent: TLSv1.3). */
  readonly protocol?: 'TLSv1.2' | 'TLSv1.3';
  /** The opaque ticket, sent back as the PSK identity (TLS 1.3) or in the SessionTicket extension (TLS 1.2, RFC 5077). */
  readonly ticket: Uint8Array;
  /** The resumption PSK (section 4.6.1); for TLS 1.2 the session's master secret (RFC 5246 section 8.1). */
  readonly psk: Uint8Array;
  /** Seconds the server allows the ticket to be used. */
  readonly lifetimeSeconds: number;
  /** ticket_age_add, which obfuscates the age we report. */
  readonly ageAdd: number;
  /** When the ticket arrived, ms since the epoch. */
  readonly receivedAt: number;
  /** The suite of the connection that issued it (resumption needs one with its hash; 0-RTT needs this suite). */
  readonly suite: CipherSuite;
  /** The server name the connection was for. */
  readonly serverName: string | undefined;
  /** The ALPN protocol the connection agreed. */
  readonly alpnProtocol: string | undefined;
  /** max_early_data_size from the ticket's early_data extension; 0 when 0-RTT is not allowed. */
  readonly maxEarlyData: number;
  /** The server's certificate chain, as verified when the session was made. */
  readonly peerCertificates: readonly Uint8Array[];
}

/** The first bytes of an encoded noble TLS 1.3 session ("TLSS", version 1); node:tls sessions (DER) start with 0x30. */
const SESSION_MAGIC = Uint8Array.of(0x54, 0x4c, 0x53, 0x53, 1);
/** The last magic byte of an encoded TLS 1.2 session (same layout, a TLS 1.2 suite, a 48-byte master secret). */
const TLS12_SESSION_VERSION = 2;

/** True when the session can still be offered at `now` (not past its lifetime). */
export function sessionFresh(session: ResumableSession, now: number): boolean {
  return now >= session.receivedAt && now - session.receivedAt < session.lifetimeSeconds * 1000;
}

/** Encodes a session to bytes (node:tls `getSession()` form: opaque, secret, for the application to store). */
export function encodeSession(s: ResumableSession): Uint8Array {
  return encode((w) => {
    w.bytes(SESSION_MAGIC.subarray(0, 4)).u8(s.protocol === 'TLSv1.2' ? TLS12_SESSION_VERSION : SESSION_MAGIC[4]!);
    w.u16(s.suite.code).vector16(s.ticket).vector8(s.psk).u32(s.lifetimeSeconds).u32(s.ageAdd);
    w.u32(Math.floor(s.receivedAt / 0x100000000)).u32(s.receivedAt % 0x100000000);
    w.vector16(utf8Bytes(s.serverName ?? '')).vector8(utf8Bytes(s.alpnProtocol ?? ''));
    w.u32(s.maxEarlyData);
    w.block24((list) => s.peerCertificates.forEach((c) => list.vector24(c)));
  });
}

/** Decodes `encodeSession` output; undefined for anything else (another backend's session, a damaged file). */
export function decodeSession(bytes: Uint8Array): ResumableSession | undefined {
  if (bytes.length < SESSION_MAGIC.length || SESSION_MAGIC.subarray(0, 4).some((b, i) => bytes[i] !== b)) return undefined;
  const tls12 = bytes[4] === TLS12_SESSION_VERSION;
  if (!tls12 && bytes[4] !== SESSION_MAGIC[4]) return undefined;
  try {
    const r = new ByteReader(bytes, SESSION_MAGIC.length);
    const code = r.u16('suite');
    const suite = tls12 ? tls12SuiteByCode(code) : cipherSuiteByCode(code);
    const ticket = r.vector16('ticket', 1).slice();
    const psk = r.vector8('psk', 32).slice();
    const lifetimeSeconds = r.u32('lifetime');
    const ageAdd = r.u32('age_add');
    const receivedAt = r.u32('received') * 0x100000000 + r.u32('received');
    const serverName = utf8Text(r.vector16('server_name')) || undefined;
    const alpnProtocol = utf8Text(r.vector8('alpn')) || undefined;
    const maxEarlyData = r.u32('max_early_data');
    const list = new ByteReader(r.vector24('certificates'));
    const peerCertificates: Uint8Array[] = [];
    while (!list.atEnd) peerCertificates.push(list.vector24('certificate', 1).slice());
    r.expectEnd('session');
    if (!suite || psk.length !== (tls12 ? MASTER_SECRET_LENGTH : suite.hashLength)) return undefined;
    return { protocol: tls12 ? 'TLSv1.2' : 'TLSv1.3', ticket, psk, lifetimeSeconds, ageAdd, receivedAt, suite, serverName, alpnProtocol, maxEarlyData, peerCertificates };
  } catch {
    return undefined;
  }
}
