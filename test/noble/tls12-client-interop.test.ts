/**
 * The noble TLS 1.2 client against real TLS 1.2 servers: `openssl s_server -tls1_2` for
 * every suite and certificate type (and rsa_pkcs1 signatures, a client certificate, ALPN,
 * a HelloRequest from `r` on its stdin), `gnutls-serv` at TLS 1.2, our server under
 * `gnutls-cli` at TLS 1.2, the downgrade sentinel of a 1.3-capable OpenSSL seen by our
 * 1.3-capable client (RFC 8446 section 4.1.3), and a 1.2-only client meeting a 1.3-only
 * OpenSSL (protocol_version). Each child is killed when its test ends.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { ExtensionType } from '../../adapters/noble/codec/extensions.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { startNobleServer } from './tcp-server.js';
import { TLSAlertError } from '../../src/errors.js';
import type { ClientConfiguration } from '../../src/configuration.js';
import { caPem } from './fixtures.js';
import { freePort, killPeer as kill, spawnPeer, waitForOutput, receiveLine } from '../peers.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const readFixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
const gnutlsAvailable = spawnSync('gnutls-cli', ['--version']).status === 0;
const NO_OPENSSL = 'openssl CLI not found: install the Debian package openssl';
const NO_GNUTLS = 'gnutls-cli/gnutls-serv not found: install the Debian package gnutls-bin (apt-get install gnutls-bin)';
const text = (s: string) => new TextEncoder().encode(s);

type Kind = 'ecdsa' | 'rsa' | 'ed25519';

const SUITES: { openssl: string; iana: string; kind: Kind }[] = [
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', kind: 'ecdsa' },
  { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', kind: 'ecdsa' },
  { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', kind: 'ecdsa' },
  { openssl: 'ECDHE-RSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', kind: 'rsa' },
  { openssl: 'ECDHE-RSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', kind: 'rsa' },
  { openssl: 'ECDHE-RSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', kind: 'rsa' },
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', kind: 'ed25519' },
];

/** `openssl s_server -rev` (reverses each line; without `rev`, reads commands from stdin) on a free port, once it accepts. */
async function opensslServer(t: { teardown: (fn: () => void) => void }, kind: Kind, args: string[], rev = true) {
  const port = await freePort();
  const server = spawnPeer('openssl', [
    's_server', '-accept', String(port), '-naccept', '1', ...(rev ? ['-rev'] : []),
    '-cert', `${fixtures}${kind}.pem`, '-key', `${fixtures}${kind}-key.pem`, ...args,
  ]);
  t.teardown(() => kill(server.child));
  await waitForOutput(server.output, /ACCEPT/);
  return { port, server };
}

/** Connects a noble client; `service` lets a test shape the engine settings. */
async function nobleClient(port: number, options: ClientConfiguration = {}, service = new NobleTLSService()): Promise<NobleTLSService> {
  await service.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost', ...options });
  return service;
}

/** Sends a line and reads the answer up to its newline. */
async function exchangeLine(client: NobleTLSService, line: string): Promise<string> {
  await client.sendBytes(text(`${line}\n`));
  const reply = await receiveLine(client);
  return reply.trim();
}

for (const c of SUITES) {
  for (const maxVersion of ['TLSv1.2', undefined] as const) {
    const who = maxVersion ? 'noble@1.2 client' : 'noble client (TLSv1.2..TLSv1.3)';
    test.serial(`${who} x openssl s_server -tls1_2: ${c.openssl}, ${c.kind} certificate (RFC 5289, RFC 7905)`, async (t) => {
      if (!opensslAvailable) return t.fail(NO_OPENSSL);
      const { port } = await opensslServer(t, c.kind, ['-tls1_2', '-cipher', c.openssl]);
      const client = await nobleClient(port, maxVersion ? { maxVersion } : {});
      t.is(client.negotiated.protocol, 'TLSv1.2');
      t.is(client.negotiated.cipherSuite, c.iana);
      t.is(await exchangeLine(client, 'hello openssl'), 'lssnepo olleh');
      await client.close();
    });
  }
}

for (const [group, ours] of [['X25519', 'X25519'], ['P-256', 'P-256'], ['P-384', 'P-384']] as const) {
  test.serial(`noble@1.2 client x openssl s_server -tls1_2: ECDHE over ${group} (RFC 8422 section 5.4)`, async (t) => {
    if (!opensslAvailable) return t.fail(NO_OPENSSL);
    const { port } = await opensslServer(t, 'rsa', ['-tls1_2', '-groups', group]);
    const client = await nobleClient(port, { maxVersion: 'TLSv1.2' });
    t.is(client.negotiated.group, ours);
    t.is(await exchangeLine(client, 'abc'), 'cba');
    await client.close();
  });
}

test.serial('noble@1.2 client x openssl s_server -sigalgs RSA+SHA256: an rsa_pkcs1 ServerKeyExchange is accepted (RFC 5246 section 7.4.1.4.1)', async (t) => {
  if (!opensslAvailable) return t.fail(NO_OPENSSL);
  const { port } = await opensslServer(t, 'rsa', ['-tls1_2', '-sigalgs', 'RSA+SHA256']);
  const client = await nobleClient(port, { maxVersion: 'TLSv1.2' });
  t.is(client.negotiated.protocol, 'TLSv1.2');
  t.is(await exchangeLine(client, 'pkcs1'), '1sckp');
  await client.close();
});

test.serial('noble@1.2 client with a certificate x openssl s_server -Verify 1, and ALPN (RFC 5246 section 7.4.6, RFC 7301)', async (t) => {
  if (!opensslAvailable) return t.fail(NO_OPENSSL);
  const { port, server } = await opensslServer(t, 'ecdsa', ['-tls1_2', '-Verify', '1', '-CAfile', `${fixtures}ca.pem`, '-alpn', 'h2']);
  const client = await nobleClient(port, { maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1', 'h2'], cert: readFixture('client.pem'), key: readFixture('client-key.pem') });
  t.is(client.negotiated.alpnProtocol, 'h2');
  t.is(await exchangeLine(client, 'mtls'), 'sltm');
  t.regex(server.output(), /verify return:1/);
  await client.close();
});

test.serial('a HelloRequest from openssl s_server (r) is refused: our client sends the no_renegotiation warning (RFC 5746, RFC 5246 section 7.4.1.1)', async (t) => {
  if (!opensslAvailable) return t.fail(NO_OPENSSL);
  // Without -rev, s_server reads commands from stdin: `r` sends a HelloRequest.
  const { port, server } = await opensslServer(t, 'ecdsa', ['-tls1_2'], false);
  const client = await nobleClient(port, { maxVersion: 'TLSv1.2' });
  await client.sendBytes(text('before\n'));
  await waitForOutput(server.output, /before/);
  server.child.stdin!.write('r\n');
  const error = await t.throwsAsync(client.receiveBytes(1000), { instanceOf: TLSAlertError });
  t.is((error as TLSAlertError).alert, 'no_renegotiation');
  await waitForOutput(server.output, /no renegotiation|NO_RENEGOTIATION|alert/i);
});

test.serial('a 1.3-capable noble client aborts on the downgrade sentinel of a 1.3-capable OpenSSL (RFC 8446 section 4.1.3)', async (t) => {
  if (!opensslAvailable) return t.fail(NO_OPENSSL);
  const { port, server } = await opensslServer(t, 'ecdsa', []);
  // A man in the middle strips supported_versions: OpenSSL answers TLS 1.2 and marks ServerHello.random.
  const strip = new NobleTLSService({
    editClientSettings: (s) => ({
      ...s,
      editExtensions: (message, e) => (message === 'client_hello' ? e.filter((x) => x.type !== ExtensionType.supported_versions) : e),
    }),
  });
  const error = await t.throwsAsync(nobleClient(port, {}, strip), { instanceOf: TLSAlertError });
  t.is((error as TLSAlertError).alert, 'illegal_parameter');
  t.regex((error as TLSAlertError).message, /downgrade sentinel/);
  await waitForOutput(server.output, /illegal parameter/i);
});

test.serial('a noble client offering only TLS 1.2 to openssl s_server -tls1_3 gets protocol_version (RFC 8446 appendix D)', async (t) => {
  if (!opensslAvailable) return t.fail(NO_OPENSSL);
  const { port } = await opensslServer(t, 'ecdsa', ['-tls1_3']);
  const error = await t.throwsAsync(nobleClient(port, { maxVersion: 'TLSv1.2' }), { instanceOf: TLSAlertError });
  t.is((error as TLSAlertError).alert, 'protocol_version');
  t.is((error as TLSAlertError).direction, 'received');
});

const GNUTLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';

for (const kind of ['ecdsa', 'rsa'] as const) {
  test.serial(`noble@1.2 client x gnutls-serv --echo at TLS 1.2: ${kind} certificate`, async (t) => {
    if (!gnutlsAvailable) return t.fail(NO_GNUTLS);
    const port = await freePort();
    const server = spawnPeer('gnutls-serv', ['--echo', '--port', String(port), '--x509certfile', `${fixtures}${kind}.pem`, '--x509keyfile', `${fixtures}${kind}-key.pem`, '--priority', GNUTLS12]);
    t.teardown(() => kill(server.child));
    await waitForOutput(server.output, /listening.*done/is);
    const client = await nobleClient(port, { maxVersion: 'TLSv1.2' });
    t.is(client.negotiated.protocol, 'TLSv1.2');
    t.regex(client.negotiated.cipherSuite ?? '', kind === 'rsa' ? /^TLS_ECDHE_RSA_/ : /^TLS_ECDHE_ECDSA_/);
    await client.sendBytes(text('echo me\n'));
    const reply = await receiveLine(client);
    t.is(reply, 'echo me\n');
    await client.close();
  });
}

for (const kind of ['ecdsa', 'rsa'] as const) {
  test.serial(`gnutls-cli at TLS 1.2 x noble server: ${kind} certificate`, async (t) => {
    if (!gnutlsAvailable) return t.fail(NO_GNUTLS);
    const protocols: string[] = [];
    const server = await startNobleServer(
      { cert: readFixture(`${kind}.pem`), key: readFixture(`${kind}-key.pem`) },
      { onNegotiated: (service) => protocols.push(service.negotiated.protocol) },
    );
    t.teardown(() => server.close());
    const port = server.port;
    const client = spawnPeer('gnutls-cli', ['--port', String(port), '--x509cafile', `${fixtures}ca.pem`, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', GNUTLS12, '127.0.0.1']);
    t.teardown(() => kill(client.child));
    client.child.stdin!.write('hello gnutls\n');
    await waitForOutput(client.output, /HELLO GNUTLS/, 15000);
    client.child.stdin!.end();
    t.deepEqual(server.errors, []);
    t.deepEqual(protocols, ['TLSv1.2']);
    t.regex(client.output(), /TLS1\.2/);
  });
}
