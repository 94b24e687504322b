/**
 * node:tls / node:https usage as Node's own documentation writes it, with only the import
 * changed (`node:tls` -> `tlsservice/tls`, `node:https` -> `tlsservice/https`), on the
 * noble and node-tls backends: express behind https.createServer reached by curl,
 * tls.connect with ca/servername, SNICallback choosing between two certificates,
 * setSecureContext rotation, an encrypted key with its passphrase, a pfx, mTLS middleware
 * reading req.socket.authorized and getPeerCertificate(), and tlsClientError destroying
 * the socket.
 */
import test from 'ava';
import express from 'express';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls, { type ConnectOptions } from '../../src/node-api/tls.js';
import https from '../../src/node-api/https.js';
import type { BackendName } from '../../src/di/container.js';
import { clientCertificate, localhostECDSA, localhostRSA, testCA, wrongHost } from '../fixtures/certs.js';
import { run, testCAFile } from '../http/helpers.js';

const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const encryptedKey = readFileSync(new URL('node-api/localhost-ecdsa.encrypted.key.pem', fixtures), 'utf8');
const pfx = readFileSync(new URL('node-api/localhost-rsa.pfx', fixtures));
const clientCertFile = new URL('certs/client.pem', fixtures).pathname;
const clientKeyFile = new URL('certs/client.key.pem', fixtures).pathname;

const BACKENDS: readonly BackendName[] = ['noble', 'node-tls'];

type Closable = { close(callback?: () => void): unknown; address(): AddressInfo | string | null; closeAllConnections?(): void };

async function listening<T extends Closable & { listen(port: number, callback: () => void): unknown; once(e: string, f: (...a: unknown[]) => void): unknown }>(server: T): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closed(server: Closable): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `tls.connect(...)` and what the connected socket reports, once 'secureConnect' fired. */
function secureConnect(options: ConnectOptions) {
  return new Promise<ReturnType<typeof tls.connect>>((resolve, reject) => {
    const socket = tls.connect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: express behind https.createServer({ key, cert }) answers curl`, async (t) => {
    const app = express();
    app.get('/', (req, res) => res.json({ secure: req.secure, protocol: (req.socket as unknown as { getProtocol(): string }).getProtocol() }));
    const server = https.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, app);
    const port = await listening(server);
    try {
      const result = await run('curl', ['-sS', '--cacert', testCAFile, `https://localhost:${port}/`]);
      t.is(result.code, 0, result.stderr);
      t.deepEqual(JSON.parse(result.stdout), { secure: true, protocol: 'TLSv1.3' });
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: https.get with ca reaches https.createServer (node's request machinery, our TLS)`, async (t) => {
    const server = https.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.url}`);
    });
    const port = await listening(server);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ hostname: 'localhost', port, path: '/docs', ca: testCA, backend }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      t.is(body, 'hello /docs');
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: tls.connect with ca and servername reports authorized (RFC 6125 name check)`, async (t) => {
    const server = tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, (socket) => {
      socket.write('welcome!\n');
      socket.pipe(socket);
    });
    const port = await listening(server);
    try {
      const socket = await secureConnect({ backend, port, host: '127.0.0.1', ca: [testCA], servername: 'localhost' });
      t.true(socket.authorized);
      t.is(socket.authorizationError, null);
      t.is(socket.servername, 'localhost');
      t.is(socket.getProtocol(), 'TLSv1.3');
      t.is(socket.getPeerCertificate().subject.CN, 'localhost');
      t.regex(socket.getPeerCertificate().fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const detailed = socket.getPeerCertificate(true);
      t.is(detailed.issuerCertificate.subject.CN, 'tlsservice test CA');
      t.is(detailed.issuerCertificate.issuerCertificate, detailed.issuerCertificate, 'a self-signed root links to itself');
      t.is(socket.exportKeyingMaterial(16, 'EXPORTER-test').length, 16);
      const line = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      t.is(line, 'welcome!\n');
      socket.end();
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: rejectUnauthorized: false connects to an untrusted server and says why it is not authorized`, async (t) => {
    const server = tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, (socket) => socket.resume().end());
    const port = await listening(server);
    try {
      const socket = await secureConnect({ backend, port, host: 'localhost', rejectUnauthorized: false });
      t.false(socket.authorized);
      t.truthy(socket.authorizationError);
      t.is(typeof (socket.authorizationError as { code?: string }).code, 'string');
      socket.destroy();
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: SNICallback chooses between two certificates (RFC 6066 section 3)`, async (t) => {
    const contexts = new Map([
      ['other.example', tls.createSecureContext({ key: wrongHost.key, cert: wrongHost.cert })],
    ]);
    const server = tls.createServer(
      {
        backend,
        key: localhostECDSA.key,
        cert: localhostECDSA.cert,
        SNICallback: (servername, callback) => callback(null, contexts.get(servername)),
      },
      (socket) => socket.resume().end(),
    );
    const port = await listening(server);
    try {
      const other = await secureConnect({ backend, port, host: '127.0.0.1', ca: testCA, servername: 'other.example' });
      t.is(other.getPeerCertificate().subject.CN, 'other.example');
      t.true(other.authorized);
      other.destroy();
      const local = await secureConnect({ backend, port, host: '127.0.0.1', ca: testCA, servername: 'localhost' });
      t.is(local.getPeerCertificate().subject.CN, 'localhost');
      local.destroy();
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: server.setSecureContext rotates the certificate without a restart`, async (t) => {
    const server = https.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, (_req, res) => res.end('ok'));
    const port = await listening(server);
    try {
      const before = await secureConnect({ backend, port, ca: testCA });
      const first = before.getPeerCertificate().fingerprint256;
      before.destroy();
      server.setSecureContext({ key: localhostRSA.key, cert: localhostRSA.cert });
      const after = await secureConnect({ backend, port, ca: testCA });
      t.not(after.getPeerCertificate().fingerprint256, first);
      t.true(after.getPeerCertificate().pubkey !== undefined || after.getPeerCertificate().modulus !== undefined);
      t.truthy(after.getPeerCertificate().modulus, 'the RSA certificate is served now');
      after.destroy();
    } finally {
      await closed(server);
    }
  });

  test(`${backend}: an encrypted PKCS#8 key with its passphrase`, async (t) => {
    t.regex(encryptedKey, /BEGIN ENCRYPTED PRIVATE KEY/);
    const server = tls.createServer({ backend, key: encryptedKey, passphrase: 'correct-horse', cert: localhostECDSA.cert }, (s) => s.resume().end());
    const port = await listening(server);
    try {
      const socket = await secureConnect({ backend, port, ca: testCA });
      t.true(socket.authorized);
      socket.destroy();
    } finally {
      await closed(server);
    }
    t.throws(() => tls.createServer({ backend, key: encryptedKey, passphrase: 'wrong', cert: localhostECDSA.cert }), { message: /passphrase/ });
    t.throws(() => tls.createServer({ backend, key: encryptedKey, cert: localhostECDSA.cert }), { message: /encrypted.*passphrase/ });
  });

  test(`${backend}: a pfx (PKCS#12) with its passphrase`, async (t) => {
    const server = https.createServer({ backend, pfx, passphrase: 'pfx-secret' }, (_req, res) => res.end('from pfx'));
    const port = await listening(server);
    try {
      const socket = await secureConnect({ backend, port, ca: testCA });
      t.true(socket.authorized);
      t.is(socket.getPeerCertificate().subject.CN, 'localhost');
      t.truthy(socket.getPeerCertificate().modulus, 'the RSA leaf of the bundle');
      socket.destroy();
    } finally {
      await closed(server);
    }
    t.throws(() => https.createServer({ backend, pfx, passphrase: 'nope' }), { message: /pfx.*passphrase/ });
  });

  test(`${backend}: mTLS middleware reads req.socket.authorized and getPeerCertificate()`, async (t) => {
    const app = express();
    app.use((req, res, next) => {
      const socket = req.socket as unknown as { authorized: boolean; getPeerCertificate(): { subject?: { CN?: string } } };
      if (!socket.authorized) {
        res.status(401).send('client certificate required');
        return;
      }
      res.locals['cn'] = socket.getPeerCertificate().subject?.CN;
      next();
    });
    app.get('/', (_req, res) => res.send(`hello ${res.locals['cn']}`));
    const server = https.createServer(
      { backend, key: localhostECDSA.key, cert: localhostECDSA.cert, ca: testCA, requestCert: true, rejectUnauthorized: false },
      app,
    );
    const port = await listening(server);
    try {
      const withCert = await run('curl', ['-sS', '--cacert', testCAFile, '--cert', clientCertFile, '--key', clientKeyFile, `https://localhost:${port}/`]);
      t.is(withCert.stdout, 'hello test client', withCert.stderr);
      const without = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', testCAFile, `https://localhost:${port}/`]);
      t.is(without.stdout, '401', without.stderr);
    } finally {
      await closed(server);
    }
    t.truthy(clientCertificate.cert);
  });

  test(`${backend}: tlsClientError hands over the socket, and socket.destroy() works`, async (t) => {
    const server = tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert }, (s) => s.resume().end());
    const reported = new Promise<{ error: Error; socket: { destroy(): void; remoteAddress?: string } }>((resolve) =>
      server.on('tlsClientError', (error: Error, socket: { destroy(): void; remoteAddress?: string }) => {
        socket.destroy();
        resolve({ error, socket });
      }),
    );
    const port = await listening(server);
    try {
      const client = net.connect(port, '127.0.0.1');
      const ended = new Promise<void>((resolve) => client.on('close', () => resolve()));
      client.on('error', () => undefined);
      client.resume();
      client.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const { error, socket } = await reported;
      t.true(error instanceof Error);
      t.regex(socket.remoteAddress ?? '', /127\.0\.0\.1$/, 'the peer address (IPv4-mapped on a dual-stack listener, as node:tls)');
      await ended;
      t.pass('the peer saw the connection close');
    } finally {
      await closed(server);
    }
  });
}
