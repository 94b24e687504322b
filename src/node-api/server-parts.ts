/**
 * What the two node-style servers (`createServer` for HTTPS, `createTLSServer` for raw
 * TLS) share: whether a container already carries the identity, the per-connection
 * keylog hook behind their 'keylog' event, and the TLS details of an accepted socket.
 */
import type { EventEmitter } from 'node:events';
import type { Container } from 'inversify';
import type { ServerConfiguration } from '../configuration.js';
import type { Connection } from '../connection.js';
import { TOKENS } from '../di/tokens.js';
import type { RawConnection } from '../raw-connection.js';
import { endpointsOf, type SocketTLSDetails } from '../http/socket-view.js';
import { authorizationOf } from './authorization.js';

/** True when the container binds a ServerConfiguration with a certificate (so options need not carry one). */
export function containerHasIdentity(container: Container): boolean {
  if (!container.isBound(TOKENS.ServerConfiguration)) return false;
  return container.get<ServerConfiguration>(TOKENS.ServerConfiguration).cert !== undefined;
}

/** The keylog hook of one connection: the configured one, and `server`'s 'keylog' event (a Buffer line, the peer) while it has listeners. */
export function keylogHook(server: EventEmitter, configuration: ServerConfiguration, via: RawConnection): Partial<ServerConfiguration> {
  const configured = configuration.keylog;
  if (server.listenerCount('keylog') === 0) return {};
  const endpoints = endpointsOf(via);
  const peer = { remoteAddress: endpoints.remoteAddress, remotePort: endpoints.remotePort };
  return {
    keylog: (line) => {
      configured?.(line);
      server.emit('keylog', Buffer.from(`${line}\n`, 'latin1'), peer);
    },
  };
}

/** The configured trust anchors as a list. */
export function caList(ca: ServerConfiguration['ca']): (string | Uint8Array)[] | undefined {
  if (ca === undefined) return undefined;
  return typeof ca === 'string' || ca instanceof Uint8Array ? [ca] : [...ca];
}

/** The TLS details of an accepted connection: `authorized` when a requested client certificate verified. */
export function acceptedSocketDetails(connection: Connection, configuration: ServerConfiguration): SocketTLSDetails {
  return {
    isServer: true,
    authorization:
      configuration.requestCert === true
        ? authorizationOf({
            peerCertificates: connection.negotiated.peerCertificates,
            enforced: configuration.rejectUnauthorized !== false,
            ca: configuration.ca,
            purpose: 'clientAuth',
          })
        : { authorized: false, authorizationError: null },
    exportKeyingMaterial: connection.tlsService.exportKeyingMaterial?.bind(connection.tlsService),
    ca: caList(configuration.ca),
  };
}
