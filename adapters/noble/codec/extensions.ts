/**
 * TLS 1.3 extensions (RFC 8446 section 4.2): the extension block, and each extension
 * body this engine speaks, with its encoder and decoder side by side. Unknown
 * extensions are kept as raw `Extension`s so callers can ignore them (and GREASE).
 */
import { TLSAlertError } from '../../../src/errors.js';
import { ByteReader, readU16List } from './reader.js';
import { ByteWriter, encode } from './writer.js';
import { utf8Bytes, utf8Text } from './utf8.js';

/** Extension type code points (RFC 8446 section 4.2 and friends). */
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** One extension as it appears on the wire. */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** The TLS 1.3 protocol version code point. */
export const TLS13 = 0x0304;
/** The legacy version every TLS 1.3 record and hello carries. */
export const TLS12 = 0x0303;

/** Reads an extension block (a 2-byte-prefixed list); a repeated type is illegal_parameter. */
export function readExtensions(r: ByteReader, what: string): Extension[] {
  const block = new ByteReader(r.vector16(`${what} extensions`));
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!block.atEnd) {
    const type = block.u16(`${what} extension type`);
    const data = block.vector16(`${what} extension body`);
    if (seen.has(type)) throw TLSAlertError.sent('illegal_parameter', `${what} repeats extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** Writes an extension block. */
export function writeExtensions(w: ByteWriter, extensions: readonly Extension[]): void {
  w.block16((b) => {
    for (const e of extensions) b.u16(e.type).vector16(e.data);
  });
}

/** The body of extension `type`, or undefined when absent. */
export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  for (const e of extensions) if (e.type === type) return e.data;
  return undefined;
}

/** Reads an extension body fully with `read`, failing with decode_error on leftovers. */
function parseBody<T>(data: Uint8Array, what: string, read: (r: ByteReader) => T): T {
  const r = new ByteReader(data);
  const v = read(r);
  r.expectEnd(what);
  return v;
}

// --- server_name (RFC 6066 section 3) ---

/** Encodes a ClientHello server_name body with one host_name. */
export function encodeServerName(hostName: string): Uint8Array {
  return encode((w) => w.block16((l) => l.u8(0).vector16(utf8Bytes(hostName))));
}

/** Decodes a ClientHello server_name body to its host_name, if any. */
export function decodeServerName(data: Uint8Array): string | undefined {
  return parseBody(data, 'server_name', (r) => {
    const list = new ByteReader(r.vector16('server_name list', 1));
    let host: string | undefined;
    while (!list.atEnd) {
      const type = list.u8('server_name type');
      const name = list.vector16('server_name host_name', 1);
      if (type !== 0) continue;
      if (host !== undefined) throw TLSAlertError.sent('illegal_parameter', 'server_name has two host names');
      for (const c of name) if (c === 0) throw TLSAlertError.sent('illegal_parameter', 'server_name contains NUL');
      host = utf8Text(name);
    }
    return host;
  });
}

// --- supported_versions (section 4.2.1) ---

/** Encodes the ClientHello supported_versions list. */
export function encodeSupportedVersionsList(versions: readonly number[]): Uint8Array {
  return encode((w) => w.block8((b) => versions.forEach((v) => b.u16(v))));
}

/** Decodes the ClientHello supported_versions list. */
export function decodeSupportedVersionsList(data: Uint8Array): number[] {
  return parseBody(data, 'supported_versions', (r) => readU16List(r.vector8('supported_versions', 2, 254), 'supported_versions'));
}

/** Encodes the ServerHello selected_version. */
export function encodeSelectedVersion(version: number): Uint8Array {
  return encode((w) => w.u16(version));
}

/** Decodes the ServerHello selected_version. */
export function decodeSelectedVersion(data: Uint8Array): number {
  return parseBody(data, 'supported_versions', (r) => r.u16('selected_version'));
}

// --- supported_groups, signature_algorithms(_cert) (sections 4.2.7, 4.2.3) ---

/** Encodes a 2-byte-prefixed list of uint16 code points (groups or schemes). */
export function encodeU16List(codes: readonly number[]): Uint8Array {
  return encode((w) => w.block16((b) => codes.forEach((c) => b.u16(c))));
}

/** Decodes a 2-byte-prefixed, non-empty list of uint16 code points. */
export function decodeU16List(data: Uint8Array, what: string): number[] {
  return parseBody(data, what, (r) => readU16List(r.vector16(what, 2), what));
}

// --- key_share (section 4.2.8) ---

/** A KeyShareEntry: a group and its key_exchange bytes. */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

/** Encodes the ClientHello key_share list. */
export function encodeClientKeyShares(entries: readonly KeyShareEntry[]): Uint8Array {
  return encode((w) => w.block16((b) => entries.forEach((e) => b.u16(e.group).vector16(e.keyExchange))));
}

/** Decodes the ClientHello key_share list; a group offered twice is illegal_parameter. */
export function decodeClientKeyShares(data: Uint8Array): KeyShareEntry[] {
  return parseBody(data, 'key_share', (r) => {
    const list = new ByteReader(r.vector16('client_shares'));
    const out: KeyShareEntry[] = [];
    while (!list.atEnd) {
      const group = list.u16('key_share group');
      // Length rules, the empty share included, are checked per group by the server (section 4.2.8).
      const keyExchange = list.vector16('key_exchange');
      if (out.some((e) => e.group === group)) throw TLSAlertError.sent('illegal_parameter', `key_share offers group ${group} twice`);
      out.push({ group, keyExchange });
    }
    return out;
  });
}

/** Encodes the ServerHello key_share entry. */
export function encodeServerKeyShare(entry: KeyShareEntry): Uint8Array {
  return encode((w) => w.u16(entry.group).vector16(entry.keyExchange));
}

/** Decodes the ServerHello key_share entry. */
export function decodeServerKeyShare(data: Uint8Array): KeyShareEntry {
  return parseBody(data, 'key_share', (r) => ({ group: r.u16('key_share group'), keyExchange: r.vector16('key_exchange', 1) }));
}

/** Encodes the HelloRetryRequest key_share (the selected group). */
export function encodeSelectedGroup(group: number): Uint8Array {
  return encode((w) => w.u16(group));
}

/** Decodes the HelloRetryRequest key_share (the selected group). */
export function decodeSelectedGroup(data: Uint8Array): number {
  return parseBody(data, 'key_share', (r) => r.u16('selected_group'));
}

// --- application_layer_protocol_negotiation (RFC 7301) ---

/** Encodes a ProtocolNameList. */
export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return encode((w) => w.block16((b) => protocols.forEach((p) => b.vector8(utf8Bytes(p)))));
}

/** Decodes a non-empty ProtocolNameList of non-empty names. */
export function decodeAlpn(data: Uint8Array): string[] {
  return parseBody(data, 'alpn', (r) => {
    const list = new ByteReader(r.vector16('protocol_name_list', 2));
    const out: string[] = [];
    while (!list.atEnd) out.push(utf8Text(list.vector8('protocol_name', 1)));
    return out;
  });
}

// --- psk_key_exchange_modes (section 4.2.9) and cookie (section 4.2.2) ---

/** PskKeyExchangeMode: psk_ke (PSK only, no (EC)DHE). */
export const PSK_KE = 0;
/** PskKeyExchangeMode: psk_dhe_ke. */
export const PSK_DHE_KE = 1;

/** Encodes psk_key_exchange_modes. */
export function encodePskModes(modes: readonly number[]): Uint8Array {
  return encode((w) => w.block8((b) => modes.forEach((m) => b.u8(m))));
}

/** Decodes psk_key_exchange_modes. */
export function decodePskModes(data: Uint8Array): number[] {
  return parseBody(data, 'psk_key_exchange_modes', (r) => [...r.vector8('ke_modes', 1)]);
}

/** Encodes a cookie body. */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return encode((w) => w.vector16(cookie));
}

/** Decodes a cookie body. */
export function decodeCookie(data: Uint8Array): Uint8Array {
  return parseBody(data, 'cookie', (r) => r.vector16('cookie', 1));
}

// --- pre_shared_key (section 4.2.11) and early_data (section 4.2.10) ---

/** One PskIdentity of a ClientHello pre_shared_key. */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/** A ClientHello pre_shared_key (OfferedPsks). */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

/** Encodes OfferedPsks. */
export function encodeOfferedPsks(m: OfferedPsks): Uint8Array {
  return encode((w) => {
    w.block16((list) => m.identities.forEach((i) => list.vector16(i.identity).u32(i.obfuscatedTicketAge)));
    w.block16((list) => m.binders.forEach((b) => list.vector8(b)));
  });
}

/** The length of the binders list at the end of OfferedPsks (its 2-byte prefix included). */
export function bindersListLength(binderLengths: readonly number[]): number {
  return 2 + binderLengths.reduce((n, l) => n + 1 + l, 0);
}

/** Decodes OfferedPsks: at least one identity, binders of 32..255 bytes. */
export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  return parseBody(data, 'pre_shared_key', (r) => {
    const ids = new ByteReader(r.vector16('identities', 7));
    const identities: PskIdentity[] = [];
    while (!ids.atEnd) identities.push({ identity: ids.vector16('identity', 1), obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
    const list = new ByteReader(r.vector16('binders', 33));
    const binders: Uint8Array[] = [];
    while (!list.atEnd) binders.push(list.vector8('binder', 32));
    return { identities, binders };
  });
}

/** Encodes the ServerHello pre_shared_key (selected_identity). */
export function encodeSelectedIdentity(index: number): Uint8Array {
  return encode((w) => w.u16(index));
}

/** Decodes the ServerHello pre_shared_key (selected_identity). */
export function decodeSelectedIdentity(data: Uint8Array): number {
  return parseBody(data, 'pre_shared_key', (r) => r.u16('selected_identity'));
}

/** Encodes the NewSessionTicket early_data body (max_early_data_size). */
export function encodeMaxEarlyData(size: number): Uint8Array {
  return encode((w) => w.u32(size));
}

/** Decodes the NewSessionTicket early_data body (max_early_data_size). */
export function decodeMaxEarlyData(data: Uint8Array): number {
  return parseBody(data, 'early_data', (r) => r.u32('max_early_data_size'));
}

// --- record_size_limit (RFC 8449 section 4) ---

/** The smallest record_size_limit an endpoint may announce (RFC 8449 section 4). */
export const MIN_RECORD_SIZE_LIMIT = 64;
/** The largest TLS 1.3 TLSInnerPlaintext, 2^14 + 1: the record_size_limit of an endpoint with no limit of its own. */
export const MAX_RECORD_SIZE_LIMIT = 16385;

/** Encodes a record_size_limit body. */
export function encodeRecordSizeLimit(limit: number): Uint8Array {
  return encode((w) => w.u16(limit));
}

/**
 * Decodes a record_size_limit body; a value under 64 is illegal_parameter (RFC 8449 section
 * 4). A larger value than 2^14 + 1 is accepted (RFC 8449 section 4: a server must not
 * refuse it; records simply stay at the protocol's size).
 */
export function decodeRecordSizeLimit(data: Uint8Array): number {
  const limit = parseBody(data, 'record_size_limit', (r) => r.u16('record_size_limit'));
  if (limit < MIN_RECORD_SIZE_LIMIT) throw TLSAlertError.sent('illegal_parameter', `record_size_limit ${limit} is below ${MIN_RECORD_SIZE_LIMIT}`);
  return limit;
}

/** True for a GREASE code point (RFC 8701): 0x?A?A with equal bytes. */
export function isGrease(code: number): boolean {
  return (code & 0x0f0f) === 0x0a0a && code >> 8 === (code & 0xff);
}
