/**
 * node-tls specifics: the client's abort alert under every TLS 1.3 suite and in TLS 1.2
 * on both transports (in memory: the Duplex path; TCP: the native path, TLSSocket over
 * the socket itself), which path a raw connection takes, configured groups and suites,
 * key logging, client certificates, configuration errors.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { NodeTLSService } from '../../adapters/node-tls/index.js';
import { rawPair } from '../../spec/harness.js';
import { CountingRawConnection } from '../../src/raw/counting.js';
import { memoryPair } from '../../src/raw/memory.js';
import { ConnectionClosedError } from '../../src/errors.js';
import { CertificateVerificationError, ConfigurationError, TLSAlertError } from '../../src/errors.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { createDevelopmentCA, issueCertificate } from '../../src/x509/index.js';
import { clientCertificate, localhostECDSA, localhostEd25519, localhostRSA, testCA, untrustedLocalhost } from '../fixtures/certs.js';

async function negotiate(client: ClientConfiguration, server: ServerConfiguration, transport: 'memory' | 'tcp' = 'memory') {
  const [a, b] = await rawPair(transport);
  const c = new NodeTLSService();
  const s = new NodeTLSService();
  const [cr, sr] = await Promise.allSettled([
    c.negotiateAsClient(a, { ca: testCA, servername: 'localhost', ...client }),
    s.negotiateAsServer(b, server),
  ]);
  return { c, s, cr, sr };
}

for (const transport of ['memory', 'tcp'] as const) {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    // RFC 8446 section 6.2: the client's alert, protected under its handshake traffic key, replaces its Finished.
    test(`${transport}: untrusted CA under ${suite}: the server receives unknown_ca`, async (t) => {
      const { cr, sr } = await negotiate({ cipherSuites: [suite] }, { ...untrustedLocalhost, cipherSuites: [suite] }, transport);
      t.true(cr.status === 'rejected' && cr.reason instanceof CertificateVerificationError);
      t.true(sr.status === 'rejected' && sr.reason instanceof TLSAlertError);
      if (sr.status === 'rejected') t.like(sr.reason, { alert: 'unknown_ca', direction: 'received' });
    });
  }

  test(`${transport}: TLS 1.2: a wrong CA gives the server a plaintext unknown_ca alert`, async (t) => {
    const { cr, sr } = await negotiate({ maxVersion: 'TLSv1.2' }, untrustedLocalhost, transport);
    t.true(cr.status === 'rejected' && cr.reason instanceof CertificateVerificationError);
    if (sr.status === 'rejected') t.like(sr.reason, { alert: 'unknown_ca', direction: 'received' });
    else t.fail('server accepted');
  });
}

test('a TCP connection lends its socket to node:tls (OpenSSL does the IO); a decorated one goes through the Duplex', async (t) => {
  const [a, b] = await rawPair('tcp');
  const counted = new CountingRawConnection(b);
  const c = new NodeTLSService();
  const s = new NodeTLSService();
  await Promise.all([c.negotiateAsClient(a, { ca: testCA, servername: 'localhost' }), s.negotiateAsServer(counted, localhostECDSA)]);
  await t.throwsAsync(a.receiveBytes(1), { instanceOf: ConnectionClosedError }, 'the client socket is lent to TLSSocket');
  t.true(counted.reads.length > 0 && counted.writes.length > 0, 'the decorated server end saw every read and write');
  await c.sendBytes(new TextEncoder().encode('over both paths'));
  t.is(new TextDecoder().decode(await s.receiveBytes(100)), 'over both paths');
  await Promise.all([c.close(), s.close()]);
});

for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
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

// Serial: it counts calls on TLSSocket.prototype, which concurrent tests would add to.
test.serial('tcp: the linked chain is built only when negotiated asks for it (no getPeerCertificate(true) in the handshake)', async (t) => {
  const prototype = tls.TLSSocket.prototype;
  const original = prototype.getPeerCertificate;
  let linkedReads = 0;
  prototype.getPeerCertificate = function (this: tls.TLSSocket, detailed?: boolean) {
    if (detailed === true) linkedReads++;
    return original.call(this, detailed as true);
  } as typeof original;
  try {
    const { c, s, cr, sr } = await negotiate({}, localhostECDSA, 'tcp');
    t.teardown(() => Promise.all([c.close(), s.close()]));
    t.is(cr.status, 'fulfilled');
    t.is(sr.status, 'fulfilled');
    t.is(linkedReads, 0, 'verification and the host-name check read the leaf alone');
    t.is(c.negotiated.verifiedChain?.length, 2, 'the leaf and the CA that anchors it, read now');
    t.is(linkedReads, 1);
    t.is(c.negotiated.peerCertificates.length, 2, 'the native path reports the linked chain');
    t.is(linkedReads, 1, 'read once');
    const unverified = await negotiate({ rejectUnauthorized: false }, localhostECDSA, 'tcp');
    t.teardown(() => Promise.all([unverified.c.close(), unverified.s.close()]));
    t.is(unverified.cr.status, 'fulfilled');
    t.is(linkedReads, 1, "rejectUnauthorized: false: node:tls's own host-name check gets the leaf alone too");
    t.is(unverified.c.negotiated.peerCertificates.length, 2);
  } finally {
    prototype.getPeerCertificate = original;
  }
});

test('tcp: the chain first read after close still answers: the leaf and its configured anchor', async (t) => {
  const { c, s, cr, sr } = await negotiate({}, localhostECDSA, 'tcp');
  t.is(cr.status, 'fulfilled');
  t.is(sr.status, 'fulfilled');
  await Promise.all([c.close(), s.close()]);
  const [leaf, anchor] = c.negotiated.verifiedChain ?? [];
  t.deepEqual(Buffer.from(leaf ?? []), new X509Certificate(localhostECDSA.cert).raw, 'the leaf the handshake kept');
  t.deepEqual(Buffer.from(anchor ?? []), new X509Certificate(testCA).raw, 'the CA from the configuration');
  t.is(c.negotiated.peerCertificates.length, 2, 'as the open connection would have linked it');
  t.is(c.negotiated.protocol, 'TLSv1.3', 'the other fields answer too');

  const mutual = await negotiate(clientCertificate, { ...localhostECDSA, ca: testCA, requestCert: true }, 'tcp');
  t.is(mutual.sr.status, 'fulfilled');
  await Promise.all([mutual.c.close(), mutual.s.close()]);
  const [clientLeaf, clientAnchor] = mutual.s.negotiated.verifiedChain ?? [];
  t.deepEqual(Buffer.from(clientLeaf ?? []), new X509Certificate(clientCertificate.cert).raw, "the server kept the client's leaf");
  t.deepEqual(Buffer.from(clientAnchor ?? []), new X509Certificate(testCA).raw);
});

test('memory: a chain first read after close is relinked through the intermediates the server sent, as OpenSSL linked it while open', async (t) => {
  const root = createDevelopmentCA({ commonName: 'Relink Root' });
  const intermediate = issueCertificate(root, { commonName: 'Relink Intermediate', isCA: true });
  const leaf = issueCertificate(intermediate, { dnsNames: ['localhost'] });
  const extra = createDevelopmentCA({ commonName: 'Relink Extra' });
  // RFC 8446 section 4.4.2: the sent list may carry an unrelated certificate; the linked path skips it.
  const server = { key: leaf.privateKeyPem, cert: leaf.pem + extra.pem + intermediate.pem };
  const hex = (chain: readonly Uint8Array[] | undefined) => chain?.map((der) => Buffer.from(der).toString('hex'));
  const open = await negotiate({ ca: root.pem }, server);
  t.is(open.cr.status, 'fulfilled');
  const whileOpen = hex(open.c.negotiated.verifiedChain);
  await Promise.all([open.c.close(), open.s.close()]);
  t.deepEqual(whileOpen, hex([leaf.der, intermediate.der, root.der]), 'OpenSSL: leaf, intermediate, anchor');

  const closed = await negotiate({ ca: root.pem }, server);
  t.is(closed.cr.status, 'fulfilled');
  await Promise.all([closed.c.close(), closed.s.close()]);
  t.deepEqual(hex(closed.c.negotiated.verifiedChain), whileOpen, 'rebuilt after close from the sent certificates and the anchor');
  t.deepEqual(hex(closed.c.negotiated.peerCertificates), hex([leaf.der, extra.der, intermediate.der]), 'the chain as sent');
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
