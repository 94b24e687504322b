/**
 * Development certificates against Node: crypto.X509Certificate parses them and verifies
 * their signatures, node:crypto loads their PKCS#8 keys, and a node:tls server with an
 * issued certificate completes a handshake with a node:tls client that trusts the CA.
 */
import test from 'ava';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import {
  type GeneratedKeyType, createDevelopmentCA, issueCertificate, parseCertificate, verifyCertificateChainSync,
} from '../../src/x509/index.js';

const keyTypes: GeneratedKeyType[] = ['P-256', 'P-384', 'Ed25519'];

for (const keyType of keyTypes) {
  test(`${keyType}: Node parses the CA and leaf and verifies both signatures`, (t) => {
    const ca = createDevelopmentCA({ commonName: `Dev ${keyType} CA`, keyType });
    const leaf = issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], keyType });
    const nodeCA = new X509Certificate(ca.pem);
    const nodeLeaf = new X509Certificate(leaf.pem);
    t.true(nodeCA.ca);
    t.false(nodeLeaf.ca);
    t.true(nodeCA.verify(nodeCA.publicKey));
    t.true(nodeLeaf.verify(nodeCA.publicKey));
    t.true(nodeLeaf.checkIssued(nodeCA));
    t.is(nodeLeaf.checkHost('localhost'), 'localhost');
    t.is(nodeLeaf.checkIP('::1'), '::1');
    t.is(createPrivateKey(leaf.privateKeyPem).asymmetricKeyType, keyType === 'Ed25519' ? 'ed25519' : 'ec');
    t.true(nodeLeaf.publicKey.equals(createPublicKey(leaf.privateKeyPem)), 'the key belongs to the certificate');
  });
}

test('issued certificates carry what was asked for', (t) => {
  const ca = createDevelopmentCA({ commonName: 'Fields CA', keyType: 'P-384', pathLen: 2 });
  const notBefore = new Date('2030-01-01T00:00:00Z');
  const notAfter = new Date('2060-01-01T00:00:00Z');
  const leaf = issueCertificate(ca, { commonName: 'svc', organization: 'Org', dnsNames: ['svc.test'], ipAddresses: ['10.0.0.1'], notBefore, notAfter, extKeyUsage: ['serverAuth'] });
  const parsed = parseCertificate(leaf.der);
  t.is(parsed.subject.text, 'CN=svc,O=Org');
  t.is(parsed.issuer.text, 'CN=Fields CA');
  t.is(parsed.notBefore.getTime(), notBefore.getTime());
  t.is(parsed.notAfter.getTime(), notAfter.getTime(), 'GeneralizedTime after 2049');
  t.deepEqual(parsed.extensions.subjectAltNames?.map((name) => name.kind), ['dns', 'ip']);
  t.deepEqual(parsed.extensions.extendedKeyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.deepEqual(parsed.extensions.basicConstraints, { cA: false });
  t.deepEqual([...parsed.extensions.keyUsage!], ['digitalSignature']);
  t.deepEqual(ca.certificate.extensions.basicConstraints, { cA: true, pathLength: 2 });
  t.deepEqual([...parsed.extensions.authorityKeyIdentifier!], [...ca.certificate.extensions.subjectKeyIdentifier!]);
  t.deepEqual(parsed.signatureAlgorithm, { kind: 'ecdsa', hash: 'SHA-384' });
});

for (const keyType of keyTypes) {
  test.serial(`${keyType}: node:tls accepts the leaf and key as a server certificate and trusts the CA`, async (t) => {
    const ca = createDevelopmentCA({ commonName: `Handshake ${keyType} CA`, keyType });
    const intermediate = issueCertificate(ca, { commonName: `Handshake ${keyType} Intermediate`, isCA: true, keyType });
    const leaf = issueCertificate(intermediate, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType });
    const server = tls.createServer({ cert: leaf.pem + intermediate.pem, key: leaf.privateKeyPem, minVersion: 'TLSv1.3' }, (socket) => {
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { authorized, text, peerChain } = await new Promise<{ authorized: boolean; text: string; peerChain: Uint8Array[] }>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.pem }, () => {
          const peer = socket.getPeerCertificate(true);
          const chain = [new Uint8Array(peer.raw), new Uint8Array(peer.issuerCertificate.raw)];
          let text = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (text += chunk));
          socket.on('end', () => resolve({ authorized: socket.authorized, text, peerChain: chain }));
        });
        socket.on('error', reject);
      });
      t.true(authorized);
      t.is(text, 'hello');
      // And our verifier accepts what node:tls received.
      const chain = verifyCertificateChainSync({ leaf: peerChain[0]!, intermediates: peerChain.slice(1), trustAnchors: [ca.der], hostname: 'localhost' });
      t.is(chain.length, 3);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
}
