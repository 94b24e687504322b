/**
 * `openClientSocket`: the one way every client plug-in here (the http.Agent, the
 * http2 connector, the undici connector) opens a connection: TCP connect, negotiate with
 * a fresh TLSService from the container, and hand back the socket-shaped Duplex.
 */
import type { Container } from 'inversify';
import type { ClientConfiguration } from '../configuration.js';
import { Connection } from '../connection.js';
import { serviceFrom } from '../di/container.js';
import { connectTCP } from '../raw/tcp.js';
import { endpointsOf, socketView, type SocketView } from './socket-view.js';
import { servernameFor } from './tls-options.js';
import type { SessionCache } from './session-cache.js';
import { authorizationOf } from '../node-api/authorization.js';

/** Where to connect and what to ask for. */
export interface ClientTarget {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** SNI and verification name; defaults to `host` unless it is an IP address. */
  readonly servername?: string | undefined;
}

/**
 * Connects, negotiates as a client and returns the Duplex dressed as a TLS socket. With
 * a `sessions` cache it offers a cached session for this origin (each used once) and
 * keeps the tickets the new connection receives.
 */
export async function openClientSocket(
  target: ClientTarget,
  container: Container,
  configuration: ClientConfiguration,
  sessions?: SessionCache,
): Promise<SocketView> {
  const host = target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host;
  const servername = target.servername || configuration.servername || servernameFor(host);
  const key = { host, port: target.port, servername, ALPNProtocols: configuration.ALPNProtocols };
  const session = configuration.session ?? sessions?.take(key);
  const raw = await connectTCP({ host, port: target.port });
  try {
    const connection = await Connection.toServer(raw, {
      service: serviceFrom(container),
      ...configuration,
      ...(servername ? { servername } : {}),
      ...(session ? { session } : {}),
    });
    const source = connection.sessions;
    if (sessions) source.onSession((s) => sessions.put(key, s));
    return socketView(connection.toStream(), connection.negotiated, endpointsOf(raw), {
      isServer: false,
      authorization: authorizationOf({
        peerCertificates: connection.negotiated.peerCertificates,
        enforced: configuration.rejectUnauthorized !== false,
        ca: configuration.ca,
        purpose: 'serverAuth',
        hostname: servername,
      }),
      exportKeyingMaterial: connection.tlsService.exportKeyingMaterial?.bind(connection.tlsService),
      sessions: source,
    });
  } catch (error) {
    raw.destroy();
    throw error;
  }
}
