/**
 * `NodeTLSService`: OpenSSL through node:tls over ANY RawConnection. The raw connection
 * is adapted to a Duplex (RawConnectionDuplex) and wrapped in a TLSSocket; errors come
 * out typed, and a client that rejects the server's certificate tells the server why
 * with a fatal alert in place of its Finished (see abort-alert.ts). Closing follows
 * RFC 8446 section 6.1: `shutdownWrite` is TLSSocket.end() over a half-open transport;
 * a transport end that reaches OpenSSL before a close_notify did is a TruncationError;
 * after a fatal alert the raw connection lingers (see raw-duplex.ts).
 */
import net from 'node:net';
import tls from 'node:tls';
import { certificateList, nameList, type ClientConfiguration, type CommonConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import { ConfigurationError, ConnectionClosedError, TruncationError, alertForCertificateReason } from '../../src/errors.js';
import { asIovec, type ByteSource, type RawConnection } from '../../src/raw-connection.js';
import { StreamReader } from '../../src/raw/stream-reader.js';
import { writeVectored } from '../../src/raw/stream-writer.js';
import type { NegotiatedParameters, SessionSource, TLSService } from '../../src/tls-service.js';
import { parseKeylogLine, plaintextAlertRecord, protectedAlertRecord } from './abort-alert.js';
import { certificateError, mapNodeTLSError } from './error-mapping.js';
import { RawConnectionDuplex } from './raw-duplex.js';
import { checkMaxDepth, crlForOpenSSL, depthFailure } from './verification.js';
import { ContentCache } from '../../src/content-cache.js';
import { checkTicketOptions, isNodeSession, nodeTicketKey, SocketSessions } from './sessions.js';

/** OpenSSL group names to the names this library reports. */
const groupNames: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A TLSService backed by node:tls (OpenSSL). */
export class NodeTLSService implements TLSService, SessionSource {
  readonly backend = 'node-tls';
  private readonly sessions = new SocketSessions();
  private socket: tls.TLSSocket | undefined;
  private duplex: RawConnectionDuplex | undefined;
  private reader: StreamReader | undefined;
  private writeShutdown: Promise<void> | undefined;
  private parameters: NegotiatedParameters | undefined;
  private closing: Promise<void> | undefined;
  /** Set when we aborted the handshake ourselves; negotiate rejects with it. */
  private abortError: Error | undefined;

  async negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    this.claim();
    const duplex = this.adopt(via);
    const servername = options.servername;
    const nameIsAddress = servername !== undefined && net.isIP(servername) !== 0;
    const verifyName = servername ?? 'localhost';
    const rejectUnauthorized = options.rejectUnauthorized ?? true;
    const secureContext = createContext(options);
    const socket = tls.connect({
      socket: duplex,
      allowHalfOpen: true,
      secureContext,
      host: verifyName,
      servername: servername !== undefined && !nameIsAddress ? servername : undefined,
      // We verify ourselves (see abortIfUntrusted): node:tls would only close the socket.
      rejectUnauthorized: false,
      ALPNProtocols: options.ALPNProtocols ? [...options.ALPNProtocols] : undefined,
      ...(isNodeSession(options.session) ? { session: Buffer.from(options.session) } : {}),
    } as tls.ConnectionOptions);
    this.socket = socket;
    this.lingerAfterErrors(socket, duplex);
    this.sessions.watch(socket);
    const secrets = new Map<string, Uint8Array>();
    if (options.keylog || rejectUnauthorized) {
      socket.on('keylog', (line: Buffer) => {
        const text = line.toString('latin1').trimEnd();
        options.keylog?.(text);
        const entry = rejectUnauthorized ? parseKeylogLine(text) : undefined;
        if (entry?.label === 'CLIENT_HANDSHAKE_TRAFFIC_SECRET') secrets.set(entry.label, entry.secret);
      });
    }
    let decided = !rejectUnauthorized;
    const verify = (): void => {
      if (!decided) decided = this.abortIfUntrusted(socket, duplex, verifyName, secrets, options.maxDepth, options.checkServerIdentity);
    };
    duplex.beforeWrite = verify;
    socket.prependListener('secureConnect', verify);
    await this.awaitHandshake(socket, 'secureConnect');
    duplex.beforeWrite = undefined;
    secrets.clear();
    if (this.abortError) throw this.abortError;
    this.settle(socket, servername, true);
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
    } catch (error) {
      via.destroy?.();
      throw error;
    }
    const requestCert = options.requestCert ?? false;
    const rejectUnauthorized = options.rejectUnauthorized ?? true;
    const duplex = this.adopt(via);
    const socket = new tls.TLSSocket(duplex, {
      isServer: true,
      secureContext,
      requestCert,
      rejectUnauthorized: requestCert && rejectUnauthorized,
      ALPNProtocols: options.ALPNProtocols ? [...options.ALPNProtocols] : undefined,
    });
    this.socket = socket;
    this.lingerAfterErrors(socket, duplex);
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
    this.settle(socket, undefined, false);
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
  async sendBytes(data: ByteSource): Promise<void> {
    const socket = this.open('sendBytes');
    if (this.writeShutdown) throw new ConnectionClosedError('node-tls: sendBytes after shutdownWrite');
    if (socket.destroyed || socket.writableEnded) {
      throw this.reader?.error ?? new ConnectionClosedError('node-tls: the connection is closed');
    }
    await writeVectored(socket, asIovec(data), (error) => this.reader?.error ?? mapNodeTLSError(error));
  }

  async receiveBytes(count: number): Promise<Uint8Array> {
    this.open('receiveBytes');
    return this.reader!.receiveBytes(count);
  }

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

  /** A service negotiates once. */
  private claim(): void {
    if (this.socket) throw new ConnectionClosedError('node-tls: a service negotiates once');
  }

  /** The Duplex node:tls runs over. */
  private adopt(via: RawConnection): RawConnectionDuplex {
    this.duplex = new RawConnectionDuplex(via);
    return this.duplex;
  }

  /**
   * After a fatal error OpenSSL has written its alert: the raw connection then lingers
   * rather than reset (node:tls destroys a failed handshake itself, with the error set;
   * after the handshake it only emits 'error', so we destroy then).
   */
  private lingerAfterErrors(socket: tls.TLSSocket, duplex: RawConnectionDuplex): void {
    let failed = false;
    duplex.lingerOnDestroy = () => failed || socket.errored !== null;
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
   * Verifies the server's certificate as soon as it is in: on the client's first write
   * after it (TLS 1.2: the flight with our Finished) or at 'secureConnect' (TLS 1.3,
   * where node:tls reports the handshake before flushing our Finished). On failure the
   * Finished is replaced by a fatal alert and the connection is closed, so the server
   * learns why. Returns false while there is no certificate to decide on yet.
   */
  private abortIfUntrusted(
    socket: tls.TLSSocket,
    duplex: RawConnectionDuplex,
    verifyName: string,
    secrets: ReadonlyMap<string, Uint8Array>,
    maxDepth: number | undefined,
    checkIdentity?: ClientConfiguration['checkServerIdentity'],
  ): boolean {
    const handle = (socket as unknown as { _handle?: { verifyError(): (Error & { code?: string }) | null } })._handle;
    const certificate = handle ? socket.getPeerCertificate(true) : undefined;
    if (!handle || !certificate?.raw) return false;
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
    duplex.abortWith(record ?? new Uint8Array(0));
    setImmediate(() => socket.destroy(error));
    return true;
  }

  private settle(socket: tls.TLSSocket, servername: string | undefined, isClient: boolean): void {
    // The transport's end reaches OpenSSL only after every byte before it. If OpenSSL had
    // not ended the stream by then, no close_notify came: a truncation (RFC 8446 section 6.1).
    let truncated = false;
    this.duplex!.prependListener('end', () => {
      truncated = !(socket as unknown as { _readableState: { ended: boolean } })._readableState.ended;
    });
    this.reader = new StreamReader(socket, {
      mapError: mapNodeTLSError,
      endError: () => (truncated ? new TruncationError('node-tls: the peer ended the connection without close_notify') : undefined),
    });
    const keyInfo = isClient ? socket.getEphemeralKeyInfo() : undefined;
    const groupName = keyInfo && 'name' in keyInfo && typeof keyInfo.name === 'string' ? keyInfo.name : undefined;
    const sni = isClient ? servername : (socket as unknown as { servername?: unknown }).servername;
    this.parameters = {
      backend: this.backend,
      protocol: socket.getProtocol() ?? 'unknown',
      cipherSuite: socket.getCipher()?.standardName,
      group: groupName === undefined ? undefined : (groupNames[groupName] ?? groupName),
      alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
      servername: typeof sni === 'string' && sni !== '' ? sni : undefined,
      peerCertificates: peerChain(socket),
      resumed: socket.isSessionReused(),
    };
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

/** The peer's chain as DER, leaf first, following issuers until a self-issued one. */
function peerChain(socket: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let certificate: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (certificate?.raw && chain.length < 16) {
    chain.push(new Uint8Array(certificate.raw));
    const issuer: tls.DetailedPeerCertificate | undefined = certificate.issuerCertificate;
    if (!issuer || issuer === certificate || issuer.raw?.equals(certificate.raw)) break;
    certificate = issuer;
  }
  return chain;
}

/** SecureContexts by configuration content: building one costs milliseconds, so connections share it. */
const contexts = new ContentCache<tls.SecureContext>();

/** The (shared) SecureContext for our configuration and ticket key; bad input becomes ConfigurationError. */
function createContext(options: CommonConfiguration & { sessionTimeout?: number }, ticketKey?: Uint8Array): tls.SecureContext {
  const { ca, cert, key, crl, minVersion, maxVersion, groups, ciphers, sessionTimeout } = options;
  const cipherSuites = nameList(options.cipherSuites);
  checkMaxDepth(options.maxDepth);
  const parts = [certificateList(ca), certificateList(cert), key, certificateList(crl), minVersion, maxVersion, cipherSuites, groups, ciphers, sessionTimeout, ticketKey];
  return contexts.get(parts, () => {
    const context = buildContext(options);
    if (ticketKey) (context as unknown as { context: { setTicketKeys(keys: Buffer): void } }).context.setTicketKeys(Buffer.from(ticketKey));
    return context;
  });
}

function buildContext(options: CommonConfiguration & { sessionTimeout?: number }): tls.SecureContext {
  const ca = certificateList(options.ca).map(toNodeInput);
  const cert = certificateList(options.cert).map(toNodeInput);
  try {
    return tls.createSecureContext({
      ca: ca.length > 0 ? ca : undefined,
      cert: cert.length > 0 ? cert : undefined,
      key: options.key === undefined ? undefined : toNodeInput(options.key),
      crl: crlForOpenSSL(options.crl),
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers ?? (options.cipherSuites ? cipherString(nameList(options.cipherSuites)!) : undefined),
      ecdhCurve: options.groups?.join(':'),
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
