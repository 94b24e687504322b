/**
 * The certificate profile, one case per rule, each asserting the exact reason:
 * presence and criticality of extensions (RFC 5280 section 4.2, CA/Browser Forum BRs
 * 7.1.2), serial numbers (RFC 5280 section 4.1.2.2), keys (RSA 2048..8192 bits in whole
 * octets; DSA and other curves fail clearly), validity at whole seconds (RFC 5280
 * section 4.1.2.5) and maxDepth (OpenSSL's verify depth).
 */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import * as der from '../../src/x509/der-writer.js';
import { ConfigurationError } from '../../src/errors.js';
import {
  type CertificateOptions, type DevelopmentCertificate, createDevelopmentCA, issueCertificate, parsePrivateKey, verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

const DAY = 86_400_000;
const root = createDevelopmentCA({ commonName: 'Profile Root', notBefore: new Date(Date.now() - 30 * DAY) });
const intermediate = issueCertificate(root, { commonName: 'Profile Intermediate', isCA: true, notBefore: new Date(Date.now() - 30 * DAY) });

function verifyLeaf(leaf: DevelopmentCertificate, options: Partial<Parameters<typeof verifyCertificateChainSync>[0]> = {}) {
  return verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der], ...options });
}

function leaf(options: CertificateOptions = {}): DevelopmentCertificate {
  return issueCertificate(intermediate, { dnsNames: ['leaf.example'], ...options });
}

/** A chain through an intermediate made with `options`. */
function viaIntermediate(options: CertificateOptions, leafOptions: CertificateOptions = {}) {
  const ca = issueCertificate(root, { commonName: 'Odd Intermediate', isCA: true, ...options });
  const end = issueCertificate(ca, { dnsNames: ['leaf.example'], ...leafOptions });
  return () => verifyCertificateChainSync({ leaf: end.der, intermediates: [ca.der], trustAnchors: [root.der] });
}

test('a well-formed leaf and intermediate pass every rule', (t) => {
  t.is(verifyLeaf(leaf(), { hostname: 'leaf.example' }).length, 3);
});

test('RFC 5280 4.2.1.1: authorityKeyIdentifier is required below the anchor and never critical', async (t) => {
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ authorityKeyIdentifier: 'omit' })));
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ authorityKeyIdentifier: 'critical' })));
  await failsWith(t, 'invalid_extension', () => viaIntermediate({ authorityKeyIdentifier: 'omit' })());
  t.notThrows(() => verifyLeaf(leaf({ authorityKeyIdentifier: 'with-issuer' })), 'issuer and serial beside the keyIdentifier are fine');
});

test('RFC 5280 4.2.1.2: a CA certificate must carry a subjectKeyIdentifier', async (t) => {
  const aki = { oid: '2.5.29.35', critical: false, value: der.sequence([der.implicitPrimitive(0, new Uint8Array(20).fill(7))]) };
  const error = await failsWith(t, 'invalid_extension', viaIntermediate({ subjectKeyIdentifier: false }, { keyIdentifiers: false, extraExtensions: [aki] }));
  t.regex(error.message, /subjectKeyIdentifier/);
});

test('RFC 5280 4.2.1.6: subjectAltName is critical exactly when the subject is empty', async (t) => {
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ altNamesCritical: true })));
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ subject: [], altNamesCritical: false })));
  t.notThrows(() => verifyLeaf(leaf({ subject: [] }), { hostname: 'leaf.example' }));
});

test('RFC 5280 4.2.1.9: basicConstraints must be critical in a CA certificate', async (t) => {
  await failsWith(t, 'invalid_extension', viaIntermediate({ basicConstraintsCritical: false }));
});

test('a leaf with cA=TRUE or keyCertSign is a CA, not an end entity; pinned directly it is accepted', async (t) => {
  const caLeaf = leaf({ isCA: true, commonName: 'leaf.example' });
  await failsWith(t, 'ca_as_leaf', () => verifyLeaf(caLeaf));
  await failsWith(t, 'ca_as_leaf', () => verifyLeaf(leaf({ keyUsage: ['digitalSignature', 'keyCertSign'] })));
  // `openssl req -x509` makes exactly this: a self-signed cA=TRUE certificate, trusted by pinning it in ca.
  const pinned = createDevelopmentCA({ commonName: 'localhost', dnsNames: ['localhost'] });
  t.is(verifyCertificateChainSync({ leaf: pinned.der, trustAnchors: [pinned.der], hostname: 'localhost' }).length, 1);
});

test('RFC 5280 4.2.1.10: nameConstraints only in CA certificates', async (t) => {
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ nameConstraints: { permitted: ['leaf.example'] } })));
});

test('BRs 7.1.2.7.10: a leaf extendedKeyUsage must not be critical', async (t) => {
  await failsWith(t, 'extended_key_usage', () => verifyLeaf(leaf({ extKeyUsageCritical: true })));
});

test('RFC 5280 4.1.2.2: serial numbers are positive, non-zero, at most 20 octets', async (t) => {
  await failsWith(t, 'invalid_serial', () => verifyLeaf(leaf({ serialNumber: 0n })));
  await failsWith(t, 'invalid_serial', () => verifyLeaf(leaf({ serialNumberBytes: Uint8Array.of(0xff, 0x01) })));
  await failsWith(t, 'invalid_serial', () => verifyLeaf(leaf({ serialNumberBytes: new Uint8Array(21).fill(0x11) })));
  t.notThrows(() => verifyLeaf(leaf({ serialNumberBytes: Uint8Array.of(0, ...new Uint8Array(20).fill(0x99)) })), '20 octets with a sign octet');
  await failsWith(t, 'invalid_serial', viaIntermediate({ serialNumber: 0n }));
});

test('RFC 5280 4.2.2.1: authorityInfoAccess is parsed strictly and must not be critical', async (t) => {
  const uri = der.implicitPrimitive(6, new TextEncoder().encode('http://ca.example/issuer.crt'));
  const good = der.sequence([der.sequence([der.oid('1.3.6.1.5.5.7.48.2'), uri])]);
  t.notThrows(() => verifyLeaf(leaf({ extraExtensions: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, value: good }] })));
  await failsWith(t, 'invalid_extension', () => verifyLeaf(leaf({ extraExtensions: [{ oid: '1.3.6.1.5.5.7.1.1', critical: true, value: good }] })));
  const malformed = der.sequence([der.sequence([der.oid('1.3.6.1.5.5.7.48.2')])]);
  await failsWith(t, 'malformed', () => verifyLeaf(leaf({ extraExtensions: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, value: malformed }] })));
  await failsWith(t, 'malformed', () => verifyLeaf(leaf({ extraExtensions: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, value: der.sequence([]) }] })));
});

function rsaKey(bits: number) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
}

test('RSA keys in every certificate, leaf included: 2048..8192 bits in whole octets', async (t) => {
  t.notThrows(() => verifyLeaf(leaf({ key: rsaKey(2056) })));
  await failsWith(t, 'weak_key', () => verifyLeaf(leaf({ key: rsaKey(2040) })));
  await failsWith(t, 'weak_key', () => verifyLeaf(leaf({ key: rsaKey(2052) })));
  // A leaf's own key is never used to verify the chain, so an oversized one needs no private half.
  const modulus = new Uint8Array(1025).fill(0xab);
  modulus[1024] = 0x01;
  const spki = der.sequence([der.sequence([der.oid('1.2.840.113549.1.1.1'), der.nullValue()]), der.bitString(der.sequence([der.unsignedInteger(modulus), der.integer(65537)]))]);
  await failsWith(t, 'weak_key', () => verifyLeaf(leaf({ subjectPublicKeyInfo: spki })));
  const weakCA = viaIntermediate({ key: rsaKey(2040) });
  await failsWith(t, 'weak_key', weakCA);
});

test('DSA keys and curves we do not support fail with unsupported_key, naming them', async (t) => {
  const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey.export({ type: 'spki', format: 'der' });
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' });
  const dsaLeaf = await failsWith(t, 'unsupported_key', () => verifyLeaf(leaf({ subjectPublicKeyInfo: new Uint8Array(dsa) })));
  t.regex(dsaLeaf.message, /DSA/);
  const k1Leaf = await failsWith(t, 'unsupported_key', () => verifyLeaf(leaf({ subjectPublicKeyInfo: new Uint8Array(k1) })));
  t.regex(k1Leaf.message, /secp256k1/);
  // An intermediate we cannot read is reported as the cause, not as a missing issuer.
  const dsaCA = issueCertificate(root, { commonName: 'DSA Intermediate', isCA: true, subjectPublicKeyInfo: new Uint8Array(dsa) });
  // We cannot sign with the DSA key; a stand-in of the same name signs the leaf (the path fails before any signature check).
  const below = issueCertificate(createDevelopmentCA({ commonName: 'DSA Intermediate' }), { dnsNames: ['leaf.example'], authorityKeyIdentifier: 'omit', keyIdentifiers: false, extraExtensions: [{ oid: '2.5.29.35', critical: false, value: der.sequence([der.implicitPrimitive(0, new Uint8Array(20).fill(3))]) }] });
  const error = await failsWith(t, 'unsupported_key', () => verifyCertificateChainSync({ leaf: below.der, intermediates: [dsaCA.der], trustAnchors: [root.der] }));
  t.regex(error.message, /DSA/);
});

test('RFC 5280 4.1.2.5: validity is compared at whole seconds', (t) => {
  const notBefore = new Date('2031-01-01T00:00:00Z');
  const notAfter = new Date('2031-02-01T00:00:00Z');
  const timed = leaf({ notBefore, notAfter });
  t.notThrows(() => verifyLeaf(timed, { at: new Date(notAfter.getTime() + 999) }), 'still the last valid second');
  t.throws(() => verifyLeaf(timed, { at: new Date(notAfter.getTime() + 1000) }), { message: /expired/ });
  t.throws(() => verifyLeaf(timed, { at: new Date(notBefore.getTime() - 1) }), { message: /not valid before/ });
});

test('maxDepth counts the intermediates between leaf and anchor (OpenSSL verify depth)', async (t) => {
  const end = leaf();
  const error = await failsWith(t, 'too_deep', () => verifyLeaf(end, { maxDepth: 0 }));
  t.is(error.code, 'CERT_CHAIN_TOO_LONG');
  t.is(verifyLeaf(end, { maxDepth: 1 }).length, 3);
  const direct = issueCertificate(root, { dnsNames: ['leaf.example'] });
  t.is(verifyCertificateChainSync({ leaf: direct.der, trustAnchors: [root.der], maxDepth: 0 }).length, 2);
  t.throws(() => verifyLeaf(end, { maxDepth: -1 }), { instanceOf: ConfigurationError });
});
