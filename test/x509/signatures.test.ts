/**
 * Certificate signatures through the crypto provider, on OpenSSL-made fixtures: RSA
 * PKCS#1 v1.5 (SHA-256/384), RSA-PSS (rsaEncryption and RSASSA-PSS keys), Ed25519,
 * ECDSA P-384; unsupported ones (SHA-1, PSS with a foreign salt) fail cleanly; and real
 * certificates: RFC 8448's RSA certificate and public roots from tls.rootCertificates.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { DerReader } from '../../src/x509/der.js';
import {
  CertificateParseError, checkCertificateSignature, parseCertificate, parseCertificateChain, subjectPublicKeyOf, verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { FIXTURE_TIME, failsWith, fixtureDer } from './helpers.js';

const at = FIXTURE_TIME;

test('an RSA-2048 chain (SHA-384 intermediate, SHA-256 leaf) validates', (t) => {
  const chain = verifyCertificateChainSync({
    leaf: fixtureDer('rsa-leaf.pem'),
    intermediates: [fixtureDer('rsa-intermediate.pem')],
    trustAnchors: [fixtureDer('rsa-root.pem')],
    hostname: 'x.rsa.example.com',
    at,
  });
  t.deepEqual(chain.map((c) => c.signatureAlgorithm), [
    { kind: 'rsa-pkcs1', hash: 'SHA-256' },
    { kind: 'rsa-pkcs1', hash: 'SHA-384' },
    { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  ]);
  t.is(chain[0]!.publicKey.kind, 'rsa');
});

test('an RSA-PSS signature by an rsaEncryption key validates; its parameters are parsed', (t) => {
  const leaf = parseCertificate(fixtureDer('rsa-pss-signed-leaf.pem'));
  t.deepEqual(leaf.signatureAlgorithm, { kind: 'rsa-pss', hash: 'SHA-256' });
  const chain = verifyCertificateChainSync({
    leaf: leaf.der, intermediates: [fixtureDer('rsa-intermediate.pem')], trustAnchors: [fixtureDer('rsa-root.pem')], at,
  });
  t.is(chain.length, 3);
});

test('an RSASSA-PSS root key signs with PSS SHA-384 and may not be used for PKCS#1', (t) => {
  const root = parseCertificate(fixtureDer('rsa-pss-root.pem'));
  t.is(root.publicKeyAlgorithm, 'rsassa-pss');
  t.true(checkCertificateSignature(root, subjectPublicKeyOf(root), nobleCryptoProvider).valid);
  const chain = verifyCertificateChainSync({ leaf: fixtureDer('rsa-pss-root-leaf.pem'), trustAnchors: [root.der], at });
  t.deepEqual(chain[0]!.signatureAlgorithm, { kind: 'rsa-pss', hash: 'SHA-384' });
  const pkcs1Leaf = parseCertificate(fixtureDer('rsa-leaf.pem'));
  const check = checkCertificateSignature(pkcs1Leaf, subjectPublicKeyOf(root), nobleCryptoProvider);
  t.false(check.valid);
});

test('an Ed25519 chain and a P-384 root validate', (t) => {
  t.is(verifyCertificateChainSync({ leaf: fixtureDer('ed25519-leaf.pem'), trustAnchors: [fixtureDer('ed25519-root.pem')], at }).length, 2);
  const chain = verifyCertificateChainSync({ leaf: fixtureDer('p384-root-rsa-leaf.pem'), trustAnchors: [fixtureDer('p384-root.pem')], at });
  t.deepEqual(chain[0]!.signatureAlgorithm, { kind: 'ecdsa', hash: 'SHA-384' });
});

test('SHA-1 and PSS with a salt other than the hash length are unsupported, not accepted', async (t) => {
  const intermediates = [fixtureDer('rsa-intermediate.pem')];
  const trustAnchors = [fixtureDer('rsa-root.pem')];
  await failsWith(t, 'unsupported_signature_algorithm', () => verifyCertificateChainSync({ leaf: fixtureDer('sha1-leaf.pem'), intermediates, trustAnchors, at }));
  await failsWith(t, 'unsupported_signature_algorithm', () => verifyCertificateChainSync({ leaf: fixtureDer('rsa-pss-salt20-leaf.pem'), intermediates, trustAnchors, at }));
});

test('the RFC 8448 RSA certificate validates as its own anchor; its 1024-bit self-signature verifies on request', async (t) => {
  // The shared PEM carries two extra zero bytes after the certificate (the CertificateEntry
  // extensions length from the RFC 8448 trace): strict DER refuses the whole, so take the
  // one certificate element it starts with.
  const decoded = fixtureDer('rfc8448-server.pem');
  t.throws(() => parseCertificate(decoded), { instanceOf: CertificateParseError, message: /trailing bytes/ });
  const der = new DerReader(decoded).read('certificate').encoded;
  t.is(der.length, decoded.length - 2);
  const inRange = new Date('2024-01-01T00:00:00Z');
  await failsWith(t, 'weak_key', () => verifyCertificateChainSync({ leaf: der, trustAnchors: [der], at: inRange }));
  const chain = verifyCertificateChainSync({ leaf: der, trustAnchors: [der], at: inRange, minimumRsaModulusBits: 1024 });
  t.is(chain[0]!.subject.text, 'CN=rsa');
  t.is(chain[0]!.notAfter.toISOString(), '2026-07-30T01:23:59.000Z');
  await failsWith(t, 'expired', () => verifyCertificateChainSync({ leaf: der, trustAnchors: [der], at: new Date('2026-07-31T00:00:00Z'), minimumRsaModulusBits: 1024 }));
  const certificate = chain[0]!;
  t.deepEqual(checkCertificateSignature(certificate, subjectPublicKeyOf(certificate), nobleCryptoProvider, { minimumRsaModulusBits: 1024 }), { valid: true });
  t.is(checkCertificateSignature(certificate, subjectPublicKeyOf(certificate), nobleCryptoProvider).valid, false, 'below the default 2048 bits');
});

function findRoot(predicate: (certificate: ReturnType<typeof parseCertificate>) => boolean, subjectPart: string) {
  for (const pem of rootCertificates) {
    if (!new X509Certificate(pem).subject.includes(subjectPart)) continue;
    const certificate = parseCertificate(parseCertificateChain(pem)[0]!);
    if (predicate(certificate)) return certificate;
  }
  return undefined;
}

test('real public roots from tls.rootCertificates: a self-signed RSA one and an ECDSA one', (t) => {
  const rsa = findRoot((c) => c.publicKey.kind === 'rsa' && c.signatureAlgorithm.kind === 'rsa-pkcs1', 'ISRG Root X1')
    ?? findRoot((c) => c.publicKey.kind === 'rsa' && c.signatureAlgorithm.kind === 'rsa-pkcs1', 'CN=');
  const ecdsa = findRoot((c) => c.publicKey.kind === 'ec' && c.signatureAlgorithm.kind === 'ecdsa', 'ISRG Root X2')
    ?? findRoot((c) => c.publicKey.kind === 'ec' && c.signatureAlgorithm.kind === 'ecdsa' && c.signatureAlgorithm.hash === 'SHA-384', 'CN=');
  for (const root of [rsa, ecdsa]) {
    t.truthy(root);
    if (!root) continue;
    const mid = new Date((root.notBefore.getTime() + root.notAfter.getTime()) / 2);
    t.is(verifyCertificateChainSync({ leaf: root.der, trustAnchors: [root.der], at: mid }).length, 1);
    t.deepEqual(checkCertificateSignature(root, subjectPublicKeyOf(root), nobleCryptoProvider), { valid: true }, root.subject.text);
    t.true(root.extensions.basicConstraints?.cA);
  }
});

test('every root Node bundles parses', (t) => {
  for (const pem of rootCertificates) {
    t.notThrows(() => parseCertificate(parseCertificateChain(pem)[0]!), new X509Certificate(pem).subject);
  }
});
