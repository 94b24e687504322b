/**
 * The new groups (x448, secp521r1, FFDHE) and certificate types (P-521, Ed448) against real
 * peers over TCP on 127.0.0.1, on both crypto providers: node:tls both ways (`ecdhCurve`
 * 'X448', 'P-521', 'ffdhe2048', ...), the `openssl` CLI both ways with certificates and
 * keys made by `openssl req` into a temporary directory, so our X.509 and PKCS#8 parsers
 * read OpenSSL's encodings, and `gnutls-cli` (Debian package gnutls-bin) against our server.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { createDevelopmentCA, issueCertificate } from '../../src/x509/development.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { freePort, killPeer as kill, spawnPeer as run, waitForOutput as waitFor, waitForExit, receiveLine } from '../peers.js';
import { startNobleServer } from './tcp-server.js';

const providers: readonly CryptoProvider[] = [nobleCryptoProvider, nodeCryptoProvider];
const text = (s: string) => new TextEncoder().encode(s);
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
const MISSING_OPENSSL = 'openssl CLI not found: install the Debian package openssl';
const gnutlsAvailable = spawnSync('gnutls-cli', ['--version']).status === 0;
const MISSING_GNUTLS = 'gnutls-cli not found: install the Debian package gnutls-bin';

/** node:tls `ecdhCurve` / OpenSSL `-groups` name, our negotiated.group, node's getEphemeralKeyInfo name (none for DH). */
const GROUPS = [
  { openssl: 'X448', ours: 'X448', ephemeral: 'X448' },
  { openssl: 'P-521', ours: 'P-521', ephemeral: 'secp521r1' },
  { openssl: 'ffdhe2048', ours: 'ffdhe2048', ephemeral: undefined },
  { openssl: 'ffdhe3072', ours: 'ffdhe3072', ephemeral: undefined },
] as const;

// ---- Certificates: development CA (node:tls tests) and openssl req (openssl tests) ---------------

function developmentPki(keyType: 'P-521' | 'Ed448') {
  const ca = createDevelopmentCA({ keyType });
  const leaf = issueCertificate(ca, { keyType, dnsNames: ['localhost'] });
  return { ca: ca.pem, cert: leaf.pem, key: leaf.privateKeyPem };
}
const developmentCertificates = { 'P-521': developmentPki('P-521'), Ed448: developmentPki('Ed448') } as const;

const REQ_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = tlsservice test
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const KEY_OPTIONS = { 'P-521': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521', '-sha512'], Ed448: ['-newkey', 'ed448'] } as const;
let dir = '';
const file = (name: string) => join(dir, name);

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/** A CA and a localhost leaf of `keyType`, both made by `openssl req`, as files in `dir`. */
function opensslPki(keyType: 'P-521' | 'Ed448'): void {
  const common = ['req', '-x509', '-config', file('req.cnf'), '-nodes', '-days', '2', ...KEY_OPTIONS[keyType]];
  openssl([...common, '-extensions', 'ca', '-subj', `/CN=${keyType} test CA`, '-keyout', file(`${keyType}-ca-key.pem`), '-out', file(`${keyType}-ca.pem`)]);
  openssl([
    ...common, '-extensions', 'leaf', '-subj', '/CN=localhost', '-keyout', file(`${keyType}-key.pem`), '-out', file(`${keyType}.pem`),
    '-CA', file(`${keyType}-ca.pem`), '-CAkey', file(`${keyType}-ca-key.pem`),
  ]);
}

test.before(() => {
  if (!opensslAvailable) return;
  dir = mkdtempSync(join(tmpdir(), 'tlsservice-groups-'));
  writeFileSync(file('req.cnf'), REQ_CONFIG);
  opensslPki('P-521');
  opensslPki('Ed448');
});

test.after.always(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- Peers -------------------------------------------------------------------------------------

/** Our server on a TCP listener for one connection: upper-cases one read; resolves what it negotiated. */
async function nobleServer(provider: CryptoProvider, options: ServerConfiguration) {
  let resolveGroup: (group: string | undefined) => void = () => undefined;
  const negotiatedGroup = new Promise<string | undefined>((resolve) => (resolveGroup = resolve));
  const server = await startNobleServer(options, {
    provider,
    onNegotiated: (service) => resolveGroup(service.negotiated.group),
    onError: () => resolveGroup(undefined),
  });
  return { port: server.port, negotiatedGroup, errors: server.errors, close: server.close };
}

/** Our client: sends `hello`, reads one reply. */
async function nobleClient(provider: CryptoProvider, port: number, options: ClientConfiguration) {
  const client = new NobleTLSService({ provider });
  await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { servername: 'localhost', ...options });
  await client.sendBytes(text('hello\n'));
  const reply = await receiveLine(client);
  await client.close();
  return { reply, group: client.negotiated.group };
}

async function nodeServer(options: tls.TlsOptions) {
  const server = tls.createServer({ minVersion: 'TLSv1.3', ...options }, (socket) => {
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function nodeClient(port: number, options: tls.ConnectionOptions) {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
  await once(socket, 'secureConnect');
  const ephemeral = socket.getEphemeralKeyInfo() as { type?: string; name?: string; size?: number };
  socket.write('hello\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.end();
  await once(socket, 'close');
  return { reply: reply.toString(), ephemeral };
}





/** openssl s_server for one connection that reverses each line; `extra` picks groups or certificates. */
async function opensslServer(keyType: 'P-521' | 'Ed448', extra: string[]) {
  const port = await freePort();
  const server = run('openssl', [
    's_server', '-tls1_3', '-accept', String(port), '-naccept', '1', '-rev',
    '-cert', file(`${keyType}.pem`), '-key', file(`${keyType}-key.pem`), ...extra,
  ]);
  await waitFor(server.output, /ACCEPT/);
  return { port, server };
}

/** gnutls-cli sending one line to `port` with `priority`, until it exits; resolves its output. */
async function gnutlsClient(port: number, caFile: string, priority: string): Promise<string> {
  const client = run('gnutls-cli', [
    '--port', String(port), '--x509cafile', caFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost',
    '--priority', priority, '127.0.0.1',
  ]);
  try {
    client.child.stdin!.write('hello gnutls\n');
    await waitForExit(client, 'gnutls-cli', 20000);
    return client.output();
  } finally {
    kill(client.child);
  }
}

/** openssl s_client sending one line to `port` and exiting at the server's close; resolves its output. */
async function opensslClient(port: number, caFile: string, extra: string[]): Promise<string> {
  const client = run('openssl', [
    's_client', '-tls1_3', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost',
    '-CAfile', caFile, '-verify_return_error', '-ign_eof', ...extra,
  ]);
  try {
    client.child.stdin!.end('hello openssl\n');
    await waitForExit(client, 's_client', 20000);
    return client.output();
  } finally {
    kill(client.child);
  }
}

// ---- node:tls -------------------------------------------------------------------------------------

for (const provider of providers) {
  for (const group of GROUPS) {
    test.serial(`${provider.name}: noble client (default groups) x node:tls server with ecdhCurve ${group.openssl} (HelloRetryRequest)`, async (t) => {
      const { ca, cert, key } = developmentCertificates['P-521'];
      const server = await nodeServer({ cert, key, ecdhCurve: group.openssl });
      try {
        const { reply, group: negotiated } = await nobleClient(provider, server.port, { ca });
        t.is(reply, 'HELLO\n');
        t.is(negotiated, group.ours);
      } finally {
        server.close();
      }
    });

    test.serial(`${provider.name}: node:tls client with ecdhCurve ${group.openssl} x noble server (default groups)`, async (t) => {
      const { ca, cert, key } = developmentCertificates.Ed448;
      const server = await nobleServer(provider, { cert, key });
      try {
        const { reply, ephemeral } = await nodeClient(server.port, { ca, ecdhCurve: group.openssl });
        t.is(reply, 'HELLO\n');
        t.is(await server.negotiatedGroup, group.ours);
        if (group.ephemeral) t.is(ephemeral.name, group.ephemeral);
        else t.like(ephemeral, { type: 'DH', size: Number(group.openssl.slice(5)) });
        t.deepEqual(server.errors, []);
      } finally {
        server.close();
      }
    });
  }

  for (const keyType of ['P-521', 'Ed448'] as const) {
    test.serial(`${provider.name}: ${keyType} certificate (development CA): noble client x node:tls server and node:tls client x noble server`, async (t) => {
      const { ca, cert, key } = developmentCertificates[keyType];
      const node = await nodeServer({ cert, key });
      try {
        t.is((await nobleClient(provider, node.port, { ca })).reply, 'HELLO\n');
      } finally {
        node.close();
      }
      const noble = await nobleServer(provider, { cert, key });
      try {
        t.is((await nodeClient(noble.port, { ca })).reply, 'HELLO\n');
        t.deepEqual(noble.errors, []);
      } finally {
        noble.close();
      }
    });
  }
}

// ---- openssl s_server / s_client ----------------------------------------------------------------

const OPENSSL_GROUPS = GROUPS.slice(0, 3);

for (const provider of providers) {
  for (const group of OPENSSL_GROUPS) {
    test.serial(`${provider.name}: noble client x openssl s_server -groups ${group.openssl}`, async (t) => {
      if (!opensslAvailable) return t.fail(MISSING_OPENSSL);
      const { port, server } = await opensslServer('P-521', ['-groups', group.openssl]);
      try {
        const { reply, group: negotiated } = await nobleClient(provider, port, { ca: readFileSync(file('P-521-ca.pem'), 'utf8') });
        t.is(reply.trim(), 'olleh');
        t.is(negotiated, group.ours);
      } finally {
        kill(server.child);
      }
    });

    test.serial(`${provider.name}: openssl s_client -groups ${group.openssl} x noble server`, async (t) => {
      if (!opensslAvailable) return t.fail(MISSING_OPENSSL);
      const noble = await nobleServer(provider, { cert: readFileSync(file('Ed448.pem'), 'utf8'), key: readFileSync(file('Ed448-key.pem'), 'utf8') });
      try {
        const output = await opensslClient(noble.port, file('Ed448-ca.pem'), ['-groups', group.openssl]);
        t.regex(output, /HELLO OPENSSL/);
        t.is(await noble.negotiatedGroup, group.ours);
        t.deepEqual(noble.errors, []);
      } finally {
        noble.close();
      }
    });
  }

  for (const keyType of ['P-521', 'Ed448'] as const) {
    test.serial(`${provider.name}: ${keyType} certificate and PKCS#8 key from openssl req: noble client x s_server and s_client x noble server`, async (t) => {
      if (!opensslAvailable) return t.fail(MISSING_OPENSSL);
      const ca = readFileSync(file(`${keyType}-ca.pem`), 'utf8');
      const { port, server } = await opensslServer(keyType, []);
      try {
        t.is((await nobleClient(provider, port, { ca })).reply.trim(), 'olleh');
      } finally {
        kill(server.child);
      }
      const noble = await nobleServer(provider, { cert: readFileSync(file(`${keyType}.pem`), 'utf8'), key: readFileSync(file(`${keyType}-key.pem`), 'utf8') });
      try {
        const output = await opensslClient(noble.port, file(`${keyType}-ca.pem`), []);
        t.regex(output, /HELLO OPENSSL/);
        t.regex(output, /Verify return code: 0 \(ok\)/);
        t.regex(output, keyType === 'Ed448' ? /Peer signature type: ed448/i : /Peer signing digest: SHA512/);
        t.deepEqual(noble.errors, []);
      } finally {
        noble.close();
      }
    });
  }
}

// ---- gnutls-cli ---------------------------------------------------------------------------------

const GNUTLS_GROUPS = [
  ['X448', 'GROUP-X448'],
  ['P-521', 'GROUP-SECP521R1'],
  ['ffdhe2048', 'GROUP-FFDHE2048'],
] as const;

for (const provider of providers) {
  for (const [ours, gnutlsGroup] of GNUTLS_GROUPS) {
    test.serial(`${provider.name}: gnutls-cli with only ${gnutlsGroup} x noble server, Ed448 certificate`, async (t) => {
      if (!opensslAvailable) return t.fail(MISSING_OPENSSL);
      if (!gnutlsAvailable) return t.fail(MISSING_GNUTLS);
      const noble = await nobleServer(provider, { cert: readFileSync(file('Ed448.pem'), 'utf8'), key: readFileSync(file('Ed448-key.pem'), 'utf8') });
      try {
        const output = await gnutlsClient(noble.port, file('Ed448-ca.pem'), `NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+${gnutlsGroup}`);
        t.regex(output, /HELLO GNUTLS/);
        t.is(await noble.negotiatedGroup, ours);
        t.deepEqual(noble.errors, []);
      } finally {
        noble.close();
      }
    });
  }
}
