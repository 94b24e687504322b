/**
 * `Connection`: a RawConnection plus the TLSService that negotiated over it. Built by
 * the async factories `toServer` (we are the client) and `fromClient` (we are the
 * server), which enforce the handshake timeout; offers a Node Duplex view for streams.
 */
import { Duplex } from 'node:stream';
import { DEFAULT_HANDSHAKE_TIMEOUT, type ClientConfiguration, type ServerConfiguration } from './configuration.js';
import { ConnectionClosedError, HandshakeTimeoutError } from './errors.js';
import type { ByteSource, RawConnection } from './raw-connection.js';
import type { NegotiatedParameters, TLSService } from './tls-service.js';

/** Client-side configuration of a Connection: the service to use plus its options. */
export type ClientConnectionConfiguration = { service: TLSService } & ClientConfiguration;

/** Server-side configuration of a Connection: the service to use plus its options. */
export type ServerConnectionConfiguration = { service: TLSService } & ServerConfiguration;

/** `Symbol.asyncDispose` (Node >= 20.4 has it), typed as the well-known symbol so `await using` compiles. */
export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose;

/** Bytes each Duplex-view read asks for. */
const STREAM_READ_SIZE = 64 * 1024;

/** A negotiated connection: send, receive and close through its TLSService. */
export class Connection {
  private closing: Promise<void> | undefined;
  private stream: Duplex | undefined;

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

  /** Sends one buffer. */
  sendBytes(data: Uint8Array): Promise<void>;
  /** Sends an iovec as one vectored send. */
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  async sendBytes(data: ByteSource): Promise<void> {
    if (this.closing) throw new ConnectionClosedError('sendBytes after close');
    await this.tlsService.sendBytes(data);
  }

  /** At most `count` bytes; empty when the peer closed cleanly. */
  async receiveBytes(count: number): Promise<Uint8Array> {
    if (this.closing) throw new ConnectionClosedError('receiveBytes after close');
    return this.tlsService.receiveBytes(count);
  }

  /** Closes gracefully (close_notify, then the raw connection); idempotent. */
  close(): Promise<void> {
    this.closing ??= this.tlsService.close();
    return this.closing;
  }

  /** Closes the connection (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A Node Duplex over this connection (always the same one). Ending it closes the
   * whole connection with close_notify; destroying it tears the connection down.
   */
  toStream(): Duplex {
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

/** The Duplex view: reads pull receiveBytes, writes are sendBytes, `_writev` is ONE sendBytes(iovec). */
class ConnectionDuplex extends Duplex {
  constructor(private readonly connection: Connection) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    this.connection.receiveBytes(STREAM_READ_SIZE).then(
      (bytes) => {
        if (!this.destroyed) this.push(bytes.length === 0 ? null : bytes);
      },
      (error: unknown) => {
        if (this.connection.hasClosed && error instanceof ConnectionClosedError) this.push(null);
        else this.destroy(asError(error));
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
    this.connection.close().then(() => callback(), (error: unknown) => callback(asError(error)));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.connection.abandon();
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
  const handshake = run();
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      handshake.catch(() => undefined);
      service.willDeinitConnection();
      if (raw.destroy) raw.destroy();
      else raw.close().catch(() => undefined);
      reject(new HandshakeTimeoutError(`handshake did not finish within ${limit} ms`));
    }, limit);
  });
  try {
    await Promise.race([handshake, expiry]);
  } catch (error) {
    if (!(error instanceof HandshakeTimeoutError)) service.willDeinitConnection();
    // A failed handshake never leaves its connection open, even when the service never took it (bad configuration).
    if (raw.destroy) raw.destroy();
    else raw.close().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
