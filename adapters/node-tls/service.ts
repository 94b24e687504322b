/**
 * `NodeTLSService`: OpenSSL through node:tls over ANY RawConnection. A plain TCP
 * connection lends its net.Socket to the TLSSocket (the native path, OpenSSL doing the
 * IO in C++); any other raw connection is adapted to a Duplex (see transport.ts). Errors
 * come out typed, and a client that rejects the server's certificate tells the server
 * why with a fatal alert in place of its Finished (see abort-alert.ts). Closing follows
 * RFC 8446 section 6.1: `shutdownWrite` is TLSSocket.end() over a half-open transport;
 * a transport end that reaches OpenSSL before a close_notify did is a TruncationError;
 * after a fatal alert the raw connection lingers.
 */
import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { certificateList, nameList, type ClientConfiguration, type CommonConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import { ConfigurationError, ConnectionClosedError, alertForCertificateReason } from '../../src/errors.js';
import { asIovec, type ByteSource, type RawConnection } from '../../src/raw-connection.js';
import { StreamReader } from '../../src/raw/stream-reader.js';
import { writeVectored } from '../../src/raw/stream-writer.js';
import type { NegotiatedParameters, SessionSource, TLSService } from '../../src/tls-service.js';
import { parseKeylogLine, plaintextAlertRecord, protectedAlertRecord } from './abort-alert.js';
import { certificateError, mapNodeTLSError } from './error-mapping.js';
import { transportFor, type TLSTransport } from './transport.js';
import { checkMaxDepth, crlForOpenSSL, depthFailure } from './verification.js';
import { contextIdentities } from './identities.js';
import { SentChainRecorder } from './sent-chain.js';
import { PeerChain, trustAnchors } from './peer-chain.js';
import { ContentCache } from '../../src/content-cache.js';
import { checkTicketOptions, isNodeSession, nodeTicketKey, SocketSessions } from './sessions.js';

/** The key-log labels (NSS key log format, with the separating space) the client's verification waits for. */
const CLIENT_HANDSHAKE_SECRET_LABEL = Buffer.from('CLIENT_HANDSHAKE_TRAFFIC_SECRET ', 'latin1');
const CLIENT_RANDOM_LABEL = Buffer.from('CLIENT_RANDOM ', 'latin1');

/** True when `line` begins with `prefix`. */
function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length > prefix.length && line.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** OpenSSL group names to the names this library reports. */
const groupNames: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A TLSService backed by node:tls (OpenSSL). */
export class NodeTLSService implements TLSService, SessionSource {
  readonly backend = 'node-tls';
  private readonly sessions = new SocketSessions();
  private socket: tls.TLSSocket | undefined;
  private transport: TLSTransport | undefined;
  private reader: StreamReader | undefined;
  private writeShutdown: Promise<void> | undefined;
  private parameters: NegotiatedParameters | undefined;
  private closing: Promise<void> | undefined;
  /** The server's certificate (the leaf alone) as read for our verification, reused for `negotiated`. */
  private verifiedCertificate: tls.PeerCertificate | undefined;
  /** The configured trust anchors, for a chain first read after close (see PeerChain). */
  private trustAnchors: () => readonly X509Certificate[] = () => [];
  /** Set when we aborted the handshake ourselves; negotiate rejects with it. */
  private abortError: Error | undefined;

  async negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    this.claim();
    const transport = this.adopt(via);
    const servername = options.servername;
    const nameIsAddress = servername !== undefined && net.isIP(servername) !== 0;
    const verifyName = servername ?? 'localhost';
    const rejectUnauthorized = options.rejectUnauthorized ?? true;
    const secureContext = createContext(options);
    this.trustAnchors = () => trustAnchors(secureContext, options.ca);
    const socket = tls.connect({
      socket: transport.stream,
      allowHalfOpen: true,
      secureContext,
      host: verifyName,
      servername: servername !== undefined && !nameIsAddress ? servername : undefined,
      // We verify ourselves (see abortIfUntrusted): node:tls would only close the socket,
      // and would check the host name a second time.
      rejectUnauthorized: false,
      ...(rejectUnauthorized ? { checkServerIdentity: skipIdentityCheck } : {}),
      ALPNProtocols: options.ALPNProtocols ? [...options.ALPNProtocols] : undefined,
      ...(isNodeSession(options.session) ? { session: Buffer.from(options.session) } : {}),
    } as tls.ConnectionOptions);
    this.socket = socket;
    this.answerLeafUntilSettled(socket);
    this.lingerAfterErrors(socket, transport);
    this.sessions.watch(socket);
    const sentChain = SentChainRecorder.over(transport, socket, 'server');
    const secrets = new Map<string, Uint8Array>();
    let decided = !rejectUnauthorized;
    const verify = (): void => {
      if (!decided) decided = this.abortIfUntrusted(socket, transport, verifyName, secrets, options.maxDepth, options.checkServerIdentity);
    };
    if (options.keylog || rejectUnauthorized) {
      const keylog = options.keylog;
      socket.on('keylog', (line: Buffer) => {
        if (keylog) keylog(line.toString('latin1').trimEnd());
        if (decided) return;
        // OpenSSL logs our write secret as it starts our flight, before the flight leaves
        // (TLS 1.2: the master secret, building the ClientKeyExchange; TLS 1.3: the client
        // handshake secret, after the server's Finished and before ours). Only that line is
        // decoded; the others are passed over by their first bytes.
        if (startsWith(line, CLIENT_HANDSHAKE_SECRET_LABEL)) {
          const entry = parseKeylogLine(line.toString('latin1'));
          if (entry) secrets.set(entry.label, entry.secret);
          verify();
        } else if (startsWith(line, CLIENT_RANDOM_LABEL)) {
          verify();
        }
      });
    }
    socket.prependListener('secureConnect', verify);
    await this.awaitHandshake(socket, 'secureConnect');
    secrets.clear();
    if (this.abortError) throw this.abortError;
    this.settle(socket, servername, true, sentChain, rejectUnauthorized);
  }

  async negotiateAsServer(via: RawConnection, options: ServerConfiguration = {}): Promise<void> {
    this.claim();
    if (options.cert === undefined || options.key === undefined) {
      via.destroy?.();
      throw new ConfigurationError('node-tls: a server needs cert and key');
    }
    let secureContext: tls.SecureContext;
    try {
      checkTicketOptions(options);
      secureContext = createContext(options, nodeTicketKey(options));
      const context = secureContext;
      this.trustAnchors = () => trustAnchors(context, options.ca);
    } catch (error) {
      via.destroy?.();
      throw error;
    }
    const requestCert = options.requestCert ?? false;
    const rejectUnauthorized = options.rejectUnauthorized ?? true;
    const transport = this.adopt(via);
    const socket = new tls.TLSSocket(transport.stream, {
      isServer: true,
      secureContext,
      requestCert,
      rejectUnauthorized: requestCert && rejectUnauthorized,
      ...(options.ALPNCallback
        ? { ALPNCallback: (offer: { servername: string; protocols: string[] }) => options.ALPNCallback!({ servername: offer.servername || undefined, protocols: offer.protocols }) }
        : { ALPNProtocols: options.ALPNProtocols ? [...options.ALPNProtocols] : undefined }),
    } as tls.TLSSocketOptions);
    this.socket = socket;
    this.lingerAfterErrors(socket, transport);
    // A client sends a chain only when asked for one.
    const sentChain = requestCert ? SentChainRecorder.over(transport, socket, 'client') : undefined;
    if (options.keylog) socket.on('keylog', (line: Buffer) => options.keylog!(line.toString('latin1').trimEnd()));
    await this.awaitHandshake(socket, 'secure');
    if (requestCert && rejectUnauthorized) {
      const failure = (socket as unknown as { _handle?: { verifyError(): Error | null } })._handle?.verifyError();
      const error = failure ? certificateError(failure) : depthFailure(socket, options.maxDepth);
      if (error) {
        socket.destroy();
        throw error;
      }
    }
    this.settle(socket, undefined, false, sentChain, requestCert && rejectUnauthorized, requestCert);
  }

  /** Keying material (RFC 5705; RFC 8446 section 7.5), as `tls.TLSSocket.exportKeyingMaterial`. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const socket = this.open('exportKeyingMaterial');
    const exportMaterial = socket.exportKeyingMaterial as (length: number, label: string, context?: Buffer) => Buffer;
    const material = exportMaterial.call(socket, length, label, context ? Buffer.from(context) : undefined);
    return new Uint8Array(material.buffer, material.byteOffset, material.byteLength);
  }

  get negotiated(): NegotiatedParameters {
    if (!this.parameters) throw new ConnectionClosedError('node-tls: not negotiated yet');
    return this.parameters;
  }

  /** The newest session node:tls announced (client), for the `session` option. */
  getSession(): Uint8Array | undefined {
    return this.sessions.getSession();
  }

  /** True when the handshake resumed a session. */
  isSessionReused(): boolean {
    return this.parameters?.resumed ?? false;
  }

  /** Calls `listener` with each session node:tls announces (client). */
  onSession(listener: (session: Uint8Array) => void): () => void {
    return this.sessions.onSession(listener);
  }

  sendBytes(data: Uint8Array): Promise<void>;
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  sendBytes(data: ByteSource): Promise<void> {
    let socket: tls.TLSSocket;
    try {
      socket = this.open('sendBytes');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.writeShutdown) return Promise.reject(new ConnectionClosedError('node-tls: sendBytes after shutdownWrite'));
    if (socket.destroyed || socket.writableEnded) {
      return Promise.reject(this.reader?.error ?? new ConnectionClosedError('node-tls: the connection is closed'));
    }
    return writeVectored(socket, asIovec(data), this.mapWriteError);
  }

  receiveBytes(count: number): Promise<Uint8Array> {
    try {
      this.open('receiveBytes');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.reader!.receiveBytes(count);
  }

  /** A failed write reports the error reading saw first (it says why), else node:tls's, typed. */
  private readonly mapWriteError = (error: unknown): Error => this.reader?.error ?? mapNodeTLSError(error);

  /** Write-only shutdown: close_notify, then the raw FIN; receiving goes on until the peer's close_notify. */
  shutdownWrite(): Promise<void> {
    if (!this.writeShutdown) {
      let socket: tls.TLSSocket;
      try {
        socket = this.open('shutdownWrite');
      } catch (error) {
        return Promise.reject(error);
      }
      this.writeShutdown = endWrite(socket);
    }
    return this.writeShutdown;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  willDeinitConnection(): void {
    this.closing ??= Promise.resolve();
    this.reader?.release();
    this.socket?.destroy();
  }

  /**
   * Until `negotiated` is settled, the client TLSSocket answers `getPeerCertificate(true)`
   * with the leaf alone: node:tls reads it at 'secureConnect' only for its host-name check
   * (ours is abortIfUntrusted; with `rejectUnauthorized: false` nothing reads the answer),
   * and the linked chain costs a trust-store lookup (see PeerChain).
   */
  private answerLeafUntilSettled(socket: tls.TLSSocket): void {
    const read = socket.getPeerCertificate.bind(socket);
    socket.getPeerCertificate = ((full?: boolean) =>
      full === true && this.parameters === undefined && !socket.destroyed ? (this.verifiedCertificate ?? read(false)) : read(full)) as typeof socket.getPeerCertificate;
  }

  /** A service negotiates once. */
  private claim(): void {
    if (this.socket) throw new ConnectionClosedError('node-tls: a service negotiates once');
  }

  /** The transport node:tls runs over: the TCP socket itself, or a Duplex over `via`. */
  private adopt(via: RawConnection): TLSTransport {
    this.transport = transportFor(via);
    return this.transport;
  }

  /**
   * After a fatal error OpenSSL has written its alert: the raw connection then lingers
   * rather than reset (node:tls destroys a failed handshake itself, with the error set;
   * after the handshake it only emits 'error', so we destroy then).
   */
  private lingerAfterErrors(socket: tls.TLSSocket, transport: TLSTransport): void {
    let failed = false;
    transport.attach(socket, () => failed || socket.errored !== null);
    socket.prependListener('error', () => {
      failed = true;
      if (this.reader) setImmediate(() => socket.destroy());
    });
  }

  private open(operation: string): tls.TLSSocket {
    if (this.closing) throw new ConnectionClosedError(`node-tls: ${operation} after close`);
    if (!this.socket || !this.reader) throw new ConnectionClosedError(`node-tls: ${operation} before negotiation`);
    return this.socket;
  }

  /** Resolves on `event`; rejects with a typed error when the handshake fails or the connection ends first. */
  private awaitHandshake(socket: tls.TLSSocket, event: 'secure' | 'secureConnect'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        socket.off(event, onSecure);
        socket.off('error', onError);
        socket.off('close', onClose);
        socket.off('end', onClose);
        socket.on('error', () => undefined); // late errors must not crash the process
      };
      const onSecure = (): void => {
        cleanup();
        resolve();
      };
      const onError = (error: unknown): void => {
        cleanup();
        socket.destroy();
        reject(this.abortError ?? mapNodeTLSError(error));
      };
      // A peer that closes mid-handshake leaves a half-open server TLSSocket waiting forever.
      const onClose = (): void => {
        cleanup();
        socket.destroy();
        reject(this.abortError ?? new ConnectionClosedError('node-tls: the peer closed the connection during the handshake'));
      };
      socket.once(event, onSecure);
      socket.on('error', onError);
      socket.once('close', onClose);
      socket.once('end', onClose);
    });
  }

  /**
   * Verifies the server's certificate as soon as it is in: at the first key-log line
   * after it (OpenSSL is building our next flight and has not sent it) or at
   * 'secureConnect' (node:tls reports the handshake before flushing our Finished). On
   * failure a fatal alert goes out ahead of that flight and the connection is closed, so
   * the server learns why. Returns false while there is no certificate to decide on yet.
   */
  private abortIfUntrusted(
    socket: tls.TLSSocket,
    transport: TLSTransport,
    verifyName: string,
    secrets: ReadonlyMap<string, Uint8Array>,
    maxDepth: number | undefined,
    checkIdentity?: ClientConfiguration['checkServerIdentity'],
  ): boolean {
    const handle = (socket as unknown as { _handle?: { verifyError(): (Error & { code?: string }) | null } })._handle;
    // The leaf alone: OpenSSL has verified the chain, and the host name needs only the leaf.
    // The linked chain (getPeerCertificate(true)) costs a trust-store lookup per call, about
    // as much CPU as a fifth of the whole connection; it is built when `negotiated` asks for it.
    const certificate = handle ? socket.getPeerCertificate(false) : undefined;
    if (!handle || !certificate?.raw) return false;
    this.verifiedCertificate = certificate;
    const failure = handle.verifyError() ?? checkedIdentity(verifyName, certificate, checkIdentity);
    const tooDeep = failure ? undefined : depthFailure(socket, maxDepth);
    if (!failure && !tooDeep) return true;
    const error = tooDeep ?? certificateError(failure as Error & { code?: string });
    const alert = alertForCertificateReason(error.reason);
    let record: Uint8Array | undefined;
    if (socket.getProtocol() === 'TLSv1.3') {
      const secret = secrets.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      const suite = socket.getCipher()?.standardName;
      record = secret && suite ? protectedAlertRecord(alert, suite, secret) : undefined;
    } else {
      record = plaintextAlertRecord(alert);
    }
    this.abortError = error;
    transport.abortWith(record ?? new Uint8Array(0));
    setImmediate(() => socket.destroy(error));
    return true;
  }

  /**
   * Records what was agreed; `verified` when the handshake enforced verification of the
   * peer's chain (so OpenSSL's built chain is the verified path); `peerAsked` when the peer
   * was asked for a certificate (always for a client; a server's requestCert).
   */
  private settle(
    socket: tls.TLSSocket,
    servername: string | undefined,
    isClient: boolean,
    sentChain: SentChainRecorder | undefined,
    verified: boolean,
    peerAsked = isClient,
  ): void {
    // A transport end before OpenSSL saw close_notify is a truncation (RFC 8446 section 6.1).
    const transport = this.transport!;
    transport.watchEnd();
    this.reader = new StreamReader(socket, {
      mapError: mapNodeTLSError,
      endError: () => transport.endError(),
    });
    // OpenSSL's linked chain: none from a client that was not asked for one; else read when
    // first asked for (see PeerChain), from the leaf our verification read or read now.
    const sent = sentChain?.finish();
    const chain = peerAsked ? new PeerChain(socket, this.verifiedCertificate ?? socket.getPeerCertificate(false), this.trustAnchors, sent) : undefined;
    const linkedChain = (): Uint8Array[] => chain?.linked() ?? [];
    const keyInfo = isClient ? socket.getEphemeralKeyInfo() : undefined;
    const groupName = keyInfo && 'name' in keyInfo && typeof keyInfo.name === 'string' ? keyInfo.name : undefined;
    const sni = isClient ? servername : (socket as unknown as { servername?: unknown }).servername;
    const resumed = socket.isSessionReused();
    const parameters: NegotiatedParameters = {
      backend: this.backend,
      protocol: socket.getProtocol() ?? 'unknown',
      cipherSuite: socket.getCipher()?.standardName,
      group: groupName === undefined ? undefined : (groupNames[groupName] ?? groupName),
      alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
      servername: typeof sni === 'string' && sni !== '' ? sni : undefined,
      // The chain as sent, read from the handshake bytes (Duplex path); else OpenSSL's linked chain (native path, resumption).
      get peerCertificates(): Uint8Array[] {
        return sent ?? linkedChain();
      },
      resumed,
    };
    if (verified && !resumed) {
      Object.defineProperty(parameters, 'verifiedChain', { get: linkedChain, enumerable: true });
    }
    this.parameters = parameters;
  }

  private async shutdown(): Promise<void> {
    const socket = this.socket;
    this.reader?.release();
    if (!socket) return;
    await (this.writeShutdown ?? endWrite(socket));
    socket.destroy();
  }
}

/** TLSSocket.end() (close_notify, then the transport's FIN); resolves once flushed or when the socket is gone. */
function endWrite(socket: tls.TLSSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed || socket.writableFinished) {
      resolve();
      return;
    }
    const done = (): void => {
      socket.off('finish', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('finish', done);
    socket.once('close', done);
    socket.end();
  });
}

/** node:tls's own host-name check, turned off where abortIfUntrusted has made it already. */
function skipIdentityCheck(): undefined {
  return undefined;
}

/** The host-name check: the configured `checkServerIdentity` (given the leaf's DER) or node:tls's own. */
function checkedIdentity(
  hostname: string,
  certificate: tls.PeerCertificate,
  custom: ClientConfiguration['checkServerIdentity'],
): Error | undefined {
  if (!custom) return tls.checkServerIdentity(hostname, certificate);
  const rejection = custom(hostname, new Uint8Array(certificate.raw));
  return rejection ? Object.assign(new Error(rejection.message, { cause: rejection }), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }) : undefined;
}

/** SecureContexts by configuration content: building one costs milliseconds, so connections share it. */
const contexts = new ContentCache<tls.SecureContext>();

/** The (shared) SecureContext for our configuration and ticket key; bad input becomes ConfigurationError. */
function createContext(options: CommonConfiguration & { sessionTimeout?: number }, ticketKey?: Uint8Array): tls.SecureContext {
  const { ca, cert, key, crl, minVersion, maxVersion, groups, ciphers, sessionTimeout, signatureAlgorithms } = options;
  const cipherSuites = nameList(options.cipherSuites);
  checkMaxDepth(options.maxDepth);
  const extra = ((options as ServerConfiguration).additionalIdentities ?? []).flatMap((pair) => [certificateList(pair.cert), pair.key]);
  const parts = [certificateList(ca), certificateList(cert), key, extra, certificateList(crl), minVersion, maxVersion, cipherSuites, groups, ciphers, sessionTimeout, ticketKey, signatureAlgorithms];
  const recent = recentContexts.find((entry) => sameParts(entry.parts, parts));
  if (recent) return recent.context;
  const context = contexts.get(parts, () => {
    const built = buildContext(options);
    if (ticketKey) (built as unknown as { context: { setTicketKeys(keys: Buffer): void } }).context.setTicketKeys(Buffer.from(ticketKey));
    return built;
  });
  recentContexts.unshift({ parts, context });
  recentContexts.length = Math.min(recentContexts.length, RECENT_CONTEXTS);
  return context;
}

/**
 * How many SecureContexts are also found by the identity of their configuration's
 * values: connections made from one configuration pass the same strings, and comparing
 * those is far cheaper than building the content key (buffers always take the content key).
 */
const RECENT_CONTEXTS = 8;
const recentContexts: { parts: readonly unknown[]; context: tls.SecureContext }[] = [];

/** True when `a` and `b` hold the same values (=== and no buffers), arrays compared element by element. */
function sameParts(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y && !(x instanceof Uint8Array)) continue; // a buffer may have been rewritten in place
    if (!Array.isArray(x) || !Array.isArray(y) || !sameParts(x, y)) return false;
  }
  return true;
}

function buildContext(options: CommonConfiguration & { sessionTimeout?: number }): tls.SecureContext {
  const ca = certificateList(options.ca).map(toNodeInput);
  const { cert, key } = contextIdentities(options);
  try {
    return tls.createSecureContext({
      ca: ca.length > 0 ? ca : undefined,
      cert,
      key,
      crl: crlForOpenSSL(options.crl),
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers ?? (options.cipherSuites ? cipherString(nameList(options.cipherSuites)!) : undefined),
      ecdhCurve: options.groups?.join(':'),
      sigalgs: options.signatureAlgorithms?.join(':'),
      sessionTimeout: (options as { sessionTimeout?: number }).sessionTimeout,
    } as tls.SecureContextOptions);
  } catch (error) {
    throw new ConfigurationError(`node-tls: invalid configuration: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * node:tls takes TLS 1.3 suites in `ciphers` (names starting with TLS_); keep its
 * TLS 1.2 defaults beside them so configuring 1.3 suites does not disable TLS 1.2.
 */
function cipherString(suites: readonly string[]): string {
  const tls12 = tls.DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_'));
  return [...suites, ...tls12].join(':');
}

function toNodeInput(input: string | Uint8Array): string | Buffer {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}
