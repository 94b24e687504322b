/**
 * Interop with GnuTLS's command-line tools as real peers (Debian package gnutls-bin):
 * `gnutls-cli` against our noble server and our noble client against `gnutls-serv
 * --echo`, for each TLS 1.3 cipher suite, a HelloRetryRequest, and a client that ends
 * with close_notify. Each child is killed when its test ends.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import type { ServerConfiguration } from '../../src/configuration.js';
import { caPem } from './fixtures.js';
import { startNobleServer } from './tcp-server.js';
import { freePort, killPeer as kill, spawnPeer as run, waitForExit, receiveLine } from '../peers.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const gnutlsAvailable = spawnSync('gnutls-cli', ['--version']).status === 0;
const MISSING = 'gnutls-cli not found: install the Debian package gnutls-bin (apt-get install gnutls-bin) to run the GnuTLS interop tests';
const text = (s: string) => new TextEncoder().encode(s);
const readFixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');

/** GnuTLS priority strings: TLS 1.3 only, one suite (or one group) each. */
const TLS13 = 'NORMAL:-VERS-ALL:+VERS-TLS1.3';
const SUITES = [
  ['TLS_AES_128_GCM_SHA256', `${TLS13}:-CIPHER-ALL:+AES-128-GCM`],
  ['TLS_AES_256_GCM_SHA384', `${TLS13}:-CIPHER-ALL:+AES-256-GCM`],
  ['TLS_CHACHA20_POLY1305_SHA256', `${TLS13}:-CIPHER-ALL:+CHACHA20-POLY1305`],
] as const;




/** A noble server on 127.0.0.1 that upper-cases one message and closes; returns its port and the errors it saw. */
async function upperCaseServer(t: { teardown: (fn: () => void) => void }, extra: ServerConfiguration = {}) {
  const negotiated: Array<NobleTLSService['negotiated'] & { helloRetried: boolean }> = [];
  const server = await startNobleServer(
    { cert: readFixture('ecdsa.pem'), key: readFixture('ecdsa-key.pem'), ...extra },
    {
      onNegotiated: (service) => {
        // Whether a HelloRetryRequest was sent is engine state, not part of the negotiated parameters.
        const engine = (service as unknown as { engine: { outcome: { helloRetried: boolean } } }).engine;
        negotiated.push({ ...service.negotiated, helloRetried: engine.outcome.helloRetried });
      },
    },
  );
  t.teardown(server.close);
  return { port: server.port, errors: server.errors, negotiated };
}

/** Runs gnutls-cli against `port` with `input` on stdin until it exits. */
async function gnutlsCli(port: number, priority: string, input: string): Promise<string> {
  const client = run('gnutls-cli', ['--port', String(port), '--x509cafile', `${fixtures}ca.pem`, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', priority, '127.0.0.1']);
  try {
    client.child.stdin!.write(input);
    await waitForExit(client, 'gnutls-cli', 15000);
    return client.output();
  } finally {
    kill(client.child);
  }
}

for (const [suite, priority] of SUITES) {
  test.serial(`gnutls-cli x noble server: ${suite}`, async (t) => {
    if (!gnutlsAvailable) return t.fail(MISSING);
    const server = await upperCaseServer(t);
    const output = await gnutlsCli(server.port, priority, 'hello gnutls\n');
    t.deepEqual(server.errors, []);
    t.regex(output, /HELLO GNUTLS/);
    t.regex(output, /TLS1\.3/);
    t.is(server.negotiated[0]?.cipherSuite, suite);
  });
}

test.serial('gnutls-cli x noble server: HelloRetryRequest for the group the server wants (RFC 8446 section 4.1.4)', async (t) => {
  if (!gnutlsAvailable) return t.fail(MISSING);
  // GnuTLS sends shares for its first groups (X25519, P-256), not for P-384, the only group the server accepts.
  const server = await upperCaseServer(t, { groups: ['P-384'] });
  const output = await gnutlsCli(server.port, `${TLS13}:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1`, 'retried\n');
  t.deepEqual(server.errors, []);
  t.regex(output, /RETRIED/);
  t.is(server.negotiated[0]?.group, 'P-384');
  t.true(server.negotiated[0]?.helloRetried);
});

for (const [suite, priority] of SUITES) {
  test.serial(`noble client x gnutls-serv --echo: ${suite}`, async (t) => {
    if (!gnutlsAvailable) return t.fail(MISSING);
    const port = await freePort();
    const server = run('gnutls-serv', ['--echo', '--port', String(port), '--x509certfile', `${fixtures}ecdsa.pem`, '--x509keyfile', `${fixtures}ecdsa-key.pem`, '--priority', priority]);
    t.teardown(() => kill(server.child));
    const end = Date.now() + 10000;
    while (!/listening.*done/is.test(server.output())) {
      if (Date.now() > end) return t.fail(`gnutls-serv did not start: ${server.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const client = new NobleTLSService();
    await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost' });
    t.is(client.negotiated.cipherSuite, suite);
    await client.sendBytes(text('echo me\n'));
    const reply = await receiveLine(client);
    t.is(reply, 'echo me\n');
    await client.close();
  });
}
