/**
 * `undiciConnector`: a connector for undici (`new Agent({ connect: undiciConnector(...) })`)
 * so `fetch` runs over the container's TLSService. The URL's scheme does not pick the
 * backend: the container does. undici is an optional peer: nothing here imports it, the
 * connector's type is spelled out structurally.
 */
import type { Socket } from 'node:net';
import type { ClientConfiguration } from '../configuration.js';
import { openClientSocket } from './client-socket.js';
import { clientConfigurationFrom, containerFrom, type ContainerOption } from './tls-options.js';
import { DEFAULT_MAX_CACHED_SESSIONS, SessionCache } from './session-cache.js';

/** Options of undiciConnector: TLS client options and the backend (or container). */
export interface UndiciConnectorOptions extends ClientConfiguration, ContainerOption {
  /** Origins whose TLS sessions are kept for resumption (undici's `maxCachedSessions`); default 100, 0 disables. */
  readonly maxCachedSessions?: number;
}

/** What undici passes a connector: the origin to connect to. */
export interface UndiciConnectTarget {
  readonly hostname: string;
  readonly host?: string;
  readonly protocol: string;
  readonly port: string;
  readonly servername?: string | null;
}

/** undici's `buildConnector.connector` shape: connect, then call back with the socket or an error. */
export type UndiciConnector = (target: UndiciConnectTarget, callback: (...args: [null, Socket] | [Error, null]) => void) => void;

/** Builds an undici connector that connects through the container's TLSService. */
export function undiciConnector(options: UndiciConnectorOptions = {}): UndiciConnector {
  const container = containerFrom(options);
  const configuration = { ALPNProtocols: ['http/1.1'], ...clientConfigurationFrom(options) };
  const sessions = new SessionCache(options.maxCachedSessions ?? DEFAULT_MAX_CACHED_SESSIONS);
  return (target, callback) => {
    const port = Number(target.port || (target.protocol === 'http:' ? 80 : 443));
    openClientSocket({ host: target.hostname, port, servername: target.servername ?? undefined }, container, configuration, sessions).then(
      // A Duplex dressed as a socket (socketView): what undici reads of a net.Socket is there.
      (socket) => callback(null, socket as unknown as Socket),
      (error: Error) => callback(error, null),
    );
  };
}
