/**
 * `createTLSServer()`: `tls.createServer` on any backend: a raw TLS server (no HTTP)
 * emitting 'secureConnection' with a TLSSocket-shaped Duplex per negotiated connection,
 * 'tlsClientError' (error, socket) for failed handshakes, 'keylog', and taking node:tls's
 * option names, `setSecureContext` and `SNICallback`.
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type { Container } from 'inversify';
import type { ServerConfiguration } from '../configuration.js';
import type { Connection } from '../connection.js';
import { serviceFrom } from '../di/container.js';
import { Listener } from '../listener.js';
import type { RawConnection } from '../raw-connection.js';
import { endpointsOf, socketView, type SocketView } from '../http/socket-view.js';
import { backendOf, containerFrom, serverConfigurationFrom } from '../http/tls-options.js';
import { acceptedSocketDetails, containerHasIdentity, keylogHook } from './server-parts.js';
import { ServerContextService } from './context-service.js';
import type { NodeServerOptions, NodeTLSOptions } from './options.js';
import { failedHandshakeSocket } from './tls-socket.js';

/** A node:tls-style TLS server. Events: 'listening', 'secureConnection' (socket), 'tlsClientError' (error, socket), 'keylog', 'close', 'error'. */
export class TLSServer extends EventEmitter {
  private readonly container: Container;
  private readonly backendName: string;
  private configuration: ServerConfiguration;
  private listener: Listener | undefined;
  private closing = false;
  private readonly sockets = new Set<SocketView>();
  private readonly negotiating = new Map<string, RawConnection>();

  constructor(private readonly options: NodeServerOptions = {}) {
    super();
    this.container = containerFrom(options);
    this.backendName = backendOf(options);
    this.configuration = serverConfigurationFrom(options, !containerHasIdentity(this.container));
  }

  /** `listen(port[, host][, callback])` or `listen({ port, host }[, callback])`; no host means every interface. */
  listen(...args: unknown[]): this {
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    const [first, second] = args;
    const { port, host } =
      first !== null && typeof first === 'object'
        ? (first as { port?: number; host?: string })
        : { port: first as number | undefined, host: typeof second === 'string' ? second : undefined };
    if (callback) this.once('listening', callback);
    Listener.listen({
      host: host ?? null,
      port: Number(port ?? 0),
      createService: () =>
        new ServerContextService(serviceFrom(this.container), {
          backend: this.backendName,
          current: () => this.configuration,
          SNICallback: this.options.SNICallback,
          perConnection: (via) => keylogHook(this, this.configuration, via),
        }),
      configuration: this.configuration,
      wrapRaw: (raw) => {
        if (raw.remoteAddress !== undefined) this.negotiating.set(raw.remoteAddress, raw);
        return raw;
      },
      onConnection: (connection) => this.secureConnection(connection),
      onError: (error, remoteAddress) => {
        const raw = remoteAddress === undefined ? undefined : this.negotiating.get(remoteAddress);
        if (remoteAddress !== undefined) this.negotiating.delete(remoteAddress);
        this.emit('tlsClientError', error, failedHandshakeSocket(raw, error));
      },
    }).then(
      (listener) => {
        this.listener = listener;
        if (this.closing) void listener.close();
        else this.emit('listening');
      },
      (error: unknown) => this.emit('error', error),
    );
    return this;
  }

  /** The bound address, or null before 'listening'. */
  address(): net.AddressInfo | null {
    return this.listener?.address() ?? null;
  }

  /** As `tls.Server.setSecureContext`: the credentials new connections use; checked at once. */
  setSecureContext(options: NodeTLSOptions): void {
    const { container, backend, crypto } = this.options;
    const merged = {
      ...this.options, key: undefined, cert: undefined, pfx: undefined, passphrase: undefined, ca: undefined,
      ...options, container, backend, crypto,
    };
    this.configuration = serverConfigurationFrom(merged, !containerHasIdentity(this.container));
  }

  /** Stops accepting (handshakes in progress are aborted); 'close' follows once every connection has ended, as net.Server. */
  close(callback?: (error?: Error) => void): this {
    if (callback) this.once('close', () => callback());
    if (this.closing) return this;
    this.closing = true;
    void Promise.resolve(this.listener?.close()).then(() => this.closeWhenDrained());
    return this;
  }

  /** Calls back with the number of open connections. */
  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.sockets.size);
    return this;
  }

  private closeWhenDrained(): void {
    if (this.closing && this.sockets.size === 0) process.nextTick(() => this.emit('close'));
  }

  private secureConnection(connection: Connection): void {
    if (connection.rawConnection.remoteAddress !== undefined) this.negotiating.delete(connection.rawConnection.remoteAddress);
    const details = acceptedSocketDetails(connection, this.configuration);
    const socket = socketView(connection.toStream(), connection.negotiated, endpointsOf(connection.rawConnection), details);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.closeWhenDrained();
    });
    this.emit('secureConnection', socket);
  }
}

/** Like `tls.createServer(options, secureConnectionListener)`. Throws ConfigurationError at once for bad options. */
export function createTLSServer(options: NodeServerOptions = {}, secureConnectionListener?: (socket: SocketView) => void): TLSServer {
  const server = new TLSServer(options);
  if (secureConnectionListener) server.on('secureConnection', secureConnectionListener);
  return server;
}
