/**
 * Several key/certificate pairs per server (node:tls's `key`/`cert` arrays, e.g. RSA and
 * ECDSA), on noble and node-tls: each handshake presents the pair whose key can sign a scheme
 * the client offers in signature_algorithms (RFC 8446 sections 4.2.3 and 4.4.2.2). Checked
 * with openssl s_client `-sigalgs` and with node:tls clients, reading which certificate came back;
 * at TLS 1.2 the suite's authentication (ECDHE-RSA or ECDHE-ECDSA, `-cipher`) picks the pair.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodeTLS from 'node:tls';
import type { AddressInfo } from 'node:net';
import tls from '../../src/node-api/tls.js';
import type { BackendName } from '../../src/di/container.js';
import { ConfigurationError } from '../../src/errors.js';
import { localhostECDSA, localhostEd25519, localhostRSA, testCA, wrongHost } from '../fixtures/certs.js';
import { run, testCAFile } from '../http/helpers.js';

const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const encryptedECDSAKey = readFileSync(new URL('node-api/localhost-ecdsa.encrypted.key.pem', fixtures), 'utf8');

const BACKENDS: readonly BackendName[] = ['noble', 'node-tls'];

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const RSA = fingerprint(localhostRSA.cert);
const ECDSA = fingerprint(localhostECDSA.cert);

async function serve(options: Parameters<typeof tls.createServer>[0]) {
  const server = tls.createServer(options, (socket) => socket.resume().end());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The fingerprint of the leaf openssl s_client received when offering only `sigalgs`. */
async function sClientLeaf(port: number, sigalgs: string, version = '-tls1_3'): Promise<string> {
  return (await sClientHandshake(port, [version, '-sigalgs', sigalgs])).leaf;
}

/** openssl s_client with `args`: the fingerprint of the leaf it received and the cipher it negotiated. */
async function sClientHandshake(port: number, args: string[]): Promise<{ leaf: string; cipher: string | undefined }> {
  const result = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args, '-CAfile', testCAFile]);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)?.[0];
  if (!pem) throw new Error(`s_client printed no certificate (exit ${result.code}; install openssl if it is missing): ${result.stderr}`);
  if (!/Verify return code: 0 \(ok\)/.test(result.stdout)) throw new Error(`s_client did not verify the server: ${result.stdout.slice(-400)}`);
  return { leaf: fingerprint(pem), cipher: /Cipher is (\S+)/.exec(result.stdout)?.[1] };
}

/** The fingerprint of the leaf a node:tls client received, with node:tls `sigalgs`. */
function nodeClientLeaf(port: number, sigalgs?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = nodeTLS.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: testCA, ...(sigalgs ? { sigalgs } : {}) }, () => {
      const leaf = socket.getPeerX509Certificate();
      socket.destroy();
      if (!socket.authorized) reject(new Error(`not authorized: ${String(socket.authorizationError)}`));
      else resolve(leaf!.fingerprint256);
    });
    socket.once('error', reject);
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: key/cert arrays (RSA + ECDSA): openssl s_client -sigalgs picks the certificate (RFC 8446 section 4.4.2.2)`, async (t) => {
    const server = await serve({ backend, key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] });
    try {
      t.is(await sClientLeaf(server.port, 'rsa_pss_rsae_sha256'), RSA, 'a client offering only RSA-PSS gets the RSA pair');
      t.is(await sClientLeaf(server.port, 'ecdsa_secp256r1_sha256'), ECDSA, 'a client offering only ECDSA gets the ECDSA pair');
      t.is(await sClientLeaf(server.port, 'ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256'), ECDSA, 'both offered: ECDSA');
    } finally {
      await server.close();
    }
  });

  test(`${backend}: key/cert arrays: node:tls clients get ECDSA by default and RSA with sigalgs rsa_pss_rsae_sha256`, async (t) => {
    // The pairs in the other order, and the ECDSA key in node's { pem, passphrase } form.
    const server = await serve({
      backend,
      key: [{ pem: encryptedECDSAKey, passphrase: 'correct-horse' }, localhostRSA.key],
      cert: [localhostECDSA.cert, localhostRSA.cert],
    });
    try {
      t.is(await nodeClientLeaf(server.port), ECDSA);
      t.is(await nodeClientLeaf(server.port, 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384'), RSA);
      t.is(await nodeClientLeaf(server.port, 'ecdsa_secp256r1_sha256'), ECDSA);
    } finally {
      await server.close();
    }
  });

  test(`${backend}: our own connect() with sigalgs (IANA and OpenSSL spellings) picks the pair too (RFC 8446 section 4.2.3)`, async (t) => {
    const server = await serve({ backend, key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] });
    const leaf = (sigalgs: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ backend, port: server.port, host: '127.0.0.1', servername: 'localhost', ca: testCA, sigalgs }, () => {
          resolve(socket.getPeerX509Certificate()!.fingerprint256);
          socket.destroy();
        });
        socket.once('error', reject);
      });
    try {
      t.is(await leaf('rsa_pss_rsae_sha256'), RSA);
      t.is(await leaf('RSA-PSS+SHA256:RSA-PSS+SHA384'), RSA);
      t.is(await leaf('ECDSA+SHA256'), ECDSA);
      t.is(await leaf('ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256'), ECDSA);
    } finally {
      await server.close();
    }
  });

  test(`${backend}: TLS 1.2 with RSA and ECDSA pairs: the suite's authentication picks the pair (RFC 5246 section 7.4.2, RFC 8422 section 5.3)`, async (t) => {
    const server = await serve({ backend, key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] });
    try {
      const rsa = await sClientHandshake(server.port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
      t.deepEqual(rsa, { leaf: RSA, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }, 'an ECDHE-RSA suite gets the RSA pair');
      const ecdsa = await sClientHandshake(server.port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
      t.deepEqual(ecdsa, { leaf: ECDSA, cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, 'an ECDHE-ECDSA suite gets the ECDSA pair');
      // Both suite kinds offered, but only RSA signatures: the suite follows the pair that can sign.
      const bySigalgs = await sClientHandshake(server.port, ['-tls1_2', '-sigalgs', 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256']);
      t.is(bySigalgs.leaf, RSA);
      t.regex(bySigalgs.cipher ?? '', /^ECDHE-RSA-/);
      const both = await sClientHandshake(server.port, ['-tls1_2']);
      t.is(both.leaf, ECDSA, 'everything offered: ECDSA');
      t.regex(both.cipher ?? '', /^ECDHE-ECDSA-/);
    } finally {
      await server.close();
    }
  });

  test(`${backend}: a client whose signature_algorithms fit no pair gets handshake_failure (RFC 8446 section 4.4.2.2)`, async (t) => {
    const server = await serve({ backend, key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] });
    try {
      const result = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-tls1_3', '-sigalgs', 'ed448', '-CAfile', testCAFile]);
      t.not(result.code, 0);
      t.regex(result.stdout + result.stderr, /handshake failure|alert 40|no suitable signature algorithm/i);
    } finally {
      await server.close();
    }
  });

  test(`${backend}: SNICallback contexts with several pairs (RFC 6066 section 3)`, async (t) => {
    const both = tls.createSecureContext({ key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] });
    const server = await serve({
      backend,
      key: wrongHost.key,
      cert: wrongHost.cert,
      SNICallback: (servername, callback) => callback(null, servername === 'localhost' ? both : undefined),
    });
    try {
      t.is(await sClientLeaf(server.port, 'rsa_pss_rsae_sha256'), RSA);
      t.is(await sClientLeaf(server.port, 'ecdsa_secp256r1_sha256'), ECDSA);
      t.is(await nodeClientLeaf(server.port), ECDSA);
    } finally {
      await server.close();
    }
  });

  test(`${backend}: a context with several pairs replaces the default's pairs (SNICallback with one pair)`, async (t) => {
    const onlyRSA = tls.createSecureContext({ key: localhostRSA.key, cert: localhostRSA.cert });
    const server = await serve({
      backend,
      key: [localhostECDSA.key, localhostRSA.key],
      cert: [localhostECDSA.cert, localhostRSA.cert],
      SNICallback: (_servername, callback) => callback(null, onlyRSA),
    });
    try {
      t.is(await nodeClientLeaf(server.port), RSA, 'only the context pair is offered, not the default ECDSA pair');
    } finally {
      await server.close();
    }
  });
}

test('several pairs: a key without its certificate, a chain without its key, and two pairs of one key type are refused at once', (t) => {
  const error = (options: Parameters<typeof tls.createServer>[0]) => t.throws(() => tls.createServer(options), { instanceOf: ConfigurationError });
  t.regex(error({ key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostEd25519.cert] })!.message, /key\[1\] matches the leaf of no cert/);
  t.regex(error({ key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert, localhostEd25519.cert] })!.message, /cert\[2\] has no key/);
  t.regex(error({ key: [localhostECDSA.key, wrongHost.key], cert: [localhostECDSA.cert, wrongHost.cert] })!.message, /both hold ec keys/);
  t.regex(
    t.throws(() => tls.connect({ port: 1, key: [localhostRSA.key, localhostECDSA.key], cert: [localhostRSA.cert, localhostECDSA.cert] }))!.message,
    /client takes one key\/certificate pair/,
  );
});

test('noble: an unknown sigalgs name is refused when the connection is created', (t) => {
  t.throws(() => tls.connect({ backend: 'noble', port: 1, sigalgs: 'ecdsa_secp256r1_sha257' }), { instanceOf: ConfigurationError, message: /unsupported signature algorithm ecdsa_secp256r1_sha257/ });
});

test('noble: three pairs (RSA, ECDSA, Ed25519): a client offering only ed25519 gets the Ed25519 pair', async (t) => {
  const server = await serve({
    backend: 'noble',
    key: [localhostRSA.key, localhostECDSA.key, localhostEd25519.key],
    cert: [localhostRSA.cert, localhostECDSA.cert, localhostEd25519.cert],
  });
  try {
    t.is(await sClientLeaf(server.port, 'ed25519'), fingerprint(localhostEd25519.cert));
    t.is(await sClientLeaf(server.port, 'rsa_pss_rsae_sha384'), RSA);
  } finally {
    await server.close();
  }
});
