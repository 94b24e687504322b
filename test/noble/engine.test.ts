/**
 * The sans-IO engine, noble client x noble server in memory: full handshakes for every
 * suite, group and certificate type, one-byte feeding, HelloRetryRequest, client
 * certificates, KeyUpdate, session tickets, close_notify and vectored writes.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { ALL_CIPHER_SUITES } from '../../adapters/noble/suites.js';
import type { NamedGroupName } from '../../src/crypto/provider.js';
import { CertificateVerificationError, TLSAlertError } from '../../src/errors.js';
import { concat, pump } from './helpers.js';
import { clientIdentity, testClientSettings, testServerSettings, type CertificateKind } from './fixtures.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function connect(client: TLSEngine, server: TLSEngine, chunk = Infinity) {
  pump(client, server, chunk);
  return { client, server };
}

test('handshake, data both ways and close_notify', (t) => {
  const { client, server } = connect(TLSEngine.client(testClientSettings({ ALPNProtocols: ['h2', 'http/1.1'] })), TLSEngine.server(testServerSettings('ecdsa', { ALPNProtocols: ['http/1.1'] })));
  t.true(client.handshakeComplete);
  t.true(server.handshakeComplete);
  t.is(client.outcome.suite?.name, 'TLS_AES_128_GCM_SHA256');
  t.is(client.outcome.group, 'x25519');
  t.is(client.outcome.alpnProtocol, 'http/1.1');
  t.is(server.outcome.alpnProtocol, 'http/1.1');
  t.is(server.outcome.serverName, 'localhost');
  t.is(client.outcome.peerCertificates.length, 1);
  client.writePlaintext(text('ping'));
  pump(client, server);
  t.is(str(server.readPlaintext()), 'ping');
  server.writePlaintext([text('po'), text('ng')]);
  pump(client, server);
  t.is(str(client.readPlaintext(100)), 'pong');
  t.is(client.tickets.length, 2, 'two tickets by default, as OpenSSL');
  client.close();
  pump(client, server);
  t.false(server.readOpen);
  t.false(client.writeOpen);
  server.close();
  pump(client, server);
  t.false(client.readOpen);
});

test('one-byte fragmentation in both directions', (t) => {
  const { client, server } = connect(TLSEngine.client(testClientSettings()), TLSEngine.server(testServerSettings()), 1);
  t.true(client.handshakeComplete && server.handshakeComplete);
  client.writePlaintext(text('hello'));
  pump(client, server, 1);
  t.is(str(server.readPlaintext()), 'hello');
});

for (const suite of ALL_CIPHER_SUITES) {
  test(`cipher suite ${suite.name}`, (t) => {
    const { client, server } = connect(TLSEngine.client(testClientSettings({ cipherSuites: [suite.name] })), TLSEngine.server(testServerSettings()));
    t.is(server.outcome.suite, suite);
    client.writePlaintext(text('x'));
    pump(client, server);
    t.is(str(server.readPlaintext()), 'x');
  });
}

for (const group of ['x25519', 'secp256r1', 'secp384r1', 'X25519MLKEM768'] as NamedGroupName[]) {
  test(`key exchange group ${group}`, (t) => {
    const { client, server } = connect(
      TLSEngine.client({ ...testClientSettings(), groups: [group] }),
      TLSEngine.server({ ...testServerSettings(), groups: [group] }),
    );
    t.is(client.outcome.group, group);
    t.false(client.outcome.helloRetried);
    t.true(server.handshakeComplete);
  });
}

for (const kind of ['ecdsa', 'ecdsa384', 'ed25519', 'rsa'] as CertificateKind[]) {
  test(`server certificate ${kind}`, (t) => {
    const { client, server } = connect(TLSEngine.client(testClientSettings()), TLSEngine.server(testServerSettings(kind)));
    t.true(client.handshakeComplete && server.handshakeComplete);
  });
}

test('HelloRetryRequest when the server supports no group the client sent a share for', (t) => {
  const { client, server } = connect(
    TLSEngine.client({ ...testClientSettings(), groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'] }),
    TLSEngine.server({ ...testServerSettings(), groups: ['secp256r1'] }),
    7,
  );
  t.true(client.outcome.helloRetried);
  t.true(server.outcome.helloRetried);
  t.is(client.outcome.group, 'secp256r1');
  client.writePlaintext(text('after retry'));
  pump(client, server);
  t.is(str(server.readPlaintext()), 'after retry');
});

test('HelloRetryRequest without middlebox compatibility', (t) => {
  const { client, server } = connect(
    TLSEngine.client({ ...testClientSettings(), groups: ['x25519', 'secp384r1'], keyShareGroups: ['x25519'], middleboxCompatibility: false }),
    TLSEngine.server({ ...testServerSettings(), groups: ['secp384r1'] }),
  );
  t.true(client.outcome.helloRetried && server.handshakeComplete);
});

test('client certificate required and sent', (t) => {
  const { server } = connect(
    TLSEngine.client(testClientSettings(clientIdentity)),
    TLSEngine.server(testServerSettings('ecdsa', { requestCert: true })),
  );
  t.true(server.handshakeComplete);
  t.is(server.outcome.peerCertificates.length, 1);
});

test('client certificate required but absent: certificate_required', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server(testServerSettings('ecdsa', { requestCert: true }));
  const error = t.throws(() => pump(client, server), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'certificate_required');
  t.is(server.error?.alert, 'certificate_required');
  t.is((server.error as TLSAlertError | undefined)?.direction, 'sent');
  // The client, fed the alert, reports it as received.
  t.throws(() => client.feed(concat(server.takeOutgoing())), { message: /certificate_required/ });
  t.is((client.error as TLSAlertError | undefined)?.direction, 'received');
});

test('client certificate requested but optional: empty Certificate accepted', (t) => {
  const { client, server } = connect(
    TLSEngine.client(testClientSettings()),
    TLSEngine.server(testServerSettings('ecdsa', { requestCert: true, rejectUnauthorized: false })),
  );
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.is(server.outcome.peerCertificates.length, 0);
});

test('KeyUpdate with update_requested is answered and data still flows', (t) => {
  const { client, server } = connect(TLSEngine.client(testClientSettings()), TLSEngine.server(testServerSettings()));
  client.updateKeys(true);
  pump(client, server);
  client.writePlaintext(text('c->s'));
  server.writePlaintext(text('s->c'));
  pump(client, server);
  t.is(str(server.readPlaintext()), 'c->s');
  t.is(str(client.readPlaintext()), 's->c');
});

test('vectored writes pack into full 16 KiB records', (t) => {
  const { client, server } = connect(TLSEngine.client(testClientSettings()), TLSEngine.server(testServerSettings()));
  const pieces = Array.from({ length: 100 }, (_, i) => new Uint8Array(1000).fill(i));
  client.writePlaintext(pieces);
  const records = client.takeOutgoing();
  t.is(records.length, Math.ceil(100_000 / 16384));
  t.is(records[0]!.length, 5 + 16384 + 1 + 16);
  server.feed(concat(records));
  t.is(server.readPlaintext().length + server.plaintextBuffered, 100_000);
});

test('server name mismatch: the client fails with CertificateVerificationError and sends bad_certificate', (t) => {
  const client = TLSEngine.client(testClientSettings({ servername: 'example.com' }));
  const server = TLSEngine.server(testServerSettings());
  const error = t.throws(() => pump(client, server), { instanceOf: CertificateVerificationError }) as CertificateVerificationError;
  t.is(error.reason, 'hostname_mismatch');
  t.is(error.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  t.is(error.alert, 'bad_certificate');
  t.throws(() => server.feed(concat(client.takeOutgoing())), { instanceOf: TLSAlertError, message: /bad_certificate/ });
  t.is((server.error as TLSAlertError | undefined)?.direction, 'received');
});

test('untrusted server: CertificateVerificationError that sends unknown_ca; rejectUnauthorized false accepts it', (t) => {
  const client = TLSEngine.client(testClientSettings({ ca: [] }));
  const error = t.throws(() => pump(client, TLSEngine.server(testServerSettings())), { instanceOf: CertificateVerificationError }) as CertificateVerificationError;
  t.is(error.alert, 'unknown_ca');
  const lax = connect(TLSEngine.client(testClientSettings({ ca: [], rejectUnauthorized: false })), TLSEngine.server(testServerSettings()));
  t.true(lax.client.handshakeComplete);
});

test('keylog lines in NSS format', (t) => {
  const lines: string[] = [];
  connect(TLSEngine.client(testClientSettings({ keylog: (l) => lines.push(l) })), TLSEngine.server(testServerSettings()));
  t.deepEqual(
    lines.map((l) => l.split(' ')[0]),
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'],
  );
  t.regex(lines[0]!, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/);
});

test('a flood of KeyUpdate requests queues one answer, not one per request', (t) => {
  const { client, server } = connect(TLSEngine.client(testClientSettings()), TLSEngine.server(testServerSettings()));
  for (let i = 0; i < 32; i++) client.updateKeys(true); // 32 in a row is the limit that must still work
  server.feed(concat(client.takeOutgoing()));
  const answer = server.takeOutgoing();
  t.is(answer.length, 1);
  server.writePlaintext(text('still in step'));
  client.feed(concat([...answer, ...server.takeOutgoing()]));
  t.is(str(client.readPlaintext()), 'still in step');
});

test('a forged CertificateVerify signature is decrypt_error', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server({ ...testServerSettings(), signer: () => new Uint8Array(72).fill(0x30) });
  const error = t.throws(() => pump(client, server), { instanceOf: TLSAlertError }) as TLSAlertError;
  t.is(error.alert, 'decrypt_error');
  t.is((client.error as TLSAlertError | undefined)?.direction, 'sent');
  t.throws(() => server.feed(concat(client.takeOutgoing())));
  t.is(server.error?.alert, 'decrypt_error');
  t.is((server.error as TLSAlertError | undefined)?.direction, 'received');
});

test('no ALPN protocol in common is no_application_protocol; no group or suite in common is handshake_failure', (t) => {
  const alpn = t.throws(() =>
    pump(TLSEngine.client(testClientSettings({ ALPNProtocols: ['h2'] })), TLSEngine.server(testServerSettings('ecdsa', { ALPNProtocols: ['http/1.1'] }))),
  ) as TLSAlertError;
  t.is(alpn.alert, 'no_application_protocol');
  const groups = t.throws(() =>
    pump(TLSEngine.client({ ...testClientSettings(), groups: ['secp384r1'] }), TLSEngine.server({ ...testServerSettings(), groups: ['x25519'] })),
  ) as TLSAlertError;
  t.is(groups.alert, 'handshake_failure');
  const suites = t.throws(() =>
    pump(
      TLSEngine.client(testClientSettings({ cipherSuites: ['TLS_AES_256_GCM_SHA384'] })),
      TLSEngine.server(testServerSettings('ecdsa', { cipherSuites: ['TLS_AES_128_GCM_SHA256'] })),
    ),
  ) as TLSAlertError;
  t.is(suites.alert, 'handshake_failure');
});

test('expired certificates are certificate_expired (the engine clock decides)', (t) => {
  const client = TLSEngine.client({ ...testClientSettings(), now: () => Date.UTC(2100, 0, 1) });
  const error = t.throws(() => pump(client, TLSEngine.server(testServerSettings()))) as TLSAlertError;
  t.is(error.alert, 'certificate_expired');
});
