/**
 * Configuration types. Option names follow node:tls (`cert`, `key`, `ca`, `servername`,
 * `ALPNProtocols`, `rejectUnauthorized`, `minVersion`, `maxVersion`, ...) so a node:tls
 * user already knows them; every backend reads the same objects.
 */

/** PEM text or DER/PEM bytes; a list for several certificates. */
export type CertificateInput = string | Uint8Array | readonly (string | Uint8Array)[];

/** TLS protocol versions, spelled as node:tls spells them. */
export type TLSVersion = 'TLSv1.2' | 'TLSv1.3';

/** Options both roles share. */
export interface CommonConfiguration {
  /** Our certificate chain, leaf first (PEM). Required for a server. */
  cert?: CertificateInput;
  /** Our private key (PEM, PKCS#8 / SEC1 / PKCS#1). */
  key?: string | Uint8Array;
  /** Trust anchors; replaces the default roots (`tls.rootCertificates`) when given. */
  ca?: CertificateInput;
  /** ALPN protocols in preference order, e.g. `['h2', 'http/1.1']`. */
  ALPNProtocols?: readonly string[];
  /** Lowest protocol version accepted (default TLSv1.2 for node-tls, TLSv1.3 for noble). */
  minVersion?: TLSVersion;
  /** Highest protocol version offered. */
  maxVersion?: TLSVersion;
  /** TLS 1.3 cipher suites by IANA name, in preference order (node:tls `ciphersuites`). */
  cipherSuites?: readonly string[];
  /** Key-exchange groups by name (`X25519`, `P-256`, `P-384`, `X448`, `P-521`, `X25519MLKEM768`, `ffdhe2048`..`ffdhe8192`), in preference order (node:tls `ecdhCurve`). */
  groups?: readonly string[];
  /** Milliseconds the handshake may take before `HandshakeTimeoutError` (default 30000). */
  handshakeTimeout?: number;
  /** Called with each NSS key-log line (SSLKEYLOGFILE format); off by default. */
  keylog?: (line: string) => void;
}

/** Client-role configuration (we connect to a server). */
export interface ClientConfiguration extends CommonConfiguration {
  /** SNI host name and the name the certificate is checked against. */
  servername?: string;
  /** Verify the server's chain and name (default true). */
  rejectUnauthorized?: boolean;
}

/** Server-role configuration (we accept a client). */
export interface ServerConfiguration extends CommonConfiguration {
  /** Ask the client for a certificate. */
  requestCert?: boolean;
  /** With `requestCert`: reject clients without a valid certificate (default true, as node:tls). */
  rejectUnauthorized?: boolean;
}

/** The default handshake timeout in milliseconds. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/** Normalises a CertificateInput into a list of inputs. */
export function certificateList(input: CertificateInput | undefined): (string | Uint8Array)[] {
  if (input === undefined) return [];
  if (typeof input === 'string' || input instanceof Uint8Array) return [input];
  return [...input];
}
