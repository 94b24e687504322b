/**
 * Configuration types. Option names follow node:tls (`cert`, `key`, `ca`, `servername`,
 * `ALPNProtocols`, `rejectUnauthorized`, `minVersion`, `maxVersion`, ...) so a node:tls
 * user already knows them; every backend reads the same objects.
 */

import type { TicketKeyRing } from './ticket-keys.js';
import type { AntiReplayStore } from './anti-replay/store.js';

/** PEM text or DER/PEM bytes; a list for several certificates. */
export type CertificateInput = string | Uint8Array | readonly (string | Uint8Array)[];

/** TLS protocol versions, spelled as node:tls spells them. */
export type TLSVersion = 'TLSv1.2' | 'TLSv1.3';

/** A PSK key exchange mode (RFC 8446 section 4.2.9): `psk_dhe_ke` keeps forward secrecy, `psk_ke` skips (EC)DHE. */
export type PskKeyExchangeMode = 'psk_ke' | 'psk_dhe_ke';

/** Options both roles share. */
export interface CommonConfiguration {
  /** Our certificate chain, leaf first (PEM). Required for a server. */
  cert?: CertificateInput;
  /** Our private key (PEM, PKCS#8 / SEC1 / PKCS#1). */
  key?: string | Uint8Array;
  /** Trust anchors; replaces the default roots (`tls.rootCertificates`) when given. */
  ca?: CertificateInput;
  /**
   * Certificate revocation lists (PEM "X509 CRL" or DER), as node:tls's `crl`. When given,
   * every certificate of the peer's path below the trust anchor must be covered by a
   * current CRL from its issuer; a listed one fails with reason `revoked`.
   */
  crl?: CertificateInput;
  /** Most intermediate certificates allowed between the peer's leaf and the trust anchor (OpenSSL's verify depth); unlimited when absent. */
  maxDepth?: number;
  /** ALPN protocols in preference order, e.g. `['h2', 'http/1.1']`. */
  ALPNProtocols?: readonly string[];
  /** Lowest protocol version accepted (default TLSv1.2 for node-tls, TLSv1.3 for noble). */
  minVersion?: TLSVersion;
  /** Highest protocol version offered. */
  maxVersion?: TLSVersion;
  /** TLS 1.3 cipher suites by IANA name, in preference order: a list or a colon-separated string. */
  cipherSuites?: string | readonly string[];
  /**
   * node:tls's OpenSSL cipher string (TLS 1.2 names and TLS 1.3 `TLS_*` names). node-tls
   * passes it to OpenSSL as is; noble takes its `TLS_*` names when `cipherSuites` is not given,
   * and its TLS 1.2 suites (`TLS12_OPENSSL_CIPHER_NAMES`, e.g. ECDHE-ECDSA-AES128-GCM-SHA256) in
   * the order given; other TLS 1.2 entries are ignored (node:tls options warn naming them).
   */
  ciphers?: string;
  /** Key-exchange groups by name (`X25519`, `P-256`, `P-384`, `X448`, `P-521`, `X25519MLKEM768`, `ffdhe2048`..`ffdhe8192`), in preference order (node:tls `ecdhCurve`). */
  groups?: readonly string[];
  /**
   * Signature algorithms offered and accepted in CertificateVerify (RFC 8446 section 4.2.3), in
   * preference order (node:tls `sigalgs`): IANA names (`ecdsa_secp256r1_sha256`,
   * `rsa_pss_rsae_sha256`, `ed25519`, ...) or OpenSSL's `ECDSA+SHA256` / `RSA-PSS+SHA256` forms.
   */
  signatureAlgorithms?: readonly string[];
  /** Milliseconds the handshake may take before `HandshakeTimeoutError` (default 30000). */
  handshakeTimeout?: number;
  /** Called with each NSS key-log line (SSLKEYLOGFILE format); off by default. */
  keylog?: (line: string) => void;
  /** PSK key exchange modes offered (client) or accepted (server) for resumption; default `['psk_dhe_ke']`. */
  pskKeyExchangeModes?: readonly PskKeyExchangeMode[];
  /**
   * The record_size_limit we announce (RFC 8449): the largest plaintext of a protected record
   * we accept, its content type included, 64..16385; default 16385. The peer's own limit
   * always bounds the records we send. noble only.
   */
  recordSizeLimit?: number;
}

/** Client-role configuration (we connect to a server). */
export interface ClientConfiguration extends CommonConfiguration {
  /** SNI host name and the name the certificate is checked against. */
  servername?: string;
  /** Verify the server's chain and name (default true). */
  rejectUnauthorized?: boolean;
  /** A session to resume, as `getSession()` or the `'session'` event gave it (node:tls `session`); one of another backend means a full handshake. */
  session?: Uint8Array;
  /**
   * Data to send as 0-RTT early data when `session` allows it (RFC 8446 section 2.3; replayable
   * by an attacker, so only idempotent requests). Always delivered: what the server rejects
   * (or what did not fit) is sent as ordinary data after the handshake. noble only.
   */
  earlyData?: Uint8Array;
  /**
   * Replaces the host-name check (the chain is still verified): called with the name
   * checked and the leaf certificate (DER); returns an Error to reject the server.
   */
  checkServerIdentity?: (hostname: string, leaf: Uint8Array) => Error | undefined;
}

/** One certificate chain (leaf first) with the private key of its leaf. */
export interface ServerIdentity {
  readonly cert: CertificateInput;
  readonly key: string | Uint8Array;
}

/** Server-role configuration (we accept a client). */
export interface ServerConfiguration extends CommonConfiguration {
  /**
   * More certificate/key pairs beside `cert`/`key`, at most one per key type (e.g. RSA beside
   * ECDSA, as node:tls's `key`/`cert` arrays). Each full handshake uses a pair whose key can
   * sign a scheme in the client's signature_algorithms (RFC 8446 section 4.4.2.2).
   */
  additionalIdentities?: readonly ServerIdentity[];
  /**
   * Chooses the ALPN protocol from the client's list (node:tls `ALPNCallback`, RFC 7301
   * section 3.2): return one of `protocols`, or undefined to refuse the connection
   * (no_application_protocol). Replaces `ALPNProtocols` when both are set.
   */
  ALPNCallback?: (offer: { servername: string | undefined; protocols: string[] }) => string | undefined;
  /** Ask the client for a certificate. */
  requestCert?: boolean;
  /** With `requestCert`: reject clients without a valid certificate (default true, as node:tls). */
  rejectUnauthorized?: boolean;
  /**
   * Session-ticket keys: node:tls's 48-byte `ticketKeys` form (one key that never expires), or a
   * `TicketKeyRing` (rotating keys shared by a fleet). Default: random keys per server identity, rotating.
   */
  ticketKeys?: Uint8Array | TicketKeyRing;
  /** NewSessionTickets sent after each handshake; default 2 (as OpenSSL); 0 disables resumption. */
  ticketCount?: number;
  /** Ticket lifetime in seconds (node:tls `sessionTimeout`); default 7200, at most 604800. */
  sessionTimeout?: number;
  /** 0-RTT: bytes of early data accepted per resumed connection and announced in tickets; default 0 (off). noble only. */
  maxEarlyData?: number;
  /** Where accepted 0-RTT ClientHellos are recorded against replay (RFC 8446 section 8.2); default one store per process. */
  antiReplay?: AntiReplayStore;
}

/** The default handshake timeout in milliseconds. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/** Normalises a CertificateInput into a list of inputs. */
export function certificateList(input: CertificateInput | undefined): (string | Uint8Array)[] {
  if (input === undefined) return [];
  if (typeof input === 'string' || input instanceof Uint8Array) return [input];
  return [...input];
}

/** A list of names from a list or a string separated by colons or commas (undefined stays undefined). */
export function nameList(value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  return value.split(/[:,]/).map((name) => name.trim()).filter((name) => name !== '');
}

/** The TLS 1.3 suite names (`TLS_*`) in an OpenSSL cipher string. */
export function tls13SuitesIn(ciphers: string): string[] {
  return ciphers.split(':').map((name) => name.trim()).filter((name) => name.startsWith('TLS_'));
}

/** The OpenSSL names of the TLS 1.2 suites the noble engine speaks (ECDHE with an AEAD, RFC 5289 and 7905), to their IANA names. */
export const TLS12_OPENSSL_CIPHER_NAMES: Readonly<Record<string, string>> = {
  'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305': 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-CHACHA20-POLY1305': 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};

/**
 * The TLS 1.2 entries of an OpenSSL cipher string (everything but `TLS_*`): `suites`, the
 * IANA names of those the noble engine speaks, in the order given (each once); `refused`,
 * the other entries (CBC, RSA key exchange, DHE, and OpenSSL's keywords and operators).
 */
export function tls12SuitesIn(ciphers: string): { suites: string[]; refused: string[] } {
  const suites: string[] = [];
  const refused: string[] = [];
  for (const entry of ciphers.split(':').map((name) => name.trim())) {
    if (entry === '' || entry.startsWith('TLS_')) continue;
    const iana = Object.hasOwn(TLS12_OPENSSL_CIPHER_NAMES, entry) ? TLS12_OPENSSL_CIPHER_NAMES[entry] : undefined;
    if (!iana) refused.push(entry);
    else if (!suites.includes(iana)) suites.push(iana);
  }
  return { suites, refused };
}
