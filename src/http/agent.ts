/**
 * `TLSServiceAgent`: an `http.Agent` whose connections run over the container's
 * TLSService, so `https.request`, `https.get` and `http.request` work through any
 * backend; keep-alive pooling is Node's own.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientConfiguration } from '../configuration.js';
import { openClientSocket } from './client-socket.js';
import type { Container } from 'inversify';
import { clientConfigurationFrom, containerFrom, type ContainerOption } from './tls-options.js';
import { DEFAULT_MAX_CACHED_SESSIONS, SessionCache } from './session-cache.js';
import type { NodeClientOptions } from '../node-api/options.js';

/** Options of a TLSServiceAgent: http.Agent options, node:tls client options, and the backend (or container). */
export interface TLSServiceAgentOptions extends http.AgentOptions, NodeClientOptions, ContainerOption {
  /** The URL scheme this agent serves (default `https:`; `http:` for a plaintext backend behind `http.request`). */
  readonly protocol?: 'https:' | 'http:';
  /** Origins whose TLS sessions are kept for resumption (node's `https.Agent` option); default 100, 0 disables. */
  readonly maxCachedSessions?: number;
}

/** An http.Agent that connects through the container's TLSService (keep-alive on by default). */
export class TLSServiceAgent extends http.Agent {
  /** The URL scheme `http.ClientRequest` checks requests against. */
  readonly protocol: string;
  /** The port used when a URL names none. */
  readonly defaultPort: number;
  private readonly container: Container;
  private readonly configuration: ClientConfiguration;
  /** The TLS sessions kept to resume later connections, per origin. */
  readonly sessions: SessionCache;

  constructor(options: TLSServiceAgentOptions = {}) {
    super({ keepAlive: true, ...options });
    this.container = containerFrom(options);
    this.protocol = options.protocol ?? 'https:';
    this.defaultPort = this.protocol === 'https:' ? 443 : 80;
    this.configuration = { ALPNProtocols: ['http/1.1'], ...clientConfigurationFrom(options) };
    this.sessions = new SessionCache(options.maxCachedSessions ?? DEFAULT_MAX_CACHED_SESSIONS);
  }

  /** Opens and negotiates a connection, then calls back with its Duplex (Node's asynchronous form). */
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port ?? this.defaultPort);
    const servername = (options as { servername?: string }).servername;
    openClientSocket({ host, port, servername }, this.container, this.configuration, this.sessions).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
