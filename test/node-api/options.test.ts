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
import { TLS12_OPENSSL_CIPHER_NAMES } from '../../src/configuration.js';
import { ALL_TLS12_CIPHER_SUITES, tls12SuiteByName } from '../../adapters/noble/tls12/suites.js';

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
    const { port, close } = await serve({ ...identity, ciphers: 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:DHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256' });
    try {
      const socket = await secureConnect({ backend, port, ca: testCA, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
      t.is(socket.getCipher().standardName, 'TLS_CHACHA20_POLY1305_SHA256');
      t.is(socket.getCipher().version, 'TLSv1.3');
      socket.destroy();
    } finally {
      await close();
    }
    // noble says which TLS 1.2 names it refuses (CBC, DHE, RSA key exchange; once per process) and takes
    // the ECDHE+AEAD one; OpenSSL uses them all and says nothing.
    const named = warnings.filter((w) => w.code === 'TLSSERVICE_UNSUPPORTED_OPTION' && /ciphers: ECDHE-ECDSA-AES128-SHA:DHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256 /.test(w.message));
    if (backend === 'noble') t.is(named.length, 1);
    t.false(warnings.some((w) => w.message.includes('ECDHE-ECDSA-AES128-GCM-SHA256')), 'a suite noble speaks is taken, not warned about');
    t.false(warnings.some((w) => w.message.includes('ciphers') && w.message.includes('node-tls')));
  });

  test(`${backend}: ciphers picks TLS 1.2 suites by their OpenSSL names (RFC 5289, RFC 7905)`, async (t) => {
    const { port, close } = await serve({ ...identity, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    const plain = await serve(identity);
    try {
      const pinned = await secureConnect({ backend, port, ca: testCA, maxVersion: 'TLSv1.2' });
      t.is(pinned.getCipher().standardName, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'the server takes only the suite its ciphers name');
      t.is(pinned.getCipher().version, 'TLSv1.2');
      pinned.destroy();
      const client = await secureConnect({ backend, port: plain.port, ca: testCA, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
      t.is(client.getCipher().standardName, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'the client offers only the suite its ciphers name');
      client.destroy();
    } finally {
      await close();
      await plain.close();
    }
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
  for (let i = 0; i < 3; i++) tls.createSecureContext({ key: localhostECDSA.key, cert: localhostECDSA.cert, dhparam: 'x' } as never);
  await new Promise((resolve) => setImmediate(resolve));
  const named = warnings.slice(before).filter((w) => /option dhparam/.test(w.message));
  t.is(named.length, 1);
  t.is(named[0]!.code, 'TLSSERVICE_UNSUPPORTED_OPTION');
});

test('net options the TLS layer does not apply (pauseOnConnect on servers, lookup and hints on connect) get one warning each', async (t) => {
  const before = warnings.length;
  tls.createServer({ key: localhostECDSA.key, cert: localhostECDSA.cert, pauseOnConnect: true } as never);
  const socket = tls.connect({ port: 9, host: '127.0.0.1', lookup: () => undefined, hints: 0 } as never);
  socket.on('error', () => undefined);
  socket.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  const messages = warnings.slice(before).map((w) => w.message).join('\n');
  for (const name of ['pauseOnConnect', 'lookup', 'hints']) t.regex(messages, new RegExp(`option ${name} is not supported`));
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

for (const backend of BACKENDS) {
  test(`${backend}: ALPNCallback chooses from the client's offer, or refuses it with no_application_protocol (RFC 7301 section 3.2)`, async (t) => {
    const offers: { servername: string | undefined; protocols: string[] }[] = [];
    const server = tls.createServer(
      {
        backend,
        key: localhostECDSA.key,
        cert: localhostECDSA.cert,
        ALPNCallback: (offer) => {
          offers.push(offer);
          return offer.protocols.includes('refuse-me') ? undefined : offer.protocols[1];
        },
      },
      (socket) => socket.resume().end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const connect = (ALPNProtocols: string[]) =>
      new Promise<ReturnType<typeof tls.connect>>((resolve, reject) => {
        const socket = tls.connect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA, ALPNProtocols }, () => resolve(socket));
        socket.once('error', reject);
      });
    try {
      const chosen = await connect(['first', 'second']);
      t.is(chosen.alpnProtocol, 'second');
      chosen.destroy();
      t.deepEqual(offers[0], { servername: 'localhost', protocols: ['first', 'second'] });
      const refused = await connect(['refuse-me']).then(
        (socket) => (socket.destroy(), undefined),
        (error: Error) => error,
      );
      t.truthy(refused, 'the handshake fails');
      t.regex(String(refused?.message), /no_application_protocol|no application protocol|alert number 120/i);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    t.throws(() => tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert, ALPNProtocols: ['h2'], ALPNCallback: () => 'h2' }), {
      message: /ALPNProtocols or ALPNCallback, not both/,
    });
  });
}

test('noble: ciphers keeps the order given for TLS 1.2: a node-tls server following the client order picks the first', async (t) => {
  const { port, close } = await serve({ backend: 'node-tls', key: localhostECDSA.key, cert: localhostECDSA.cert });
  try {
    for (const [ciphers, expected] of [
      ['ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
      ['ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ] as const) {
      const socket = await secureConnect({ backend: 'noble', port, ca: testCA, maxVersion: 'TLSv1.2', ciphers });
      t.is(socket.getCipher().standardName, expected);
      socket.destroy();
    }
  } finally {
    await close();
  }
});

test('every OpenSSL TLS 1.2 name maps to a suite the noble engine speaks', (t) => {
  for (const iana of Object.values(TLS12_OPENSSL_CIPHER_NAMES)) t.truthy(tls12SuiteByName(iana), iana);
  t.is(Object.keys(TLS12_OPENSSL_CIPHER_NAMES).length, ALL_TLS12_CIPHER_SUITES.length);
});
