/**
 * node:tls option names on the noble and node-tls backends: `ciphers` (OpenSSL names;
 * TLS 1.3 suites per RFC 8446 appendix B.4), `cipherSuites` as a string, `ecdhCurve`
 * (RFC 8446 section 4.2.7), `ALPNProtocols` in wire format (RFC 7301 section 3.1),
 * `checkServerIdentity`, `handshakeTimeout`, 'keylog', one-time warnings for
 * unsupported options, and node's default of listening on every interface.
 */
import test from 'ava';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { BackendName } from '../../src/di/container.js';
import { HandshakeTimeoutError } from '../../src/errors.js';
import tls, { type ConnectOptions, type NodeServerOptions } from '../../src/node-api/tls.js';
import { localhostECDSA, testCA, wrongHost } from '../fixtures/certs.js';

const BACKENDS: readonly BackendName[] = ['noble', 'node-tls'];

const warnings: { code?: string; message: string }[] = [];
process.on('warning', (warning: Error & { code?: string }) => warnings.push({ code: warning.code, message: warning.message }));

/** A raw TLS server echoing nothing and ending each connection; resolves with its port and a close(). */
async function serve(options: NodeServerOptions, onSocket: (socket: ReturnType<typeof tls.connect>) => void = (s) => s.resume().end()) {
  const server = tls.createServer(options, onSocket as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function secureConnect(options: ConnectOptions) {
  return new Promise<ReturnType<typeof tls.connect>>((resolve, reject) => {
    const socket = tls.connect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

for (const backend of BACKENDS) {
  const identity = { backend, key: localhostECDSA.key, cert: localhostECDSA.cert };

  test(`${backend}: ciphers picks the TLS 1.3 suite (RFC 8446 appendix B.4)`, async (t) => {
    const { port, close } = await serve({ ...identity, ciphers: 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256' });
    try {
      const socket = await secureConnect({ backend, port, ca: testCA, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
      t.is(socket.getCipher().standardName, 'TLS_CHACHA20_POLY1305_SHA256');
      t.is(socket.getCipher().version, 'TLSv1.3');
      socket.destroy();
    } finally {
      await close();
    }
    // noble says which TLS 1.2 names it ignores (once per process); OpenSSL uses them and says nothing.
    const named = warnings.filter((w) => w.code === 'TLSSERVICE_UNSUPPORTED_OPTION' && /ciphers: ECDHE-ECDSA-AES128-GCM-SHA256/.test(w.message));
    if (backend === 'noble') t.is(named.length, 1);
    t.false(warnings.some((w) => w.message.includes('ciphers') && w.message.includes('node-tls')));
  });

  test(`${backend}: cipherSuites as a colon-separated string`, async (t) => {
    const { port, close } = await serve({ ...identity, cipherSuites: 'TLS_AES_256_GCM_SHA384' });
    try {
      const socket = await secureConnect({ backend, port, ca: testCA, cipherSuites: 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256' });
      t.is(socket.getCipher().name, 'TLS_AES_256_GCM_SHA384');
      socket.destroy();
    } finally {
      await close();
    }
  });

  test(`${backend}: ecdhCurve chooses the key-exchange group (RFC 8446 section 4.2.7)`, async (t) => {
    const { port, close } = await serve({ ...identity, ecdhCurve: 'P-384' });
    try {
      const socket = await secureConnect({ backend, port, ca: testCA, ecdhCurve: 'P-384:X25519' });
      t.deepEqual(socket.getEphemeralKeyInfo(), { type: 'ECDH', name: 'secp384r1', size: 384 });
      socket.destroy();
    } finally {
      await close();
    }
  });

  test(`${backend}: ALPNProtocols as a wire-format Buffer (RFC 7301 section 3.1)`, async (t) => {
    const { port, close } = await serve({ ...identity, ALPNProtocols: Buffer.from('\x02h2\x08http/1.1', 'latin1') });
    try {
      const socket = await secureConnect({ backend, port, ca: testCA, ALPNProtocols: [Buffer.from('h2')] });
      t.is(socket.alpnProtocol, 'h2');
      socket.destroy();
    } finally {
      await close();
    }
  });

  test(`${backend}: checkServerIdentity replaces the name check, the chain is still verified`, async (t) => {
    const { port, close } = await serve({ backend, key: wrongHost.key, cert: wrongHost.cert });
    try {
      const seen: string[] = [];
      const accepted = await secureConnect({
        backend, port, ca: testCA, servername: 'localhost',
        checkServerIdentity: (hostname, certificate) => {
          seen.push(`${hostname} ${certificate.subject.CN}`);
          return undefined;
        },
      });
      t.true(accepted.authorized);
      t.deepEqual(seen, ['localhost other.example']);
      accepted.destroy();
      await t.throwsAsync(
        secureConnect({ backend, port, ca: testCA, servername: 'other.example', checkServerIdentity: () => new Error('pinned key differs') }),
        { message: /pinned key differs/ },
      );
      await t.throwsAsync(secureConnect({ backend, port, servername: 'localhost', checkServerIdentity: () => undefined }), undefined, 'an untrusted chain still fails');
    } finally {
      await close();
    }
  });

  test(`${backend}: handshakeTimeout ends a silent client with HandshakeTimeoutError in tlsClientError`, async (t) => {
    const { server, port, close } = await serve({ ...identity, handshakeTimeout: 300 });
    const reported = new Promise<Error>((resolve) => server.on('tlsClientError', (error: Error) => resolve(error)));
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.resume();
    const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    try {
      t.true((await reported) instanceof HandshakeTimeoutError);
      await clientClosed;
    } finally {
      await close();
    }
  });

  test(`${backend}: connect's socket emits 'keylog' lines in the NSS key-log format`, async (t) => {
    const { port, close } = await serve(identity);
    try {
      const lines: string[] = [];
      const socket = tls.connect({ backend, port, ca: testCA });
      socket.on('keylog', (line: Buffer) => lines.push(line.toString('latin1')));
      await new Promise((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      t.true(lines.some((line) => /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+\n$/.test(line)));
      socket.destroy();
    } finally {
      await close();
    }
  });
}

test('an unsupported node:tls option gets one warning naming it', async (t) => {
  const before = warnings.length;
  for (let i = 0; i < 3; i++) tls.createSecureContext({ key: localhostECDSA.key, cert: localhostECDSA.cert, sigalgs: 'ed25519' } as never);
  await new Promise((resolve) => setImmediate(resolve));
  const named = warnings.slice(before).filter((w) => /option sigalgs/.test(w.message));
  t.is(named.length, 1);
  t.is(named[0]!.code, 'TLSSERVICE_UNSUPPORTED_OPTION');
});

test('listen() without a host binds every interface, as net.Server', async (t) => {
  const server = tls.createServer({ key: localhostECDSA.key, cert: localhostECDSA.cert });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  try {
    t.true(['::', '0.0.0.0'].includes(server.address()!.address), server.address()!.address);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
