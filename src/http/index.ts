/**
 * The HTTP plug-in: HTTPS and HTTP/2 for Node frameworks over whichever backend the
 * container binds. Server: `createServer`. Clients: `TLSServiceAgent` (node:http/https),
 * `connectHTTP2` (node:http2), `undiciConnector` (undici / fetch).
 */
export { createServer, TLSServiceServer, type TLSServiceServerOptions } from './server.js';
export { TLSServiceAgent, type TLSServiceAgentOptions } from './agent.js';
export { connectHTTP2, type HTTP2ConnectOptions } from './http2-client.js';
export { undiciConnector, type UndiciConnectorOptions, type UndiciConnector, type UndiciConnectTarget } from './undici-connector.js';
export { openClientSocket, type ClientTarget } from './client-socket.js';
export { socketView, endpointsOf, type SocketView, type SocketProperties, type SocketTLSDetails, type ConnectionEndpoints } from './socket-view.js';
export type { ContainerOption } from './tls-options.js';
export { isEarlyDataRequest, IDEMPOTENT_METHODS } from './early-data.js';
export { SessionCache, DEFAULT_MAX_CACHED_SESSIONS, MAX_SESSIONS_PER_ORIGIN, type SessionKey } from './session-cache.js';
