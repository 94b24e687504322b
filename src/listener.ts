/**
 * `Listener`: accepts TCP connections and yields negotiated `Connection`s, each with a
 * fresh TLSService. Use `for await (const connection of listener)`, `accept()`, or a
 * 'connection' listener; a failed handshake is reported and never stops the listener.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { ServerConfiguration } from './configuration.js';
import { Connection } from './connection.js';
import { ConnectionClosedError } from './errors.js';
import { TCPRawConnection } from './raw/tcp.js';
import type { RawConnection } from './raw-connection.js';
import type { TLSService } from './tls-service.js';

/** How to listen and what to run on each accepted connection. */
export interface ListenerOptions {
  /** Address to bind (default `127.0.0.1`; `null`: every interface, as net.Server without a host). */
  readonly host?: string | null;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Makes the TLSService for one connection (a fresh one every time). */
  readonly createService: () => TLSService;
  /** The server configuration every connection negotiates with. */
  readonly configuration: ServerConfiguration;
  /** Called with each negotiated connection instead of queueing it for accept(). */
  readonly onConnection?: (connection: Connection) => void;
  /** Called when an accepted connection fails its handshake. */
  readonly onError?: (error: Error, remoteAddress: string | undefined) => void;
  /** Wraps each accepted raw connection before negotiation (e.g. in a CountingRawConnection). */
  readonly wrapRaw?: (raw: RawConnection) => RawConnection;
  /** Negotiated connections kept for accept() before new ones are refused (default 128). */
  readonly maxQueued?: number;
}

interface PendingAccept {
  readonly resolve: (connection: Connection) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A TCP listener yielding negotiated Connections. Events: 'connection' (Connection),
 * 'handshakeError' (Error, remoteAddress).
 */
export class Listener extends EventEmitter implements AsyncIterable<Connection> {
  private readonly queued: Connection[] = [];
  private readonly accepting: PendingAccept[] = [];
  private readonly handshaking = new Set<TCPRawConnection>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: net.Server,
    private readonly options: ListenerOptions,
  ) {
    super();
    server.on('connection', (socket) => this.onSocket(socket));
  }

  /** Binds and starts accepting. */
  static listen(options: ListenerOptions): Promise<Listener> {
    return new Promise((resolve, reject) => {
      // Half-open: a client's FIN (after its close_notify) ends only its direction (RFC 8446 section 6.1).
      const server = net.createServer({ noDelay: true, allowHalfOpen: true });
      const listener = new Listener(server, options);
      server.once('error', reject);
      const host = options.host === null ? undefined : (options.host ?? '127.0.0.1');
      server.listen(options.port, host, () => {
        server.off('error', reject);
        server.on('error', (error) => listener.emit('listenerError', error));
        resolve(listener);
      });
    });
  }

  /** The bound address and port. */
  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  /** The next negotiated connection; rejects with ConnectionClosedError once the listener is closed. */
  accept(): Promise<Connection> {
    const ready = this.queued.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closing) return Promise.reject(new ConnectionClosedError('listener closed'));
    return new Promise((resolve, reject) => this.accepting.push({ resolve, reject }));
  }

  /** Yields negotiated connections until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof ConnectionClosedError && this.closing) return;
        throw error;
      }
    }
  }

  /** Stops accepting, aborts handshakes in progress and closes connections nobody accepted; idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const waiter of this.accepting.splice(0)) waiter.reject(new ConnectionClosedError('listener closed'));
      for (const raw of this.handshaking) raw.destroy();
      for (const connection of this.queued.splice(0)) void connection.close().catch(() => undefined);
      // net.Server's 'close' waits for every accepted socket, including the ones handed
      // out; the listening socket itself is gone once close() returns.
      this.server.close();
      setImmediate(resolve);
    });
    return this.closing;
  }

  private onSocket(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const raw = TCPRawConnection.fromSocket(socket);
    const remoteAddress = raw.remoteAddress; // read now: a destroyed socket no longer has one
    this.handshaking.add(raw);
    let service: TLSService;
    let wrapped: RawConnection;
    try {
      wrapped = this.options.wrapRaw ? this.options.wrapRaw(raw) : raw;
      service = this.options.createService();
    } catch (error) {
      this.handshaking.delete(raw);
      raw.destroy();
      this.reportError(error, remoteAddress);
      return;
    }
    Connection.fromClient(wrapped, { ...this.options.configuration, service }).then(
      (connection) => {
        this.handshaking.delete(raw);
        this.deliver(connection);
      },
      (error: unknown) => {
        // The service has already released the raw connection (after any alert it sent).
        this.handshaking.delete(raw);
        this.reportError(error, remoteAddress);
      },
    );
  }

  private deliver(connection: Connection): void {
    if (this.closing) {
      void connection.close().catch(() => undefined);
      return;
    }
    if (this.options.onConnection) {
      this.options.onConnection(connection);
      return;
    }
    if (this.listenerCount('connection') > 0) {
      this.emit('connection', connection);
      return;
    }
    const waiter = this.accepting.shift();
    if (waiter) {
      waiter.resolve(connection);
    } else if (this.queued.length < (this.options.maxQueued ?? 128)) {
      this.queued.push(connection);
    } else {
      void connection.close().catch(() => undefined);
      this.reportError(new ConnectionClosedError('listener queue full: connection refused'), connection.rawConnection.remoteAddress);
    }
  }

  private reportError(error: unknown, remoteAddress: string | undefined): void {
    const typed = error instanceof Error ? error : new Error(String(error));
    this.options.onError?.(typed, remoteAddress);
    this.emit('handshakeError', typed, remoteAddress);
  }
}
