/**
 * Configuration is checked when the server, context or connection is made, on every TLS
 * backend, as node:tls and node:https do: a file path where PEM belongs, a key that does
 * not match its certificate, an encrypted key without passphrase, bad types. And a
 * handshake that fails for any reason closes its TCP connection at once; `close()`
 * releases every socket, handshaking ones included.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../../src/errors.js';
import { createContainer, serviceFrom, type BackendName } from '../../src/di/container.js';
import { Listener } from '../../src/listener.js';
import { createServer } from '../../src/http/server.js';
import { connect, createSecureContext, createServer as createTLSServer } from '../../src/node-api/tls.js';
import { localhostECDSA, localhostRSA } from '../fixtures/certs.js';

const encryptedKey = readFileSync(new URL('../../../test/fixtures/node-api/localhost-ecdsa.encrypted.key.pem', import.meta.url), 'utf8');
const BACKENDS: readonly BackendName[] = ['noble', 'node-tls'];

const { key, cert } = localhostECDSA;
const cases: readonly { name: string; options: Record<string, unknown>; message: RegExp }[] = [
  { name: 'a file path in cert', options: { key, cert: '/etc/ssl/localhost.pem' }, message: /cert looks like a file path.*pass the file's contents/ },
  { name: 'a file path in key', options: { key: './localhost.key.pem', cert }, message: /key looks like a file path/ },
  { name: 'a key that does not match the certificate', options: { key: localhostRSA.key, cert }, message: /key does not match the certificate/ },
  { name: 'an encrypted key without passphrase', options: { key: encryptedKey, cert }, message: /key is encrypted: give its passphrase/ },
  { name: 'a wrong passphrase', options: { key: encryptedKey, passphrase: 'nope', cert }, message: /passphrase does not decrypt/ },
  { name: 'cert given as a number', options: { key, cert: 42 }, message: /cert must be a string or a Buffer/ },
  { name: 'ALPNProtocols as a string', options: { key, cert, ALPNProtocols: 'h2' }, message: /ALPNProtocols must be a list/ },
  { name: 'no key or cert', options: {}, message: /needs key and cert/ },
  { name: 'cert without key', options: { cert }, message: /cert was given without key/ },
  { name: 'PEM with no certificate in it', options: { key, cert: key }, message: /holds no CERTIFICATE block/ },
  { name: 'requestCert as a string', options: { key, cert, requestCert: 'yes' }, message: /requestCert must be a boolean/ },
  { name: 'minVersion TLSv1', options: { key, cert, minVersion: 'TLSv1' }, message: /minVersion TLSv1 is not supported/ },
  { name: 'a handshakeTimeout of 0', options: { key, cert, handshakeTimeout: 0 }, message: /handshakeTimeout must be a positive number/ },
];

for (const backend of BACKENDS) {
  for (const { name, options, message } of cases) {
    test(`${backend}: https.createServer and tls.createServer refuse ${name} at once`, (t) => {
      for (const make of [() => createServer({ backend, ...options }), () => createTLSServer({ backend, ...options })]) {
        const error = t.throws(make, { instanceOf: ConfigurationError });
        t.regex(error!.message, message);
      }
    });
  }

  test(`${backend}: createSecureContext and connect check their options at once`, (t) => {
    t.throws(() => createSecureContext({ backend, key: localhostRSA.key, cert }), { instanceOf: ConfigurationError, message: /does not match/ });
    t.throws(() => connect({ backend, port: 1, ca: 'ca.pem' }), { instanceOf: ConfigurationError, message: /ca looks like a file path/ });
    t.throws(() => connect({ backend, port: 1, servername: 7 as unknown as string }), { instanceOf: ConfigurationError, message: /servername must be a string/ });
  });
}

/** Opens a TCP connection, sends `bytes`, and resolves with the ms until the server closed it. */
function closedAfter(port: number, bytes: string): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('close', () => resolve(Date.now() - started));
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: a Listener whose configuration fails per connection closes the client's TCP connection at once`, async (t) => {
    // The container's configuration is only read when a connection negotiates (no fail-fast on this path).
    const container = createContainer(backend, { server: { cert: 'not a certificate', key: 'not a key' } });
    const errors: Error[] = [];
    const listener = await Listener.listen({
      port: 0,
      createService: () => serviceFrom(container),
      configuration: {},
      onError: (error) => errors.push(error),
    });
    try {
      // A ClientHello record header and a few bytes: enough for a backend to start.
      const ms = await closedAfter(listener.address().port, '\x16\x03\x01\x00\x05hello');
      // Generous bound: before, the connection stayed open until the client gave up.
      t.true(ms < 10_000, `closed after ${ms} ms`);
      t.is(errors.length, 1);
    } finally {
      await listener.close();
    }
  });

  test(`${backend}: a handshake that fails (plaintext HTTP to the TLS port) closes at once, and close() drains`, async (t) => {
    const server = createServer({ backend, key, cert }, (_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const ms = await closedAfter(port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    t.true(ms < 10_000, `closed after ${ms} ms`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    t.false(server.listening);
  });

  test(`${backend}: server.close() releases a connection still in its handshake`, async (t) => {
    const server = createServer({ backend, key, cert }, (_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    await new Promise((resolve) => socket.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server has accepted it and waits for a ClientHello
    const clientClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([clientClosed, serverClosed]);
    t.pass('both the half-made connection and the server are closed');
  });
}
