/**
 * `Connection`: a RawConnection plus the TLSService that negotiated over it. Built by
 * the async factories `toServer` (we are the client) and `fromClient` (we are the
 * server), which enforce the handshake timeout; offers a Node Duplex view for streams.
 * Closing follows RFC 8446 section 6.1: `shutdownWrite()` ends our direction only,
 * `close()` ends both.
 */
import { Duplex } from 'node:stream';
import { DEFAULT_HANDSHAKE_TIMEOUT, type ClientConfiguration, type ServerConfiguration } from './configuration.js';
import { CertificateVerificationError, ConnectionClosedError, HandshakeTimeoutError, TLSAlertError, TruncationError } from './errors.js';
import type { ByteSource, RawConnection } from './raw-connection.js';
import { hasSessions, type NegotiatedParameters, type SessionSource, type TLSService } from './tls-service.js';

/** Client-side configuration of a Connection: the service to use plus its options. */
export type ClientConnectionConfiguration = { service: TLSService } & ClientConfiguration;

/** Server-side configuration of a Connection: the service to use plus its options. */
export type ServerConnectionConfiguration = { service: TLSService } & ServerConfiguration;

/** `Symbol.asyncDispose` (Node >= 20.4 has it), typed as the well-known symbol so `await using` compiles. */
export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose;

/** Bytes each Duplex-view read asks for. */
const STREAM_READ_SIZE = 64 * 1024;

/**
 * How the peer's direction of a Duplex view ended: `close_notify` (clean),
 * `truncation` (the transport ended without close_notify: the data may be cut short),
 * or `end_of_stream` (a backend without close_notify, i.e. plaintext, where the
 * transport's end is the only end there is).
 */
export type StreamEnd = 'close_notify' | 'truncation' | 'end_of_stream';

/**
 * The Duplex view of a Connection. `end()` is the write-only shutdown (close_notify;
 * reading goes on). The readable side ends as node:tls's does, also on a truncation, and
 * `endedBy` says how; a truncation also emits 'truncated' (with the TruncationError) before 'end'.
 */
export interface ConnectionStream extends Duplex {
  /** How the peer's direction ended; undefined while it is open. */
  readonly endedBy: StreamEnd | undefined;
}

/** A negotiated connection: send, receive and close through its TLSService. */
export class Connection {
  private closing: Promise<void> | undefined;
  private writeShutdown: Promise<void> | undefined;
  private stream: ConnectionDuplex | undefined;

  private constructor(
    /** The OS-level connection underneath (owned by the service). */
    readonly rawConnection: RawConnection,
    /** The TLS backend of this connection. */
    readonly tlsService: TLSService,
  ) {}

  /** Negotiates as the client over `raw`; rejects with a typed error (HandshakeTimeoutError after `handshakeTimeout`). */
  static async toServer(raw: RawConnection, configuration: ClientConnectionConfiguration): Promise<Connection> {
    const { service, ...options } = configuration;
    await negotiate(raw, service, options.handshakeTimeout, () => service.negotiateAsClient(raw, options));
    return new Connection(raw, service);
  }

  /** Negotiates as the server over `raw`; rejects with a typed error (HandshakeTimeoutError after `handshakeTimeout`). */
  static async fromClient(raw: RawConnection, configuration: ServerConnectionConfiguration): Promise<Connection> {
    const { service, ...options } = configuration;
    await negotiate(raw, service, options.handshakeTimeout, () => service.negotiateAsServer(raw, options));
    return new Connection(raw, service);
  }

  /** True once close() was called (or the Duplex view was destroyed). */
  get hasClosed(): boolean {
    return this.closing !== undefined;
  }

  /** What the two ends agreed on. */
  get negotiated(): NegotiatedParameters {
    return this.tlsService.negotiated;
  }

  /** Session resumption of this connection (node:tls's getSession / 'session' / isSessionReused); a backend without it has none. */
  get sessions(): SessionSource {
    const service = this.tlsService;
    if (hasSessions(service)) return service;
    return { getSession: () => undefined, isSessionReused: () => service.negotiated.resumed, onSession: () => () => undefined };
  }

  /** Sends one buffer. */
  sendBytes(data: Uint8Array): Promise<void>;
  /** Sends an iovec as one vectored send. */
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  sendBytes(data: ByteSource): Promise<void> {
    // Not async: the service's promise is handed on as it is (no extra promise per write).
    if (this.closing) return Promise.reject(new ConnectionClosedError('sendBytes after close'));
    if (this.writeShutdown) return Promise.reject(new ConnectionClosedError('sendBytes after shutdownWrite'));
    try {
      return this.tlsService.sendBytes(data);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** At most `count` bytes; empty after the peer's close_notify; TruncationError when the transport ended without it. */
  receiveBytes(count: number): Promise<Uint8Array> {
    if (this.closing) return Promise.reject(new ConnectionClosedError('receiveBytes after close'));
    try {
      return this.tlsService.receiveBytes(count);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Write-only shutdown (RFC 8446 section 6.1): sends close_notify and ends our side of
   * the transport; receiveBytes goes on until the peer's close_notify. Idempotent.
   */
  shutdownWrite(): Promise<void> {
    if (this.closing) return this.closing;
    this.writeShutdown ??= this.tlsService.shutdownWrite();
    return this.writeShutdown;
  }

  /** Closes both directions gracefully (close_notify unless sent, then the raw connection); idempotent. */
  close(): Promise<void> {
    this.closing ??= this.tlsService.close();
    return this.closing;
  }

  /** Closes the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A Node Duplex over this connection (always the same one). Ending it is the
   * write-only shutdown; once both directions have ended it closes the connection;
   * destroying it earlier tears the connection down.
   */
  toStream(): ConnectionStream {
    this.stream ??= new ConnectionDuplex(this);
    return this.stream;
  }

  /** Tears down without a goodbye (used by the Duplex view's destroy). */
  abandon(): void {
    if (this.closing) return;
    this.closing = Promise.resolve();
    this.tlsService.willDeinitConnection();
  }
}

/** The Duplex view: reads pull receiveBytes, writes are sendBytes, `_writev` is ONE sendBytes(iovec), `_final` is shutdownWrite. */
class ConnectionDuplex extends Duplex implements ConnectionStream {
  endedBy: StreamEnd | undefined;

  constructor(private readonly connection: Connection) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    this.connection.receiveBytes(STREAM_READ_SIZE).then(
      (bytes) => {
        if (this.destroyed) return;
        if (bytes.length > 0) {
          this.push(bytes);
          return;
        }
        this.endedBy = this.connection.negotiated.protocol === 'none' ? 'end_of_stream' : 'close_notify';
        this.push(null);
      },
      (error: unknown) => {
        if (this.destroyed) return;
        if (error instanceof TruncationError || (error instanceof ConnectionClosedError && !this.connection.hasClosed)) {
          // Ends as node:tls's stream does when the peer's transport ends without close_notify
          // (a backend that only sees its socket close reports ConnectionClosedError);
          // `endedBy` and 'truncated' tell it apart from close_notify.
          this.endedBy = 'truncation';
          this.emit('truncated', error);
          this.push(null);
        } else if (this.connection.hasClosed && error instanceof ConnectionClosedError) {
          this.push(null);
        } else {
          this.destroy(asError(error));
        }
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.connection.sendBytes(chunk).then(() => callback(), (error: unknown) => callback(asError(error)));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.connection.sendBytes(chunks.map((c) => c.chunk)).then(
      () => callback(),
      (error: unknown) => callback(asError(error)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.connection.shutdownWrite().then(() => callback(), (error: unknown) => callback(asError(error)));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Once our close_notify is out (both directions done, or destroySoon), close
    // gracefully; tearing down a connection with a direction still open is abandon().
    if (error === null && this.writableFinished) void this.connection.close().catch(() => undefined);
    else this.connection.abandon();
    callback(error);
  }
}

/** Runs `run` with a timeout that destroys the raw connection and rejects with HandshakeTimeoutError. */
async function negotiate(
  raw: RawConnection,
  service: TLSService,
  timeout: number | undefined,
  run: () => Promise<void>,
): Promise<void> {
  const limit = timeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  let timer: NodeJS.Timeout | undefined;
  try {
    // One promise settled by the handshake or the timer, whichever comes first (no race of two).
    await new Promise<void>((resolve, reject) => {
      const handshake = run();
      timer = setTimeout(() => {
        handshake.catch(() => undefined);
        service.willDeinitConnection();
        if (raw.destroy) raw.destroy();
        else raw.close().catch(() => undefined);
        reject(new HandshakeTimeoutError(`handshake did not finish within ${limit} ms`));
      }, limit);
      handshake.then(resolve, reject);
    });
  } catch (error) {
    if (!(error instanceof HandshakeTimeoutError)) service.willDeinitConnection();
    // A failed handshake never leaves its connection open. A protocol failure is the
    // service's to end (it may linger after its alert, RFC 8446 section 6.2); anything else
    // (a bad configuration, thrown before the service took the connection) ends it here.
    if (!isProtocolFailure(error)) {
      if (raw.destroy) raw.destroy();
      else raw.close().catch(() => undefined);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Errors a TLS exchange produces, after which the service owns the connection's end. */
function isProtocolFailure(error: unknown): boolean {
  return error instanceof TLSAlertError || error instanceof CertificateVerificationError || error instanceof ConnectionClosedError;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
