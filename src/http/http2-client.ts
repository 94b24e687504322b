/**
 * `connectHTTP2`: an `http2.connect` session over the container's TLSService. http2
 * wants its `createConnection` to return a socket synchronously, so this negotiates
 * first (offering ALPN `h2`) and then hands the ready Duplex to http2.
 */
import { guardWritesDuringShutdown } from './http2-stream-guard.js';
import * as http2 from 'node:http2';
import type { NodeClientOptions } from '../node-api/options.js';
import { openClientSocket } from './client-socket.js';
import { clientConfigurationFrom, containerFrom, type ContainerOption } from './tls-options.js';

/** Options of connectHTTP2: http2 session options, node:tls client options, and the backend (or container). */
export interface HTTP2ConnectOptions extends http2.SessionOptions, NodeClientOptions, ContainerOption {}

/** Negotiates a connection to `authority` (`https://host:port`) and opens an HTTP/2 session on it. */
export async function connectHTTP2(authority: string | URL, options: HTTP2ConnectOptions = {}): Promise<http2.ClientHttp2Session> {
  const url = typeof authority === 'string' ? new URL(authority) : authority;
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  const configuration = { ALPNProtocols: ['h2'], ...clientConfigurationFrom(options) };
  const socket = await openClientSocket({ host: url.hostname, port }, containerFrom(options), configuration);
  const { container: _container, backend: _backend, crypto: _crypto, ...sessionOptions } = options;
  const session = http2.connect(url, { ...sessionOptions, createConnection: () => socket });
  guardWritesDuringShutdown(session);
  return session;
}
