/**
 * Interop with the `openssl` CLI as a real peer: `openssl s_server -tls1_3` against our
 * client and `openssl s_client -tls1_3` against our server, for every cipher suite,
 * every group OpenSSL here supports (x25519, P-256, P-384; no ML-KEM in 3.0) and ECDSA,
 * Ed25519 and RSA certificates. Each child is killed when its test ends.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { caPem, type CertificateKind } from './fixtures.js';
import { startNobleServer } from './tcp-server.js';
import { freePort, killPeer as kill, spawnPeer, waitForOutput as waitFor, waitForExit, receiveLine } from '../peers.js';

const run = (args: string[]) => spawnPeer('openssl', args);

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
const text = (s: string) => new TextEncoder().encode(s);

const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const GROUPS = [
  ['X25519', 'X25519'],
  ['P-256', 'P-256'],
  ['P-384', 'P-384'],
] as const;
const CERTIFICATES: CertificateKind[] = ['ecdsa', 'ed25519', 'rsa'];

interface Case {
  readonly suite: string;
  readonly group: string;
  readonly ourGroup: string;
  readonly certificate: CertificateKind;
}

/** Each suite, each group and each certificate type at least once (not the full product, to stay fast). */
const cases: Case[] = [
  ...SUITES.map((suite) => ({ suite, group: 'X25519', ourGroup: 'X25519', certificate: 'ecdsa' as const })),
  ...GROUPS.slice(1).map(([group, ourGroup]) => ({ suite: SUITES[0]!, group, ourGroup, certificate: 'ecdsa' as const })),
  ...CERTIFICATES.slice(1).map((certificate) => ({ suite: SUITES[1]!, group: 'X25519', ourGroup: 'X25519', certificate })),
];





for (const c of cases) {
  test.serial(`noble client x openssl s_server: ${c.suite}, ${c.group}, ${c.certificate}`, async (t) => {
    if (!opensslAvailable) return t.fail('openssl CLI not found: install openssl to run the interop tests');
    const port = await freePort();
    const server = run([
      's_server', '-tls1_3', '-accept', String(port), '-naccept', '1', '-rev',
      '-cert', `${fixtures}${c.certificate}.pem`, '-key', `${fixtures}${c.certificate}-key.pem`,
      '-ciphersuites', c.suite, '-groups', c.group,
    ]);
    try {
      await waitFor(server.output, /ACCEPT/);
      const client = new NobleTLSService();
      await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost' });
      t.is(client.negotiated.cipherSuite, c.suite);
      t.is(client.negotiated.group, c.ourGroup);
      await client.sendBytes(text('hello openssl\n'));
      const reply = await receiveLine(client);
      t.is(reply.trim(), 'lssnepo olleh'); // s_server -rev reverses each line
      await client.close();
    } finally {
      kill(server.child);
    }
  });
}

for (const c of cases) {
  test.serial(`openssl s_client x noble server: ${c.suite}, ${c.group}, ${c.certificate}`, async (t) => {
    if (!opensslAvailable) return t.fail('openssl CLI not found: install openssl to run the interop tests');
    const listener = await startNobleServer({ cert: readFixture(`${c.certificate}.pem`), key: readFixture(`${c.certificate}-key.pem`) });
    const { port, errors } = listener;
    const client = run([
      's_client', '-tls1_3', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost',
      '-CAfile', `${fixtures}ca.pem`, '-verify_return_error', '-ign_eof', '-brief',
      '-ciphersuites', c.suite, '-groups', c.group,
    ]);
    try {
      client.child.stdin!.end('hello noble\n');
      await waitForExit(client, 's_client', 10000);
      const output = client.output();
      t.deepEqual(errors, []);
      t.regex(output, /HELLO NOBLE/);
      t.regex(output, new RegExp(`Ciphersuite: ${c.suite}`));
      t.regex(output, /Verification: OK/);
    } finally {
      kill(client.child);
      listener.close();
    }
  });
}

function readFixture(name: string): string {
  return readFileSync(`${fixtures}${name}`, 'utf8');
}

test.serial('client certificates: noble client x openssl s_server -Verify', async (t) => {
  if (!opensslAvailable) return t.fail('openssl CLI not found: install openssl to run the interop tests');
  const port = await freePort();
  const server = run([
    's_server', '-tls1_3', '-accept', String(port), '-naccept', '1', '-rev', '-Verify', '1', '-verify_return_error',
    '-CAfile', `${fixtures}ca.pem`, '-cert', `${fixtures}ecdsa.pem`, '-key', `${fixtures}ecdsa-key.pem`,
  ]);
  try {
    await waitFor(server.output, /ACCEPT/);
    const client = new NobleTLSService();
    await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), {
      ca: caPem,
      servername: 'localhost',
      cert: readFixture('client.pem'),
      key: readFixture('client-key.pem'),
    });
    await client.sendBytes(text('abc\n'));
    const reply = await receiveLine(client);
    t.is(reply.trim(), 'cba');
    await client.close();
  } finally {
    kill(server.child);
  }
});

test.serial('client certificates: openssl s_client -cert x noble server requiring one', async (t) => {
  if (!opensslAvailable) return t.fail('openssl CLI not found: install openssl to run the interop tests');
  let peerCertificates = -1;
  const listener = await startNobleServer(
    { cert: readFixture('ecdsa.pem'), key: readFixture('ecdsa-key.pem'), ca: caPem, requestCert: true },
    { onNegotiated: (service) => (peerCertificates = service.negotiated.peerCertificates.length) },
  );
  const { port, errors } = listener;
  const client = run([
    's_client', '-tls1_3', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', `${fixtures}ca.pem`,
    '-verify_return_error', '-ign_eof', '-brief', '-cert', `${fixtures}client.pem`, '-key', `${fixtures}client-key.pem`,
  ]);
  try {
    client.child.stdin!.end('with cert\n');
    await waitForExit(client, 's_client', 10000);
    t.deepEqual(errors, []);
    t.regex(client.output(), /WITH CERT/);
    t.true(peerCertificates >= 1);
  } finally {
    kill(client.child);
    listener.close();
  }
});
