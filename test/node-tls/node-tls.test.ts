/**
 * node-tls specifics: the client's abort alert under every TLS 1.3 suite and in TLS 1.2,
 * configured groups and suites, key logging, client certificates, configuration errors.
 */
import test from 'ava';
import { NodeTLSService } from '../../adapters/node-tls/index.js';
import { memoryPair } from '../../src/raw/memory.js';
import { CertificateVerificationError, ConfigurationError, TLSAlertError } from '../../src/errors.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { clientCertificate, localhostECDSA, localhostEd25519, localhostRSA, testCA, untrustedLocalhost } from '../fixtures/certs.js';

async function negotiate(client: ClientConfiguration, server: ServerConfiguration) {
  const [a, b] = memoryPair();
  const c = new NodeTLSService();
  const s = new NodeTLSService();
  const [cr, sr] = await Promise.allSettled([
    c.negotiateAsClient(a, { ca: testCA, servername: 'localhost', ...client }),
    s.negotiateAsServer(b, server),
  ]);
  return { c, s, cr, sr };
}

for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  test(`untrusted CA under ${suite}: the server receives unknown_ca`, async (t) => {
    const { cr, sr } = await negotiate({ cipherSuites: [suite] }, { ...untrustedLocalhost, cipherSuites: [suite] });
    t.true(cr.status === 'rejected' && cr.reason instanceof CertificateVerificationError);
    t.true(sr.status === 'rejected' && sr.reason instanceof TLSAlertError);
    if (sr.status === 'rejected') t.like(sr.reason, { alert: 'unknown_ca', direction: 'received' });
  });

  test(`${suite} is negotiated when configured`, async (t) => {
    const { c, s, cr, sr } = await negotiate({ cipherSuites: [suite] }, { ...localhostECDSA, cipherSuites: [suite] });
    t.is(cr.status, 'fulfilled');
    t.is(sr.status, 'fulfilled');
    t.is(c.negotiated.cipherSuite, suite);
    t.is(s.negotiated.cipherSuite, suite);
    await c.close();
    await s.close();
  });
}

test('TLS 1.2: a wrong CA gives the server a plaintext unknown_ca alert', async (t) => {
  const { cr, sr } = await negotiate({ maxVersion: 'TLSv1.2' }, untrustedLocalhost);
  t.true(cr.status === 'rejected' && cr.reason instanceof CertificateVerificationError);
  if (sr.status === 'rejected') t.like(sr.reason, { alert: 'unknown_ca', direction: 'received' });
  else t.fail('server accepted');
});

test('rejectUnauthorized: false accepts an untrusted server', async (t) => {
  const { c, s, cr, sr } = await negotiate({ rejectUnauthorized: false }, untrustedLocalhost);
  t.is(cr.status, 'fulfilled');
  t.is(sr.status, 'fulfilled');
  await c.close();
  await s.close();
});

test('groups, RSA and Ed25519 leaves, TLS 1.2, and the negotiated parameters', async (t) => {
  const p256 = await negotiate({ groups: ['P-256'] }, localhostRSA);
  t.is(p256.c.negotiated.group, 'P-256');
  t.is(p256.s.negotiated.group, undefined, 'node:tls cannot tell the server');
  t.is(p256.c.negotiated.peerCertificates.length, 1, 'the chain as the server sent it: the leaf alone');
  t.is(p256.c.negotiated.verifiedChain?.length, 2, 'the verified path: the leaf and the CA that anchors it');
  const ed = await negotiate({}, localhostEd25519);
  t.is(ed.c.negotiated.protocol, 'TLSv1.3');
  const v12 = await negotiate({ maxVersion: 'TLSv1.2' }, localhostECDSA);
  t.is(v12.c.negotiated.protocol, 'TLSv1.2');
  t.regex(v12.c.negotiated.cipherSuite ?? '', /^TLS_ECDHE_ECDSA_WITH_/);
  for (const r of [p256, ed, v12]) await Promise.all([r.c.close(), r.s.close()]);
});

test('keylog delivers NSS lines; client certificates are verified by the server', async (t) => {
  const lines: string[] = [];
  const { c, s, cr, sr } = await negotiate(
    { ...clientCertificate, keylog: (line) => lines.push(line) },
    { ...localhostECDSA, ca: testCA, requestCert: true },
  );
  t.is(cr.status, 'fulfilled');
  t.is(sr.status, 'fulfilled');
  t.true(lines.some((l) => /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+$/.test(l)));
  t.is(s.negotiated.peerCertificates.length >= 1, true);
  await Promise.all([c.close(), s.close()]);

  const anonymous = await negotiate({}, { ...localhostECDSA, ca: testCA, requestCert: true });
  t.is(anonymous.sr.status, 'rejected', 'a client without a certificate is refused');
});

test('bad configuration is a ConfigurationError', async (t) => {
  const [, b] = memoryPair();
  await t.throwsAsync(new NodeTLSService().negotiateAsServer(b, {}), { instanceOf: ConfigurationError });
  const [a] = memoryPair();
  await t.throwsAsync(new NodeTLSService().negotiateAsClient(a, { groups: ['no-such-group'] }), { instanceOf: ConfigurationError });
});
