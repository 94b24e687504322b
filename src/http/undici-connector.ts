/**
 * `undiciConnector`: a connector for undici (`new Agent({ connect: undiciConnector(...) })`)
 * so `fetch` runs over the container's TLSService. The URL's scheme does not pick the
 * backend: the container does.
 */
import type { buildConnector } from 'undici';
import type { ClientConfiguration } from '../configuration.js';
import { openClientSocket } from './client-socket.js';
import { clientConfigurationFrom, type ContainerOption } from './tls-options.js';
import { DEFAULT_MAX_CACHED_SESSIONS, SessionCache } from './session-cache.js';

/** Options of undiciConnector: TLS client options and the container. */
export interface UndiciConnectorOptions extends ClientConfiguration, ContainerOption {
  /** Origins whose TLS sessions are kept for resumption (undici's `maxCachedSessions`); default 100, 0 disables. */
  readonly maxCachedSessions?: number;
}

/** Builds an undici connector that connects through the container's TLSService. */
export function undiciConnector(options: UndiciConnectorOptions): buildConnector.connector {
  const configuration = { ALPNProtocols: ['http/1.1'], ...clientConfigurationFrom(options.container, options) };
  const sessions = new SessionCache(options.maxCachedSessions ?? DEFAULT_MAX_CACHED_SESSIONS);
  return (target, callback) => {
    const port = Number(target.port || (target.protocol === 'http:' ? 80 : 443));
    openClientSocket({ host: target.hostname, port, servername: target.servername }, options.container, configuration, sessions).then(
      (socket) => callback(null, socket as unknown as Parameters<buildConnector.Callback>[1] & object),
      (error: Error) => callback(error, null),
    );
  };
}
