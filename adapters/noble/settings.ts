/**
 * Engine settings: everything the sans-IO core is given from outside. Randomness, the
 * clock, the crypto provider and the peer verifier are injected, so a handshake can be
 * replayed byte for byte. `config.ts` builds these from node:tls-style configuration.
 */
import type { CryptoProvider, NamedGroupName, PrivateKey, RandomSource, SignatureSchemeName } from '../../src/crypto/provider.js';
import type { Extension } from './codec/extensions.js';
import type { NewSessionTicket } from './codec/handshake.js';
import type { CipherSuite } from './suites.js';
import type { PeerVerifier, ShapedMessage } from './handshake-context.js';
import type { TLSVersion } from '../../src/configuration.js';
import type { Tls12CipherSuite } from './tls12/suites.js';
import type { PskModeName } from './psk.js';
import type { ResumableSession } from './session.js';
import type { TicketKeyRing } from '../../src/ticket-keys.js';
import type { ServerCredential } from './server-credentials.js';

/** Settings both roles share. */
export interface CommonEngineSettings {
  readonly provider: CryptoProvider;
  /** Random bytes (hello random, key shares, session id, tickets); default `provider.random`. */
  readonly random?: RandomSource;
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Cipher suites in preference order; default all three. */
  readonly cipherSuites?: readonly CipherSuite[];
  /** Lowest protocol version spoken (node:tls name); default TLSv1.2. */
  readonly minVersion?: TLSVersion;
  /** Highest protocol version spoken (node:tls name); default TLSv1.3. */
  readonly maxVersion?: TLSVersion;
  /** TLS 1.2 cipher suites (ECDHE + AEAD) in preference order; default all six. */
  readonly tls12CipherSuites?: readonly Tls12CipherSuite[];
  /** supported_groups in preference order; default `DEFAULT_GROUPS` in suites.ts (those the provider has). */
  readonly groups?: readonly NamedGroupName[];
  /** Schemes accepted (and used) in CertificateVerify, in preference order. */
  readonly signatureSchemes?: readonly SignatureSchemeName[];
  /** Schemes accepted on certificates (signature_algorithms_cert). */
  readonly certificateSignatureSchemes?: readonly SignatureSchemeName[];
  /** ALPN protocols in preference order. */
  readonly alpnProtocols?: readonly string[];
  /** Our certificate chain (DER, leaf first); required for a server. */
  readonly certificateChain?: readonly Uint8Array[];
  /** The private key of our leaf certificate. */
  readonly privateKey?: PrivateKey;
  /** Produces CertificateVerify signatures instead of `provider.sign` (hardware keys; known-answer tests of randomised RSA-PSS). */
  readonly signer?: (scheme: SignatureSchemeName, content: Uint8Array) => Uint8Array;
  /**
   * The record_size_limit we announce (RFC 8449): the largest TLSInnerPlaintext (content,
   * content type and padding) we accept in a protected record, 64..16385; default 16385
   * (no limit below the protocol's). The peer's announced limit always bounds what we send.
   */
  readonly recordSizeLimit?: number;
  /** Cap on one handshake message (default 64 KiB; a ClientHello may be up to 128 KiB). */
  readonly maxHandshakeMessageLength?: number;
  /** Receives NSS key-log lines (SSLKEYLOGFILE format). */
  readonly keylog?: (line: string) => void;
  /**
   * Reshapes the extension list of a message we send, given our defaults. For
   * reproducing other stacks' exact bytes (RFC 8448 traces) and for tests; the engine
   * still checks peers against what was actually sent.
   */
  readonly editExtensions?: (message: ShapedMessage, extensions: readonly Extension[]) => readonly Extension[];
}

/** Client-role settings. */
export interface ClientEngineSettings extends CommonEngineSettings {
  /** SNI host name and the name the server certificate must match. */
  readonly serverName?: string;
  /** Groups to send key shares for in the first ClientHello; default the first of `groups`. */
  readonly keyShareGroups?: readonly NamedGroupName[];
  /** Validates the server chain and returns its key. Build with `config.ts`; there is no implicit "accept anything". */
  readonly verifyServer: PeerVerifier;
  /** Send a 32-byte legacy_session_id and a change_cipher_spec (RFC 8446 appendix D.4); default true. */
  readonly middleboxCompatibility?: boolean;
  /** A session to resume (offered as a PSK when fresh and for this server name). */
  readonly session?: ResumableSession;
  /** PSK key exchange modes offered (section 4.2.9); default psk_dhe_ke only. */
  readonly pskModes?: readonly PskModeName[];
  /** Called with each session ticket as it arrives (after it is kept in `tickets`). */
  readonly onTicket?: (session: ResumableSession) => void;
  /** 0-RTT: application data sent with the ClientHello when the session allows it (section 2.3); see `outcome.earlyData`. */
  readonly earlyData?: Uint8Array;
}

/** How a server treats client certificates. */
export type ClientAuthentication = 'none' | 'request' | 'require';

/** Server-role settings. */
export interface ServerEngineSettings extends CommonEngineSettings {
  readonly certificateChain: readonly Uint8Array[];
  readonly privateKey: PrivateKey;
  /** Chooses the ALPN protocol from the client's offer (RFC 7301 section 3.2) in place of `alpnProtocols`; undefined refuses with no_application_protocol. */
  readonly selectAlpn?: (offered: readonly string[], serverName: string | undefined) => string | undefined;
  /** More certificate/key pairs (at most one per key type); each handshake picks one by the client's signature_algorithms (server-credentials.ts). */
  readonly additionalCredentials?: readonly ServerCredential[];
  /** Ask for a client certificate, optionally requiring one; default none. */
  readonly clientAuthentication?: ClientAuthentication;
  /** Validates a client chain for clientAuth; required unless clientAuthentication is none. */
  readonly verifyClient?: PeerVerifier;
  /** NewSessionTickets sent after the handshake; default 2 (as OpenSSL); 0 sends none. */
  readonly ticketCount?: number;
  /** The keys tickets are sealed and opened with; without them no tickets are sent and none resume. */
  readonly ticketKeys?: TicketKeyRing;
  /** Makes the index-th NewSessionTicket instead of sealing one (known-answer tests). */
  readonly issueTicket?: (index: number) => NewSessionTicket;
  /** PSK key exchange modes accepted for resumption (section 4.2.9); default psk_dhe_ke only. */
  readonly pskModes?: readonly PskModeName[];
  /** 0-RTT: max_early_data_size announced in tickets and accepted on resumption; default 0 (off). */
  readonly maxEarlyData?: number;
  /** Lifetime announced in tickets, seconds; default 7200. */
  readonly ticketLifetimeSeconds?: number;
  /** Put a cookie in HelloRetryRequest (and require it echoed); default false: over a stream transport the server keeps the first ClientHello itself. */
  readonly retryCookie?: boolean;
}
