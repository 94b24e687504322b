/**
 * Stateless session tickets (RFC 8446 section 4.6.1, the RFC 5077 idea in TLS 1.3):
 * the server seals what a resumption needs into the ticket itself with an AEAD under a
 * key of its `TicketKeyRing`, so any server holding the key can resume it. A ticket is
 * `key id (16) || nonce (12) || AES-256-GCM(contents) || tag (16)`, the key id as the
 * AAD. The contents: suite, resumption PSK, creation time, ticket_age_add, lifetime,
 * max_early_data, SNI, ALPN and the client's certificate chain.
 */
import { ByteReader } from './codec/reader.js';
import { encode } from './codec/writer.js';
import { encodeMaxEarlyData, ExtensionType, type Extension } from './codec/extensions.js';
import type { NewSessionTicket } from './codec/handshake.js';
import type { AeadKey, CryptoProvider, RandomSource } from '../../src/crypto/provider.js';
import { TICKET_KEY_ID_LENGTH, type TicketKey, type TicketKeyRing } from '../../src/ticket-keys.js';
import { cipherSuiteByCode, type CipherSuite } from './suites.js';
import { utf8Bytes, utf8Text } from './codec/utf8.js';

/** One UTF-8 encoder and decoder for every ticket (none per call). */

/** Bytes of the AEAD nonce in a ticket. */
const TICKET_NONCE_LENGTH = 12;
/** Bytes of the AEAD tag. */
const TICKET_TAG_LENGTH = 16;
/** Version byte of TLS 1.3 sealed contents (TLS 1.2 contents start with TLS12_CONTENTS_VERSION, so neither opens as the other). */
const CONTENTS_VERSION = 1;
/** The longest ticket we issue or try to open (a client certificate chain makes it long); longer chains get no ticket. */
export const MAX_TICKET_LENGTH = 16384;
/** NewSessionTickets sent after each TLS 1.3 handshake by default (as OpenSSL); TLS 1.2 sends one when this is not 0. */
export const DEFAULT_TICKET_COUNT = 2;
/** Ticket lifetime announced by default, seconds (2 hours). */
export const DEFAULT_TICKET_LIFETIME_SECONDS = 7200;
/**
 * The most TLS 1.3 NewSessionTickets after a resumed handshake (as OpenSSL: "in a resumption
 * we only ever send a maximum of one new ticket"): the client used one ticket and gets one
 * back, so a client resuming over and over keeps as many as its first full handshake gave it.
 */
export const RESUMED_TICKET_COUNT = 1;
/** The longest ticket lifetime the RFC allows: 7 days (section 4.6.1). */
export const MAX_TICKET_LIFETIME_SECONDS = 604800;

/** What a ticket carries. */
export interface TicketContents {
  readonly suite: CipherSuite;
  /** The resumption PSK the ticket stands for. */
  readonly psk: Uint8Array;
  /** When the ticket was issued, ms since the epoch. */
  readonly createdAt: number;
  readonly ageAdd: number;
  readonly lifetimeSeconds: number;
  /** max_early_data_size announced with the ticket (0: no 0-RTT). */
  readonly maxEarlyData: number;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  /** The client's certificate chain, if it authenticated. */
  readonly peerCertificates: readonly Uint8Array[];
}

const aeadKeys = new WeakMap<TicketKey, Map<CryptoProvider, AeadKey>>();

/** The AES-256-GCM key of a ticket key: HKDF-SHA256 over all 48 bytes (cached per provider). */
function aeadFor(provider: CryptoProvider, key: TicketKey): AeadKey {
  let perProvider = aeadKeys.get(key);
  if (!perProvider) aeadKeys.set(key, (perProvider = new Map()));
  let aead = perProvider.get(provider);
  if (!aead) {
    const prk = provider.hkdfExtract('SHA-256', utf8Bytes('tlsservice ticket key'), key.material);
    const secret = provider.hkdfExpand('SHA-256', prk, utf8Bytes('aes-256-gcm'), 32);
    aead = provider.aead('AES-256-GCM', secret);
    prk.fill(0);
    secret.fill(0);
    perProvider.set(provider, aead);
  }
  return aead;
}

/** Seals `contents` under the ring's newest encrypting key; undefined when there is none or the ticket would be too long. */
export function sealTicket(
  provider: CryptoProvider,
  ring: TicketKeyRing,
  contents: TicketContents,
  now: number,
  random: RandomSource,
): Uint8Array | undefined {
  const plaintext = encodeContents(contents);
  const ticket = sealTicketBytes(provider, ring, plaintext, now, random);
  plaintext.fill(0);
  return ticket;
}

/** Opens a ticket: undefined when its key is unknown or retired, it was tampered with, or it does not parse. */
export function openTicket(provider: CryptoProvider, ring: TicketKeyRing, ticket: Uint8Array, now: number): TicketContents | undefined {
  const opened = openTicketBytes(provider, ring, ticket, now);
  return opened && decodeContents(opened.plaintext);
}

/**
 * Seals encoded ticket contents (whose first byte names their layout: TLS 1.3 here, TLS 1.2
 * in tls12/tickets.ts) under the ring's newest encrypting key; undefined when there is none
 * or the ticket would be longer than MAX_TICKET_LENGTH.
 */
export function sealTicketBytes(provider: CryptoProvider, ring: TicketKeyRing, plaintext: Uint8Array, now: number, random: RandomSource): Uint8Array | undefined {
  const key = ring.encryptionKey(now);
  if (!key) return undefined;
  const length = TICKET_KEY_ID_LENGTH + TICKET_NONCE_LENGTH + plaintext.length + TICKET_TAG_LENGTH;
  if (length > MAX_TICKET_LENGTH) return undefined;
  const nonce = random(TICKET_NONCE_LENGTH);
  const sealed = aeadFor(provider, key).seal(nonce, plaintext, key.id);
  const out = new Uint8Array(length);
  out.set(key.id);
  out.set(nonce, TICKET_KEY_ID_LENGTH);
  out.set(sealed, TICKET_KEY_ID_LENGTH + TICKET_NONCE_LENGTH);
  return out;
}

/** An opened ticket: its encoded contents and the key that sealed it. */
export interface OpenedTicket {
  readonly plaintext: Uint8Array;
  readonly key: TicketKey;
}

/** Opens a ticket to its encoded contents: undefined when its key is unknown or retired, or it was tampered with. */
export function openTicketBytes(provider: CryptoProvider, ring: TicketKeyRing, ticket: Uint8Array, now: number): OpenedTicket | undefined {
  if (ticket.length > MAX_TICKET_LENGTH || ticket.length < TICKET_KEY_ID_LENGTH + TICKET_NONCE_LENGTH + TICKET_TAG_LENGTH) return undefined;
  const id = ticket.subarray(0, TICKET_KEY_ID_LENGTH);
  const key = ring.decryptionKey(id, now);
  if (!key) return undefined;
  const nonce = ticket.subarray(TICKET_KEY_ID_LENGTH, TICKET_KEY_ID_LENGTH + TICKET_NONCE_LENGTH);
  const plaintext = aeadFor(provider, key).open(nonce, ticket.subarray(TICKET_KEY_ID_LENGTH + TICKET_NONCE_LENGTH), id);
  if (!plaintext) return undefined;
  return { plaintext, key };
}

function encodeContents(c: TicketContents): Uint8Array {
  return encode((w) => {
    w.u8(CONTENTS_VERSION).u16(c.suite.code).vector8(c.psk);
    w.u32(Math.floor(c.createdAt / 0x100000000)).u32(c.createdAt % 0x100000000);
    w.u32(c.ageAdd).u32(c.lifetimeSeconds).u32(c.maxEarlyData);
    w.vector16(utf8Bytes(c.serverName ?? '')).vector8(utf8Bytes(c.alpnProtocol ?? ''));
    w.block24((list) => c.peerCertificates.forEach((cert) => list.vector24(cert)));
  });
}

function decodeContents(bytes: Uint8Array): TicketContents | undefined {
  try {
    const r = new ByteReader(bytes);
    if (r.u8('version') !== CONTENTS_VERSION) return undefined;
    const suite = cipherSuiteByCode(r.u16('suite'));
    const psk = r.vector8('psk', 32);
    const createdAt = r.u32('created') * 0x100000000 + r.u32('created');
    const ageAdd = r.u32('age_add');
    const lifetimeSeconds = r.u32('lifetime');
    const maxEarlyData = r.u32('max_early_data');
    const serverName = utf8Text(r.vector16('server_name')) || undefined;
    const alpnProtocol = utf8Text(r.vector8('alpn')) || undefined;
    const list = new ByteReader(r.vector24('certificates'));
    const peerCertificates: Uint8Array[] = [];
    while (!list.atEnd) peerCertificates.push(list.vector24('certificate', 1));
    r.expectEnd('ticket');
    if (!suite || psk.length !== suite.hashLength) return undefined;
    return { suite, psk, createdAt, ageAdd, lifetimeSeconds, maxEarlyData, serverName, alpnProtocol, peerCertificates };
  } catch {
    return undefined;
  }
}

/** What `newSessionTicket` needs about the connection. */
export interface TicketIssue {
  readonly provider: CryptoProvider;
  readonly ring: TicketKeyRing;
  readonly random: RandomSource;
  readonly now: number;
  /** The PSK of this ticket (from resumption_master_secret and the nonce). */
  readonly psk: Uint8Array;
  readonly nonce: Uint8Array;
  readonly suite: CipherSuite;
  readonly lifetimeSeconds: number;
  readonly maxEarlyData: number;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  readonly peerCertificates: readonly Uint8Array[];
}

/** A NewSessionTicket with a sealed ticket and a fresh ticket_age_add; undefined when the ring cannot seal one. */
export function newSessionTicket(issue: TicketIssue): NewSessionTicket | undefined {
  const ageBytes = issue.random(4);
  const ageAdd = ((ageBytes[0]! << 24) | (ageBytes[1]! << 16) | (ageBytes[2]! << 8) | ageBytes[3]!) >>> 0;
  const lifetimeSeconds = Math.min(issue.lifetimeSeconds, MAX_TICKET_LIFETIME_SECONDS);
  const ticket = sealTicket(
    issue.provider,
    issue.ring,
    {
      suite: issue.suite,
      psk: issue.psk,
      createdAt: issue.now,
      ageAdd,
      lifetimeSeconds,
      maxEarlyData: issue.maxEarlyData,
      serverName: issue.serverName,
      alpnProtocol: issue.alpnProtocol,
      peerCertificates: issue.peerCertificates,
    },
    issue.now,
    issue.random,
  );
  if (!ticket) return undefined;
  const extensions: Extension[] =
    issue.maxEarlyData > 0 ? [{ type: ExtensionType.early_data, data: encodeMaxEarlyData(issue.maxEarlyData) }] : [];
  return { lifetime: lifetimeSeconds, ageAdd, nonce: issue.nonce, ticket, extensions };
}
