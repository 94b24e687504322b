/**
 * TLS 1.2 session tickets (RFC 5077), sealed with the same ticket key ring and AEAD
 * layout as TLS 1.3 tickets (tickets.ts). The sealed state starts with its own layout
 * byte, so a TLS 1.3 ticket never resumes TLS 1.2 nor the other way round; it carries
 * the suite, the master secret, that it was made with the extended master secret (RFC
 * 7627 section 5.3), when it was made and for how long it holds, SNI, ALPN and the
 * client's certificate chain. Here too: the NewSessionTicket message of RFC 5077 section 3.3,
 * and the server's test of whether an offered ticket fits this connection.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { CryptoProvider, RandomSource } from '../../../src/crypto/provider.js';
import type { TicketKeyRing } from '../../../src/ticket-keys.js';
import { ByteReader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { MAX_TICKET_LIFETIME_SECONDS, openTicketBytes, sealTicketBytes } from '../tickets.js';
import { tls12SuiteByCode, type Tls12CipherSuite } from './suites.js';
import { utf8Bytes, utf8Text } from '../codec/utf8.js';

/** First byte of TLS 1.2 sealed state (TLS 1.3 contents start with 1). */
const TLS12_CONTENTS_VERSION = 0x12;
/** Bytes of a TLS 1.2 master secret (RFC 5246 section 8.1). */
export const MASTER_SECRET_LENGTH = 48;

/** What a TLS 1.2 ticket carries. */
export interface Tls12TicketContents {
  readonly suite: Tls12CipherSuite;
  readonly masterSecret: Uint8Array;
  /** Always true for tickets we seal (we make no session without it); checked when opening. */
  readonly extendedMasterSecret: boolean;
  /** When the ticket was issued, ms since the epoch. */
  readonly createdAt: number;
  readonly lifetimeSeconds: number;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  /** The client's certificate chain, if it authenticated. */
  readonly peerCertificates: readonly Uint8Array[];
}

/** Seals TLS 1.2 session state under the ring's newest key; undefined when the ring cannot seal it. */
export function sealTicket12(
  provider: CryptoProvider,
  ring: TicketKeyRing,
  c: Tls12TicketContents,
  now: number,
  random: RandomSource,
): Uint8Array | undefined {
  const plaintext = encode((w) => {
    w.u8(TLS12_CONTENTS_VERSION).u16(c.suite.code).u8(c.extendedMasterSecret ? 1 : 0).vector8(c.masterSecret);
    w.u32(Math.floor(c.createdAt / 0x100000000)).u32(c.createdAt % 0x100000000).u32(c.lifetimeSeconds);
    w.vector16(utf8Bytes(c.serverName ?? '')).vector8(utf8Bytes(c.alpnProtocol ?? ''));
    w.block24((list) => c.peerCertificates.forEach((cert) => list.vector24(cert)));
  });
  const ticket = sealTicketBytes(provider, ring, plaintext, now, random);
  plaintext.fill(0);
  return ticket;
}

/** An opened TLS 1.2 ticket and whether its key is stale (the server then issues a fresh ticket). */
export interface OpenedTicket12 {
  readonly contents: Tls12TicketContents;
  readonly staleKey: boolean;
}

/** Opens a TLS 1.2 ticket: undefined for an unknown or retired key, tampering, a TLS 1.3 ticket, or anything that does not parse. */
export function openTicket12(provider: CryptoProvider, ring: TicketKeyRing, ticket: Uint8Array, now: number): OpenedTicket12 | undefined {
  const opened = openTicketBytes(provider, ring, ticket, now);
  if (!opened) return undefined;
  try {
    const r = new ByteReader(opened.plaintext);
    if (r.u8('version') !== TLS12_CONTENTS_VERSION) return undefined;
    const suite = tls12SuiteByCode(r.u16('suite'));
    const extendedMasterSecret = r.u8('ems') === 1;
    const masterSecret = r.vector8('master_secret', MASTER_SECRET_LENGTH);
    const createdAt = r.u32('created') * 0x100000000 + r.u32('created');
    const lifetimeSeconds = r.u32('lifetime');
    const serverName = utf8Text(r.vector16('server_name')) || undefined;
    const alpnProtocol = utf8Text(r.vector8('alpn')) || undefined;
    const list = new ByteReader(r.vector24('certificates'));
    const peerCertificates: Uint8Array[] = [];
    while (!list.atEnd) peerCertificates.push(list.vector24('certificate', 1));
    r.expectEnd('ticket');
    if (!suite || masterSecret.length !== MASTER_SECRET_LENGTH) return undefined;
    const contents = { suite, masterSecret, extendedMasterSecret, createdAt, lifetimeSeconds, serverName, alpnProtocol, peerCertificates };
    // A key that no longer encrypts (rotated out, decrypt-only) makes the server re-issue the ticket.
    const current = ring.encryptionKey(now);
    return { contents, staleKey: !current || current.id.some((b, i) => b !== opened.key.id[i]) };
  } catch {
    return undefined;
  }
}

/** What the server checks an offered TLS 1.2 ticket against. */
export interface Tls12TicketFit {
  readonly now: number;
  /** The client's cipher_suites: the session's suite must still be offered (RFC 5246 section 7.4.1.2). */
  readonly offeredSuites: readonly number[];
  /** Our enabled TLS 1.2 suites. */
  readonly enabledSuites: readonly Tls12CipherSuite[];
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  /** True when the server requires a client certificate: a ticket without one does not fit. */
  readonly requireClientCertificate: boolean;
}

/**
 * True when a ticket may resume this connection: made with the extended master secret
 * (RFC 7627 section 5.3), within its lifetime, of a suite both sides still enable, for the
 * same SNI and ALPN. A ticket that does not fit means a full handshake, never an error.
 */
export function ticketFits12(t: Tls12TicketContents, fit: Tls12TicketFit): boolean {
  const age = fit.now - t.createdAt;
  if (!t.extendedMasterSecret) return false;
  if (age < 0 || age >= t.lifetimeSeconds * 1000) return false;
  if (!fit.enabledSuites.includes(t.suite) || !fit.offeredSuites.includes(t.suite.code)) return false;
  if (t.serverName !== fit.serverName || t.alpnProtocol !== fit.alpnProtocol) return false;
  if (fit.requireClientCertificate && t.peerCertificates.length === 0) return false;
  return true;
}

// --- NewSessionTicket (RFC 5077 section 3.3) ---

/** A TLS 1.2 NewSessionTicket: lifetime hint (0: unspecified) and the opaque ticket (empty: none issued after all). */
export interface NewSessionTicket12 {
  readonly lifetimeHint: number;
  readonly ticket: Uint8Array;
}

/** Encodes a TLS 1.2 NewSessionTicket body: ticket_lifetime_hint u32, ticket<0..2^16-1>. */
export function encodeNewSessionTicket12(m: NewSessionTicket12): Uint8Array {
  return encode((w) => w.u32(m.lifetimeHint).vector16(m.ticket));
}

/** Decodes a TLS 1.2 NewSessionTicket body; trailing bytes are decode_error. */
export function decodeNewSessionTicket12(body: Uint8Array): NewSessionTicket12 {
  const r = new ByteReader(body);
  const m = { lifetimeHint: r.u32('ticket_lifetime_hint'), ticket: r.vector16('ticket').slice() };
  r.expectEnd('NewSessionTicket');
  return m;
}

/** The lifetime a client keeps a TLS 1.2 ticket for: the hint, capped at 7 days; 0 (unspecified) means `fallbackSeconds`. */
export function ticketLifetime12(hint: number, fallbackSeconds: number): number {
  return Math.min(hint === 0 ? fallbackSeconds : hint, MAX_TICKET_LIFETIME_SECONDS);
}

/** Checks the SessionTicket extension a ServerHello carries: it must be empty (RFC 5077 section 3.2). */
export function checkServerSessionTicketExtension(data: Uint8Array): void {
  if (data.length !== 0) throw TLSAlertError.sent('decode_error', 'ServerHello SessionTicket extension is not empty');
}
