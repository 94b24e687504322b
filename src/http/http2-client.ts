/**
 * `connectHTTP2`: an `http2.connect` session over the container's TLSService. http2
 * wants its `createConnection` to return a socket synchronously, so this negotiates
 * first (offering ALPN `h2`) and then hands the ready Duplex to http2.
 */
import { guardWritesDuringShutdown } from './http2-stream-guard.js';
import http2 from 'node:http2';
import type { ClientConfiguration } from '../configuration.js';
import { openClientSocket } from './client-socket.js';
import { clientConfigurationFrom, type ContainerOption } from './tls-options.js';

/** Options of connectHTTP2: http2 session options, TLS client options, and the container. */
export interface HTTP2ConnectOptions extends http2.SessionOptions, ClientConfiguration, ContainerOption {}

/** Negotiates a connection to `authority` (`https://host:port`) and opens an HTTP/2 session on it. */
export async function connectHTTP2(authority: string | URL, options: HTTP2ConnectOptions): Promise<http2.ClientHttp2Session> {
  const url = typeof authority === 'string' ? new URL(authority) : authority;
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  const configuration = { ALPNProtocols: ['h2'], ...clientConfigurationFrom(options.container, options) };
  const socket = await openClientSocket({ host: url.hostname, port }, options.container, configuration);
  const { container: _container, ...sessionOptions } = options;
  const session = http2.connect(url, { ...sessionOptions, createConnection: () => socket });
  guardWritesDuringShutdown(session);
  return session;
}
