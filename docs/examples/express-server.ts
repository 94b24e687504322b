/**
 * Express on tlsservice: the app is plain express; only the server under it is ours, and
 * `backend` picks the TLS backend (default noble). After `npm run build`:
 *   TLS_BACKEND=node-tls PORT=8443 node dist/docs/examples/express-server.js
 * TLS_CERT / TLS_KEY name PEM files (default: the test localhost certificate).
 */
import express from 'express';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type BackendName } from 'tlsservice';

const fixtures = new URL('../../../test/fixtures/certs/', import.meta.url);
const cert = readFileSync(process.env['TLS_CERT'] ?? new URL('localhost-ecdsa.pem', fixtures), 'utf8');
const key = readFileSync(process.env['TLS_KEY'] ?? new URL('localhost-ecdsa.key.pem', fixtures), 'utf8');

const app = express();
app.get('/', (request, response) => {
  response.json({ framework: 'express', secure: request.secure, httpVersion: request.httpVersion });
});

// The only tlsservice line: our createServer for https's, with node:https's options.
const server = createServer({ backend: (process.env['TLS_BACKEND'] ?? 'noble') as BackendName, cert, key }, app);

server.listen(Number(process.env['PORT'] ?? 8443), '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`express listening on ${address}:${port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
