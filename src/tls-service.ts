/**
 * `TLSService`: one TLS backend instance for one connection. It negotiates over a
 * RawConnection it then owns, and moves plaintext through it. Backends: node-tls,
 * noble, plaintext.
 */
import type { ByteSource, RawConnection } from './raw-connection.js';
import type { ClientConfiguration, ServerConfiguration } from './configuration.js';

/** What the two ends agreed on; fields a backend cannot tell are undefined. */
export interface NegotiatedParameters {
  /** The backend's name: `node-tls`, `noble`, `plaintext`. */
  readonly backend: string;
  /** `TLSv1.3`, `TLSv1.2`, or `none` for plaintext. */
  readonly protocol: string;
  /** IANA cipher suite name, e.g. `TLS_AES_128_GCM_SHA256`. */
  readonly cipherSuite: string | undefined;
  /** Key-exchange group, e.g. `X25519`, `P-256`, `X25519MLKEM768`. */
  readonly group: string | undefined;
  /** The ALPN protocol agreed, or undefined when none. */
  readonly alpnProtocol: string | undefined;
  /** The SNI host name (sent by the client / received by the server). */
  readonly servername: string | undefined;
  /** The peer's certificate chain as DER, leaf first; empty when none was sent. */
  readonly peerCertificates: readonly Uint8Array[];
  /** True when the session was resumed. */
  readonly resumed: boolean;
  /** 0-RTT (RFC 8446 section 2.3): `accepted` or `rejected` when early data was offered; absent otherwise. */
  readonly earlyData?: 'accepted' | 'rejected';
  /** The crypto provider, where the backend has a choice of them. */
  readonly cryptoProvider?: string | undefined;
}

/** Session resumption as node:tls offers it (`getSession`, `'session'`, `isSessionReused`); backends with resumption implement it. */
export interface SessionSource {
  /** The newest session received (client), for the `session` option; undefined when none has arrived. */
  getSession(): Uint8Array | undefined;
  /** True when this connection resumed a session. */
  isSessionReused(): boolean;
  /** Calls `listener` with each session as it arrives (client); returns an unsubscribe function. */
  onSession(listener: (session: Uint8Array) => void): () => void;
}

/** True when `service` implements SessionSource. */
export function hasSessions(service: object): service is SessionSource {
  const s = service as Partial<SessionSource>;
  return typeof s.getSession === 'function' && typeof s.isSessionReused === 'function' && typeof s.onSession === 'function';
}

/** One backend instance for one connection; never shared, never reused. */
export interface TLSService {
  /** The backend's name. */
  readonly backend: string;
  /** Runs a client handshake over `via` and keeps it. Rejects with a typed error. */
  negotiateAsClient(via: RawConnection, options?: ClientConfiguration): Promise<void>;
  /** Runs a server handshake over `via` and keeps it. Rejects with a typed error. */
  negotiateAsServer(via: RawConnection, options?: ServerConfiguration): Promise<void>;
  /** Encrypts and sends one buffer. */
  sendBytes(data: Uint8Array): Promise<void>;
  /** Encrypts and sends an iovec in as few records and writes as fit. */
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  /**
   * At most `count` plaintext bytes; excess is kept for the next call. Empty = the peer's
   * close_notify (and every read after it); rejects with TruncationError when the
   * transport ends without one (RFC 8446 section 6.1; plaintext cannot tell: its end is the empty read).
   */
  receiveBytes(count: number): Promise<Uint8Array>;
  /**
   * Write-only shutdown (RFC 8446 section 6.1): sends close_notify and ends the raw write
   * side; receiving goes on until the peer's close_notify. Later sends reject. Idempotent.
   */
  shutdownWrite(): Promise<void>;
  /** Sends close_notify (unless sent) and closes the raw connection: nothing more is read. Idempotent. */
  close(): Promise<void>;
  /** Releases state and the raw connection at once, without a goodbye. */
  willDeinitConnection(): void;
  /** What was agreed; throws before negotiation completes. */
  readonly negotiated: NegotiatedParameters;
  /** Keying material exported from the session (RFC 5705; RFC 8446 section 7.5), where the backend can. */
  exportKeyingMaterial?(length: number, label: string, context?: Uint8Array): Uint8Array;
}
