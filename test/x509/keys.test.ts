/**
 * Loading PEM/DER certificates and private keys: every key container (PKCS#8, SEC1 with
 * and without the public point, PKCS#1, DER), clear errors for encrypted and unsupported
 * keys, PEM bundles, and trust anchors from `ca` replacing the defaults.
 */
import test from 'ava';
import { ConfigurationError } from '../../src/errors.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import {
  createDevelopmentCA, encodePkcs8, nodeRootTrustAnchors, parseCertificateChain, parsePrivateKey, publicKeyOf, toPem,
  trustAnchorsFrom,
} from '../../src/x509/index.js';
import { fixtureBytes, fixtureText } from './helpers.js';

const message = new TextEncoder().encode('signed by a loaded key');

test('PKCS#8, SEC1 and DER P-256 keys load to the same key; a missing public point is computed', (t) => {
  const pkcs8 = parsePrivateKey(fixtureText('p256-pkcs8.key'));
  const sec1 = parsePrivateKey(fixtureText('p256-sec1.key'));
  const noPublic = parsePrivateKey(fixtureText('p256-sec1-no-public.key'));
  const der = parsePrivateKey(fixtureBytes('p256-pkcs8.der'));
  const pemBytes = parsePrivateKey(fixtureBytes('p256-pkcs8.key'));
  t.is(pkcs8.kind, 'ec');
  for (const key of [sec1, noPublic, der, pemBytes]) t.deepEqual(key, pkcs8);
  const signature = nobleCryptoProvider.sign('ecdsa_secp256r1_sha256', pkcs8, message, nobleCryptoProvider.random);
  t.true(nobleCryptoProvider.verify('ecdsa_secp256r1_sha256', publicKeyOf(pkcs8), message, signature));
});

test('P-384 SEC1, RSA PKCS#1 and PKCS#8, and Ed25519 PKCS#8 keys load', (t) => {
  const p384 = parsePrivateKey(fixtureText('p384-sec1.key'));
  t.like(p384, { kind: 'ec', curve: 'P-384' });
  const rsa1 = parsePrivateKey(fixtureText('rsa-pkcs1.key'));
  const rsa8 = parsePrivateKey(fixtureText('rsa-leaf.key'));
  t.deepEqual(rsa1, rsa8);
  t.is(rsa1.kind, 'rsa');
  const pss = parsePrivateKey(fixtureText('rsa-pss-root.key'));
  t.like(pss, { kind: 'rsa', pssOnly: true });
  const ed = parsePrivateKey(fixtureText('ed25519-leaf.key'));
  t.is(ed.kind, 'ed25519');
  const signature = nobleCryptoProvider.sign('ed25519', ed, message, nobleCryptoProvider.random);
  t.true(nobleCryptoProvider.verify('ed25519', publicKeyOf(ed), message, signature));
});

test('keys written as PKCS#8 read back', (t) => {
  for (const name of ['p384-sec1.key', 'rsa-pkcs1.key', 'ed25519-leaf.key', 'rsa-pss-root.key']) {
    const key = parsePrivateKey(fixtureText(name));
    t.deepEqual(parsePrivateKey(toPem('PRIVATE KEY', encodePkcs8(key))), key, name);
  }
});

test('encrypted keys are a ConfigurationError that says so', (t) => {
  for (const name of ['p256-encrypted.key', 'rsa-pkcs1-encrypted.key']) {
    const error = t.throws(() => parsePrivateKey(fixtureText(name)), { instanceOf: ConfigurationError });
    t.regex(error!.message, /encrypted/);
  }
});

test('unsupported and malformed keys are ConfigurationErrors', (t) => {
  const x25519 = t.throws(() => parsePrivateKey(fixtureText('x25519.key')), { instanceOf: ConfigurationError });
  t.regex(x25519!.message, /unsupported/);
  t.throws(() => parsePrivateKey('no key here'), { instanceOf: ConfigurationError });
  t.throws(() => parsePrivateKey(fixtureText('rsa-leaf.pem')), { instanceOf: ConfigurationError });
  t.throws(() => parsePrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01)), { instanceOf: ConfigurationError });
  const broken = fixtureText('p256-pkcs8.key').replace(/\n[A-Za-z0-9+/]{4}/, '\n!!!!');
  t.throws(() => parsePrivateKey(broken), { instanceOf: ConfigurationError });
});

test('parseCertificateChain reads PEM bundles, PEM bytes, DER and lists of them, in order', (t) => {
  const bundle = fixtureText('rsa-leaf.pem') + 'comment between blocks\n' + fixtureText('rsa-intermediate.pem');
  const fromText = parseCertificateChain(bundle);
  t.is(fromText.length, 2);
  t.deepEqual(parseCertificateChain(new TextEncoder().encode(bundle)), fromText);
  t.deepEqual([...parseCertificateChain(fixtureBytes('rsa-leaf.der'))[0]!], [...fromText[0]!]);
  t.is(parseCertificateChain([bundle, fixtureBytes('rsa-leaf.der')]).length, 3);
  t.throws(() => parseCertificateChain(fixtureText('rsa-leaf.key')), { instanceOf: ConfigurationError });
});

test('trustAnchorsFrom: ca replaces the defaults; no ca gives Node\'s bundled roots', (t) => {
  const ca = createDevelopmentCA({ commonName: 'Configured CA' });
  const anchors = trustAnchorsFrom([ca.pem, fixtureText('rsa-root.pem')]);
  t.deepEqual(anchors.map((a) => a.subject.text), ['CN=Configured CA', 'CN=rsa-root,O=tlsservice fixtures']);
  const defaults = trustAnchorsFrom();
  t.true(defaults.length > 100);
  t.is(defaults, nodeRootTrustAnchors(), 'parsed once and cached');
  t.throws(() => trustAnchorsFrom(Uint8Array.of(0x30, 0x01)), { instanceOf: ConfigurationError });
});
