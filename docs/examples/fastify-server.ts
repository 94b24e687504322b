/**
 * Fastify on tlsservice through `serverFactory`: fastify routes as usual, our server
 * accepts and negotiates (HTTP/2 by ALPN with HTTP/1.1 fallback). After `npm run build`:
 *   TLS_BACKEND=node-tls PORT=8443 node dist/docs/examples/fastify-server.js
 * TLS_CERT / TLS_KEY name PEM files (default: the test localhost certificate).
 */
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { createServer, type BackendName } from 'tlsservice';

const fixtures = new URL('../../../test/fixtures/certs/', import.meta.url);
const cert = readFileSync(process.env['TLS_CERT'] ?? new URL('localhost-ecdsa.pem', fixtures), 'utf8');
const key = readFileSync(process.env['TLS_KEY'] ?? new URL('localhost-ecdsa.key.pem', fixtures), 'utf8');
const backend = (process.env['TLS_BACKEND'] ?? 'noble') as BackendName;

const fastify = Fastify({
  serverFactory: (handler) => createServer({ backend, cert, key, allowHTTP2: true }, handler),
});
fastify.get('/', async (request) => ({
  framework: 'fastify',
  secure: request.protocol === 'https',
  httpVersion: request.raw.httpVersion,
}));

const address = await fastify.listen({ port: Number(process.env['PORT'] ?? 8443), host: '127.0.0.1' });
console.log(`fastify listening on ${address.replace(/^\w+:\/\//, '')}`);
process.once('SIGTERM', () => void fastify.close().then(() => process.exit(0)));
