/**
 * tlsservice/tls: the node:tls functions on our backends, so `import tls from
 * 'tlsservice/tls'` in place of `import tls from 'node:tls'` is the migration: `connect`,
 * `createServer` (raw TLS), `createSecureContext`, plus node:tls's own constants and
 * `checkServerIdentity`, `rootCertificates`, `getCiphers`.
 */
import * as nodeTLS from 'node:tls';
import { connect } from './connect.js';
import { createSecureContext, SecureContext } from './secure-context.js';
import { createTLSServer, TLSServer } from './tls-server.js';
import { TLSSocket } from './tls-socket.js';

export { connect, type ConnectOptions } from './connect.js';
export { createSecureContext, SecureContext } from './secure-context.js';
export { createTLSServer as createServer, TLSServer as Server } from './tls-server.js';
export { TLSSocket } from './tls-socket.js';
export type { NodeClientOptions, NodeServerOptions, NodeTLSOptions, BackendChoice } from './options.js';

/** node:tls's host-name check (the default `checkServerIdentity`). */
export const checkServerIdentity = nodeTLS.checkServerIdentity;
/** Node's bundled root certificates (the default trust anchors). */
export const rootCertificates = nodeTLS.rootCertificates;
/** The cipher names OpenSSL knows (node-tls backend). */
export const getCiphers = nodeTLS.getCiphers;
/** node:tls's default lowest version. */
export const DEFAULT_MIN_VERSION = nodeTLS.DEFAULT_MIN_VERSION;
/** node:tls's default highest version. */
export const DEFAULT_MAX_VERSION = nodeTLS.DEFAULT_MAX_VERSION;
/** node:tls's default curve setting. */
export const DEFAULT_ECDH_CURVE = nodeTLS.DEFAULT_ECDH_CURVE;

/** The module object, for `import tls from 'tlsservice/tls'`. */
const tls = {
  connect, createServer: createTLSServer, createSecureContext, SecureContext, Server: TLSServer, TLSSocket,
  checkServerIdentity, rootCertificates, getCiphers, DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION, DEFAULT_ECDH_CURVE,
};
export default tls;
