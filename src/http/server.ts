/**
 * `createServer`: a drop-in for `https.createServer` on any backend. Our Listener accepts
 * and negotiates; each Connection's Duplex goes to node:http (this class IS an
 * `http.Server`), or to an inner `http2` server when ALPN picked `h2`. Works as the
 * server under express (`createServer(options, app)`) and fastify (`serverFactory`).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { Container } from 'inversify';
import type { ServerConfiguration } from '../configuration.js';
import type { RawConnection } from '../raw-connection.js';
import type { Connection } from '../connection.js';
import { serviceFrom } from '../di/container.js';
import { Listener } from '../listener.js';
import { endpointsOf, socketView, type SocketView } from './socket-view.js';
import { guardWritesDuringShutdown } from './http2-stream-guard.js';
import { backendOf, containerFrom, serverConfigurationFrom } from './tls-options.js';
import type { NodeServerOptions, NodeTLSOptions } from '../node-api/options.js';
import { ServerContextService } from '../node-api/context-service.js';
import { acceptedSocketDetails, containerHasIdentity, keylogHook } from '../node-api/server-parts.js';
import { failedHandshakeSocket } from '../node-api/tls-socket.js';
import { screenEarlyRequest, trackEarlyData } from './early-data.js';

/** Options of createServer: node:https's options (node:tls names, node:http server options), the backend, and HTTP/2. */
export interface TLSServiceServerOptions extends NodeServerOptions, http.ServerOptions {
  /** Offer HTTP/2 by ALPN (`['h2', 'http/1.1']`), falling back to HTTP/1.1 on the same port. Default false. */
  readonly allowHTTP2?: boolean;
  /** Options for the inner HTTP/2 server (settings, maxSessionMemory, ...). */
  readonly http2?: http2.ServerOptions;
}

/** An http.Server whose connections are accepted by our Listener and negotiated by the container's TLSService. */
export class TLSServiceServer extends http.Server {
  /** The HTTP/2 server the `h2` connections go to (its requests are re-emitted here as 'request'). */
  readonly http2Server: http2.Http2Server;
  private readonly container: Container;
  private readonly backendName: string;
  private readonly nodeOptions: TLSServiceServerOptions;
  private readonly offeredProtocols: string[];
  private configuration: ServerConfiguration;
  private listener: Listener | undefined;
  /** Raw connections still negotiating, by peer address: 'tlsClientError' hands a failed one out as a socket. */
  private readonly negotiating = new Map<string, RawConnection>();
  /** idle → opening → listening → draining (close() called; waiting for connections) → idle. */
  private state: 'idle' | 'opening' | 'listening' | 'draining' = 'idle';
  private listenerClosed = true;
  private readonly sockets = new Set<SocketView>();
  /** Open HTTP/2 sessions, with the socket each runs on. */
  private readonly sessions = new Map<http2.ServerHttp2Session, SocketView | undefined>();
  /** The socket being handed to http2 right now (its 'session' event fires synchronously). */
  private arrivingHTTP2Socket: SocketView | undefined;

  constructor(options: TLSServiceServerOptions = {}, handler?: http.RequestListener) {
    super(options, handler);
    this.container = containerFrom(options);
    this.backendName = backendOf(options);
    this.nodeOptions = options;
    // net.Server's `listening` reads its own handle; ours is the Listener (true between 'listening' and close()).
    Object.defineProperty(this, 'listening', { get: () => this.state === 'listening', configurable: true });
    this.offeredProtocols = options.allowHTTP2 ? ['h2', 'http/1.1'] : ['http/1.1'];
    // Checked now, as https.createServer throws at once for bad credentials.
    this.configuration = {
      ALPNProtocols: this.offeredProtocols,
      ...serverConfigurationFrom(options, !containerHasIdentity(this.container)),
    };
    this.http2Server = http2.createServer(options.http2 ?? {});
    this.http2Server.on('request', (request, response) => this.emit('request', request, response));
    this.http2Server.on('session', (session) => {
      guardWritesDuringShutdown(session);
      if (this.arrivingHTTP2Socket) describeSessionSocket(session, this.arrivingHTTP2Socket);
      this.sessions.set(session, this.arrivingHTTP2Socket);
      session.once('close', () => this.sessions.delete(session));
      if (this.state === 'draining') closeSession(session, this.arrivingHTTP2Socket);
      this.emit('session', session);
    });
    this.http2Server.on('sessionError', (error, session) => this.emit('sessionError', error, session));
    // After close() starts, every response announces `Connection: close` and ends its connection.
    this.prependListener('request', (_request: unknown, response: { shouldKeepAlive?: boolean }) => {
      if (this.state === 'draining' && 'shouldKeepAlive' in response) response.shouldKeepAlive = false;
    });
  }

  /** Starts accepting: `listen(port, host?, callback?)` or `listen({ port, host }, callback?)`. */
  override listen(...args: unknown[]): this {
    const { port, host, callback } = listenArguments(args);
    if (callback) this.once('listening', callback);
    if (this.state !== 'idle') {
      const error = Object.assign(new Error('Listen method has been called more than once without closing.'), {
        code: 'ERR_SERVER_ALREADY_LISTEN',
      });
      process.nextTick(() => this.emit('error', error));
      return this;
    }
    this.state = 'opening';
    this.listenerClosed = false;
    Listener.listen({
      // As net.Server: no host means every interface.
      host: host ?? null,
      port,
      createService: () =>
        new ServerContextService(serviceFrom(this.container), {
          backend: this.backendName,
          current: () => this.configuration,
          SNICallback: this.nodeOptions.SNICallback,
          perConnection: (via) => keylogHook(this, this.configuration, via),
        }),
      configuration: this.configuration,
      wrapRaw: (raw) => {
        if (raw.remoteAddress !== undefined) this.negotiating.set(raw.remoteAddress, raw);
        return raw;
      },
      onConnection: (connection) => {
        this.forget(connection.rawConnection.remoteAddress);
        this.serveConnection(connection);
      },
      onError: (error, remoteAddress) => {
        const raw = remoteAddress === undefined ? undefined : this.negotiating.get(remoteAddress);
        this.forget(remoteAddress);
        this.emit('tlsClientError', error, failedHandshakeSocket(raw, error));
      },
    }).then(
      (listener) => {
        this.listener = listener;
        if (this.state === 'draining') {
          this.closeListener();
          return;
        }
        this.state = 'listening';
        this.emit('listening');
      },
      (error: unknown) => {
        this.listenerClosed = true;
        if (this.state === 'draining') this.emitCloseWhenDrained();
        else this.state = 'idle';
        this.emit('error', error);
      },
    );
    return this;
  }

  /**
   * Replaces the credentials (key, cert, pfx, passphrase, ca, ciphers, ...) new connections
   * negotiate with, as `tls.Server.setSecureContext`; connections already open keep theirs.
   * Checked at once (ConfigurationError).
   */
  setSecureContext(options: NodeTLSOptions): void {
    const { container, backend, crypto } = this.nodeOptions;
    const merged = {
      ...this.nodeOptions, key: undefined, cert: undefined, pfx: undefined, passphrase: undefined, ca: undefined,
      ...options, container, backend, crypto,
    };
    this.configuration = { ALPNProtocols: this.offeredProtocols, ...serverConfigurationFrom(merged, !containerHasIdentity(this.container)) };
  }

  private forget(remoteAddress: string | undefined): void {
    if (remoteAddress !== undefined) this.negotiating.delete(remoteAddress);
  }

  /** Hands a negotiated Connection to HTTP/1.1 or HTTP/2 (by its ALPN protocol); for servers that accept by other means. */
  serveConnection(connection: Connection): SocketView {
    const details = acceptedSocketDetails(connection, this.configuration);
    const socket = socketView(connection.toStream(), connection.negotiated, endpointsOf(connection.rawConnection), details);
    if (connection.negotiated.earlyData === 'accepted') trackEarlyData(socket, connection.tlsService);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.emitCloseWhenDrained();
    });
    this.emit('secureConnection', socket);
    if (socket.alpnProtocol === 'h2') {
      this.arrivingHTTP2Socket = socket;
      try {
        this.http2Server.emit('connection', socket);
      } finally {
        this.arrivingHTTP2Socket = undefined;
      }
    } else {
      this.emit('connection', socket);
      if (this.state === 'draining') endWhenIdle(socket);
    }
    return socket;
  }

  /** RFC 8470: a request from 0-RTT data with a method that is not idempotent is answered 425 here and never reaches 'request' listeners. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && screenEarlyRequest(args[0] as http.IncomingMessage, args[1] as http.ServerResponse)) return true;
    return super.emit(event as string, ...args);
  }

  /** `{ address, family, port }` the Listener is bound to, or null when not listening. */
  override address(): net.AddressInfo | null {
    return this.listener?.address() ?? null;
  }

  /** Stops accepting, lets in-flight requests finish, ends every connection cleanly, then emits 'close'. */
  override close(callback?: (error?: Error) => void): this {
    if (this.state === 'idle') {
      const error = Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
      if (callback) this.once('close', () => callback(error));
      process.nextTick(() => this.emit('close'));
      return this;
    }
    if (callback) this.once('close', () => callback());
    if (this.state === 'draining') return this;
    const wasOpening = this.state === 'opening';
    this.state = 'draining';
    stopConnectionsChecking(this);
    for (const socket of this.sockets) if (socket.alpnProtocol !== 'h2') endWhenIdle(socket);
    // Node 20's http2 server does not close its sessions on close(); GOAWAY lets their streams finish.
    for (const [session, socket] of this.sessions) closeSession(session, socket);
    if (!wasOpening) this.closeListener();
    return this;
  }

  /** Ends (gracefully, with close_notify) HTTP/1.1 connections that have no request in flight. */
  override closeIdleConnections(): void {
    for (const socket of this.sockets) {
      if (socket.alpnProtocol !== 'h2' && !inFlight(socket)) socket.destroySoon();
    }
  }

  /** Destroys every connection at once, HTTP/1.1 and HTTP/2. */
  override closeAllConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Keeps the event loop alive for the open connections (the listening socket always is). */
  override ref(): this {
    for (const socket of this.sockets) socket.ref();
    return this;
  }

  /** Lets the process exit while only this server's connections are open (the Listener has no unref yet). */
  override unref(): this {
    for (const socket of this.sockets) socket.unref();
    return this;
  }

  /** Counts the open connections. */
  override getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.sockets.size);
    return this;
  }

  private closeListener(): void {
    const listener = this.listener;
    this.listener = undefined;
    void Promise.resolve(listener?.close()).finally(() => {
      this.listenerClosed = true;
      this.emitCloseWhenDrained();
    });
  }

  /** Emits 'close' (and returns to idle) once close() was called, the Listener is closed and no connection is left. */
  private emitCloseWhenDrained(): void {
    if (this.state !== 'draining' || !this.listenerClosed || this.sockets.size > 0) return;
    this.state = 'idle';
    process.nextTick(() => this.emit('close'));
  }
}

/** Creates a TLSServiceServer, like `https.createServer(options, handler)`. */
export function createServer(options?: TLSServiceServerOptions, handler?: http.RequestListener): TLSServiceServer;
export function createServer(handler?: http.RequestListener): TLSServiceServer;
export function createServer(
  options?: TLSServiceServerOptions | http.RequestListener,
  handler?: http.RequestListener,
): TLSServiceServer {
  if (typeof options === 'function') return new TLSServiceServer({}, options);
  return new TLSServiceServer(options ?? {}, handler);
}

/** The response a HTTP/1.1 socket is writing, if any (node:http's own field). */
function inFlight(socket: SocketView): http.ServerResponse | undefined {
  return (socket as unknown as { _httpMessage?: http.ServerResponse | null })._httpMessage ?? undefined;
}

/** Ends an HTTP/1.1 connection as soon as its current response (and any pipelined after it) is done. */
function endWhenIdle(socket: SocketView): void {
  const response = inFlight(socket);
  if (!response) {
    socket.destroySoon();
    return;
  }
  if (!response.headersSent) response.shouldKeepAlive = false;
  response.once('finish', () => setImmediate(() => endWhenIdle(socket)));
}

/**
 * http2 wraps a non-net Duplex in its own socket object, which knows nothing of TLS or
 * addresses; copies them over (through the session's socket proxy) so that
 * `request.socket.encrypted`, `alpnProtocol` and `remoteAddress` read as on node:https.
 */
/**
 * Sends GOAWAY and closes a session, unless its socket is already ending: http2 runs on
 * our Duplex through Node's JSStreamSocket, which asserts (crashing the process, on
 * Node 20) if a frame is written while its shutdown of the stream is still in flight.
 */
function closeSession(session: http2.ServerHttp2Session, socket: SocketView | undefined): void {
  if (session.closed || session.destroyed) return;
  if (socket && (socket.readableEnded || socket.writableEnded || socket.destroyed)) {
    session.destroy();
    return;
  }
  session.close();
}

function describeSessionSocket(session: http2.ServerHttp2Session, from: SocketView): void {
  const socket = session.socket as unknown as Record<string, unknown>;
  socket['encrypted'] = from.encrypted;
  socket['alpnProtocol'] = from.alpnProtocol;
  socket['servername'] = from.servername;
  socket['negotiated'] = from.negotiated;
  socket['_peername'] = { address: from.remoteAddress, port: from.remotePort, family: from.remoteFamily };
  if (from.localAddress !== undefined) socket['_sockname'] = from.address();
}

/** Clears node:http's request-timeout interval (started on 'listening'), which net.Server's close would clear. */
function stopConnectionsChecking(server: http.Server): void {
  for (const symbol of Object.getOwnPropertySymbols(server)) {
    if (symbol.description === 'http.server.connectionsCheckingInterval') {
      clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[symbol]);
    }
  }
}

/** Parses net.Server-style listen arguments. */
function listenArguments(args: unknown[]): { port: number; host: string | undefined; callback: (() => void) | undefined } {
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  const [first, second] = args;
  if (first !== null && typeof first === 'object') {
    const { port, host } = first as { port?: number | string; host?: string };
    return { port: Number(port ?? 0), host, callback };
  }
  return { port: Number(first ?? 0), host: typeof second === 'string' ? second : undefined, callback };
}
