/**
 * node:tls / node:https option names to our configuration. Every option is checked when
 * the server, context or connection is created (bad types, file paths where PEM belongs,
 * encrypted keys without passphrase, a key that does not match its certificate), and an
 * option node:tls knows but this backend does not support gets a one-time warning naming
 * it, never silence.
 */
import type { Container } from 'inversify';
import {
  nameList, tls12SuitesIn, tls13SuitesIn, type ClientConfiguration, type CommonConfiguration, type ServerConfiguration, type TLSVersion,
} from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import type { BackendName, CryptoProviderName } from '../names.js';
import { signatureSchemeByName } from '../crypto/signature-schemes.js';
import { describeType, loadCredentials, type CredentialOptions, type PemInput } from './credentials.js';

/** ALPN protocols as node:tls takes them: a list of strings or bytes, or one buffer in wire format. */
export type ALPNInput = readonly (string | Uint8Array)[] | Uint8Array;

/** Which backend runs the connections (and its crypto), or a container that decides. */
export interface BackendChoice {
  /** `noble` (default: our TLS 1.3 engine), `node-tls` (OpenSSL) or `plaintext`. */
  backend?: BackendName;
  /** noble's crypto provider: `node` (node:crypto, default) or `noble` (pure TypeScript). */
  crypto?: CryptoProviderName;
  /** A DI container whose TLSService binding picks the backend; wins over `backend`. */
  container?: Container;
}

/** The node:tls options both roles take. */
export interface NodeTLSOptions extends CredentialOptions, BackendChoice {
  ciphers?: string;
  /** TLS 1.3 suites by IANA name: a list or a colon-separated string. */
  cipherSuites?: string | readonly string[];
  /** Groups, colon-separated (`X25519:P-256`), or `auto`. */
  ecdhCurve?: string;
  /** Signature algorithms, colon-separated, in preference order (`ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256`, or OpenSSL's `ECDSA+SHA256`). */
  sigalgs?: string;
  /** Groups as a list (our name for `ecdhCurve`). */
  groups?: readonly string[];
  ALPNProtocols?: ALPNInput;
  minVersion?: TLSVersion;
  maxVersion?: TLSVersion;
  honorCipherOrder?: boolean;
  handshakeTimeout?: number;
  rejectUnauthorized?: boolean;
  /** Receives NSS key-log lines (our name; sockets and servers also emit 'keylog'). */
  keylog?: (line: string) => void;
  /** Certificate revocation lists (PEM or DER), checked for every certificate below the anchor. */
  crl?: CommonConfiguration['crl'];
  /** Most intermediates allowed between the leaf and the anchor (OpenSSL's verify depth). */
  maxDepth?: number;
  /** PSK key-exchange modes offered or accepted for resumption (default psk_dhe_ke). */
  pskKeyExchangeModes?: CommonConfiguration['pskKeyExchangeModes'];
}

/** node:tls options a node-style server takes. */
export interface NodeServerOptions extends NodeTLSOptions {
  requestCert?: boolean;
  /** Session ticket keys: node:tls's 48 bytes, or a TicketKeyRing shared by a fleet. */
  ticketKeys?: ServerConfiguration['ticketKeys'];
  /** NewSessionTickets sent after each handshake (default 2; 0 disables). */
  ticketCount?: number;
  /** Ticket lifetime in seconds (node:tls `sessionTimeout`). */
  sessionTimeout?: number;
  /** Bytes of 0-RTT data accepted per connection (noble; default 0: off). */
  maxEarlyData?: number;
  /** Anti-replay store for 0-RTT ClientHellos (RFC 8446 section 8). */
  antiReplay?: ServerConfiguration['antiReplay'];
  /** Chooses the ALPN protocol from the client's offer: return one of `protocols`, or undefined to refuse (no_application_protocol). */
  ALPNCallback?: ServerConfiguration['ALPNCallback'];
  /** Chooses a context by the client's SNI name, as node:tls: `cb(null, createSecureContext(...))` or `cb(null, undefined)` for the default. */
  SNICallback?: (servername: string, callback: (error: Error | null, context?: unknown) => void) => void;
}

/** node:tls options a node-style client takes. */
export interface NodeClientOptions extends NodeTLSOptions {
  servername?: string;
  /** A session to resume, as `getSession()` or the `'session'` event gave it. */
  session?: Uint8Array;
  /** Data sent as 0-RTT when `session` allows it (replayable: idempotent requests only). */
  earlyData?: Uint8Array;
  /** As node:tls: returns an Error to reject the server; the default checks the name against the certificate. */
  checkServerIdentity?: (hostname: string, certificate: import('node:tls').PeerCertificate) => Error | undefined;
}

/** node:tls option names we know and do not support; each gets one warning per process. */
const UNSUPPORTED = [
  'secureProtocol', 'secureOptions', 'sessionIdContext', 'dhparam', 'privateKeyEngine',
  'privateKeyIdentifier', 'clientCertEngine', 'pskCallback', 'pskIdentityHint', 'enableTrace', 'requestOCSP',
  'minDHSize', 'secureContext',
] as const;

const warned = new Set<string>();

/** Emits one process warning per option name (code TLSSERVICE_UNSUPPORTED_OPTION). */
export function warnOnce(option: string, message: string): void {
  if (warned.has(option)) return;
  warned.add(option);
  process.emitWarning(`tlsservice: ${message}`, { code: 'TLSSERVICE_UNSUPPORTED_OPTION' });
}

function warnUnsupported(options: object, backend: BackendName): void {
  for (const name of UNSUPPORTED) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      warnOnce(name, `option ${name} is not supported (backend ${backend}) and is ignored`);
    }
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigurationError(message);
}

function optionalType(options: object, name: string, type: 'boolean' | 'string' | 'function' | 'number'): void {
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined) check(typeof value === type, `${name} must be a ${type}, got ${describeType(value)}`);
}

/** ALPN protocols in every form node:tls takes, as a list of names. */
export function alpnList(input: unknown): string[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (input instanceof Uint8Array) return alpnWireList(input);
  check(Array.isArray(input), `ALPNProtocols must be a list (e.g. ['h2', 'http/1.1']) or a Buffer in wire format, got ${describeType(input)}`);
  return (input as unknown[]).map((item, i) => {
    if (typeof item === 'string') return item;
    if (item instanceof Uint8Array) return Buffer.from(item).toString('latin1');
    throw new ConfigurationError(`ALPNProtocols[${i}] must be a string or a Buffer, got ${describeType(item)}`);
  });
}

/** Protocols from a wire-format list (each a length byte and the name), as `ALPNProtocols: Buffer` holds them. */
function alpnWireList(bytes: Uint8Array): string[] {
  const names: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes[at]!;
    check(length > 0 && at + 1 + length <= bytes.length, 'ALPNProtocols: the Buffer is not a wire-format protocol list');
    names.push(Buffer.from(bytes.subarray(at + 1, at + 1 + length)).toString('latin1'));
    at += 1 + length;
  }
  return names;
}

const VERSIONS: readonly string[] = ['TLSv1.2', 'TLSv1.3'];

/** The configuration both roles share, checked; `backend` decides what applies. */
function commonConfiguration(options: NodeTLSOptions, backend: BackendName, role: 'client' | 'server'): CommonConfiguration & Pick<ServerConfiguration, 'additionalIdentities'> {
  check(options !== null && typeof options === 'object', `options must be an object, got ${describeType(options)}`);
  for (const name of ['ciphers', 'ecdhCurve', 'minVersion', 'maxVersion', 'sigalgs'] as const) optionalType(options, name, 'string');
  for (const name of ['honorCipherOrder', 'rejectUnauthorized'] as const) optionalType(options, name, 'boolean');
  optionalType(options, 'handshakeTimeout', 'number');
  optionalType(options, 'keylog', 'function');
  for (const name of ['minVersion', 'maxVersion'] as const) {
    const value = options[name];
    if (value !== undefined) check(VERSIONS.includes(value), `${name} ${value} is not supported (use ${VERSIONS.join(' or ')})`);
  }
  if (options.handshakeTimeout !== undefined) {
    check(Number.isFinite(options.handshakeTimeout) && options.handshakeTimeout > 0, 'handshakeTimeout must be a positive number of milliseconds');
  }
  if (options.cipherSuites !== undefined) {
    check(typeof options.cipherSuites === 'string' || Array.isArray(options.cipherSuites), `cipherSuites must be a list or a colon-separated string, got ${describeType(options.cipherSuites)}`);
  }
  if (options.groups !== undefined) check(Array.isArray(options.groups), `groups must be a list, got ${describeType(options.groups)}`);
  warnUnsupported(options, backend);

  const configuration: CommonConfiguration & Pick<ServerConfiguration, 'additionalIdentities'> = {};
  const { identities, ca } = loadCredentials(options);
  const [identity, ...others] = identities;
  if (identity) {
    configuration.cert = identity.cert;
    configuration.key = identity.key;
    // Always set with an identity, so a context chosen later (SNICallback) replaces the default's pairs.
    configuration.additionalIdentities = others;
  }
  if (ca) configuration.ca = ca;
  const alpn = alpnList(options.ALPNProtocols);
  if (alpn) configuration.ALPNProtocols = alpn;
  if (options.minVersion) configuration.minVersion = options.minVersion;
  if (options.maxVersion) configuration.maxVersion = options.maxVersion;
  if (options.handshakeTimeout !== undefined) configuration.handshakeTimeout = options.handshakeTimeout;
  if (options.keylog) configuration.keylog = options.keylog;
  if (options.crl !== undefined) configuration.crl = options.crl;
  if (options.maxDepth !== undefined) configuration.maxDepth = options.maxDepth;
  if (options.pskKeyExchangeModes !== undefined) configuration.pskKeyExchangeModes = options.pskKeyExchangeModes;
  const sigalgs = nameList(options.sigalgs);
  if (sigalgs) {
    check(sigalgs.length > 0, 'sigalgs names no signature algorithm');
    // OpenSSL checks its own names when node-tls builds the context; noble's are checked now.
    const unknown = backend === 'noble' ? sigalgs.find((name) => !signatureSchemeByName(name)) : undefined;
    check(unknown === undefined, `unsupported signature algorithm ${unknown} in sigalgs (backend noble)`);
    configuration.signatureAlgorithms = sigalgs;
  }
  const suites = nameList(options.cipherSuites);
  if (suites) configuration.cipherSuites = suites;
  if (options.ciphers !== undefined) applyCiphers(configuration, options.ciphers, backend);
  const groups = options.groups ?? (options.ecdhCurve && options.ecdhCurve !== 'auto' ? nameList(options.ecdhCurve) : undefined);
  if (groups) configuration.groups = groups;
  if (options.honorCipherOrder !== undefined) {
    // The noble server always picks by its own preference order, as honorCipherOrder: true asks.
    const honoured = backend === 'noble' && role === 'server' && options.honorCipherOrder;
    if (!honoured && role === 'server') warnOnce('honorCipherOrder', `option honorCipherOrder: ${options.honorCipherOrder} is not supported (backend ${backend}) and is ignored`);
  }
  return configuration;
}

/** node:tls `ciphers`: OpenSSL takes it whole; noble takes its TLS 1.3 names and its six TLS 1.2 ECDHE+AEAD suites, and says what it ignores. */
function applyCiphers(configuration: CommonConfiguration, ciphers: string, backend: BackendName): void {
  configuration.ciphers = ciphers;
  if (backend !== 'noble') return;
  const { suites, refused } = tls12SuitesIn(ciphers);
  if (refused.length > 0) {
    const taken = suites.length > 0 ? 'its TLS 1.2 takes the ECDHE+AEAD suites named' : 'its TLS 1.2 offers its six ECDHE+AEAD suites';
    warnOnce('ciphers', `ciphers: ${refused.join(':')} are not TLS 1.2 suites the noble backend speaks (no CBC, RSA key exchange or DHE; no OpenSSL keywords); ${taken}; ignored`);
  }
  const known = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
  const tls13 = tls13SuitesIn(ciphers);
  const unsupported = tls13.filter((name) => !known.includes(name));
  if (unsupported.length > 0) warnOnce('ciphers:tls13', `ciphers: ${unsupported.join(':')} not supported by the noble backend; ignored`);
  const usable = tls13.filter((name) => known.includes(name));
  if (tls13.length > 0 && usable.length === 0) throw new ConfigurationError(`ciphers names no TLS 1.3 suite the noble backend supports (${known.join(', ')})`);
  if (usable.length > 0 && configuration.cipherSuites === undefined) configuration.cipherSuites = usable;
}

/** A server configuration from node:tls / node:https options; throws ConfigurationError at once for bad input. */
export function serverConfigurationFromNode(options: NodeServerOptions, backend: BackendName, identityRequired = true): ServerConfiguration {
  optionalType(options, 'requestCert', 'boolean');
  optionalType(options, 'SNICallback', 'function');
  optionalType(options, 'ALPNCallback', 'function');
  check(!(options.ALPNCallback && options.ALPNProtocols), 'give ALPNProtocols or ALPNCallback, not both (as node:tls)');
  const configuration: ServerConfiguration = commonConfiguration(options, backend, 'server');
  if (identityRequired && backend !== 'plaintext' && configuration.cert === undefined && !options.SNICallback) {
    throw new ConfigurationError('a TLS server needs key and cert (or pfx)');
  }
  if (options.ALPNCallback) configuration.ALPNCallback = options.ALPNCallback;
  if (options.requestCert !== undefined) configuration.requestCert = options.requestCert;
  if (options.rejectUnauthorized !== undefined) configuration.rejectUnauthorized = options.rejectUnauthorized;
  if (options.ticketKeys !== undefined) configuration.ticketKeys = options.ticketKeys;
  if (options.ticketCount !== undefined) configuration.ticketCount = options.ticketCount;
  if (options.sessionTimeout !== undefined) configuration.sessionTimeout = options.sessionTimeout;
  if (options.maxEarlyData !== undefined) configuration.maxEarlyData = options.maxEarlyData;
  if (options.antiReplay !== undefined) configuration.antiReplay = options.antiReplay;
  return configuration;
}

/** A client configuration from node:tls options; throws ConfigurationError at once for bad input. */
export function clientConfigurationFromNode(
  options: NodeClientOptions,
  backend: BackendName,
  toPeerCertificate?: (leaf: Uint8Array) => import('node:tls').PeerCertificate,
): ClientConfiguration {
  optionalType(options, 'servername', 'string');
  optionalType(options, 'checkServerIdentity', 'function');
  const { additionalIdentities, ...configuration }: ClientConfiguration & Pick<ServerConfiguration, 'additionalIdentities'> = commonConfiguration(options, backend, 'client');
  if (additionalIdentities && additionalIdentities.length > 0) {
    throw new ConfigurationError('a client takes one key/certificate pair (several pairs, chosen per handshake, are a server feature)');
  }
  if (options.servername !== undefined && options.servername !== '') configuration.servername = options.servername;
  if (options.rejectUnauthorized !== undefined) configuration.rejectUnauthorized = options.rejectUnauthorized;
  if (options.session !== undefined) configuration.session = options.session;
  if (options.earlyData !== undefined) configuration.earlyData = options.earlyData;
  const custom = options.checkServerIdentity;
  if (custom && toPeerCertificate) configuration.checkServerIdentity = (hostname, leaf) => custom(hostname, toPeerCertificate(leaf));
  return configuration;
}

/** Re-exported for callers that spell PEM inputs. */
export type { PemInput };
