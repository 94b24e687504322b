/**
 * Revocation with CRLs (RFC 5280 sections 5 and 6.3): each certificate below the anchor
 * is checked against the CRLs its issuer signed. A CRL counts only when its signature is
 * the issuer's, the issuer may sign CRLs, it is current, and it has no critical extension
 * we do not process; reason codes are read and reported.
 */
import test from 'ava';
import * as der from '../../src/x509/der-writer.js';
import { ConfigurationError } from '../../src/errors.js';
import {
  type CrlOptions, type DevelopmentCertificate, alertForCertificateError, createDevelopmentCA, issueCertificate, issueCertificateRevocationList,
  parseCertificateRevocationList, revocationReasons, revocationListsFrom, verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

const DAY = 86_400_000;
const root = createDevelopmentCA({ commonName: 'CRL Root' });
const intermediate = issueCertificate(root, { commonName: 'CRL Intermediate', isCA: true });
const leaf = issueCertificate(intermediate, { dnsNames: ['crl.example'] });
const rootCrl = issueCertificateRevocationList(root);

function verify(crl: readonly (string | Uint8Array)[], certificate: DevelopmentCertificate = leaf, issuer: DevelopmentCertificate = intermediate) {
  return verifyCertificateChainSync({ leaf: certificate.der, intermediates: [issuer.der], trustAnchors: [root.der], crl });
}

function intermediateCrl(options: CrlOptions = {}) {
  return issueCertificateRevocationList(intermediate, options).pem;
}

test('RFC 5280 6.3: a chain whose every certificate is covered and unlisted validates', (t) => {
  t.is(verify([rootCrl.pem, intermediateCrl()]).length, 3);
  t.is(verify([rootCrl.der, intermediateCrl({ nextUpdate: null })]).length, 3, 'DER input, and a CRL without nextUpdate');
});

test('a revoked leaf fails with revoked, CERT_REVOKED and the certificate_revoked alert; the reason code is reported', async (t) => {
  const crl = intermediateCrl({ revoked: [{ serialNumber: leaf.certificate.serialNumber, reason: 'keyCompromise' }] });
  const error = await failsWith(t, 'revoked', () => verify([rootCrl.pem, crl]));
  t.is(error.code, 'CERT_REVOKED');
  t.is(alertForCertificateError(error), 'certificate_revoked');
  t.regex(error.message, /keyCompromise/);
});

test('a revoked intermediate fails the chain', async (t) => {
  const crl = issueCertificateRevocationList(root, { revoked: [{ serialNumber: intermediate.certificate.serialNumber, reason: 'cACompromise' }] });
  await failsWith(t, 'revoked', () => verify([crl.pem, intermediateCrl()]));
});

test('with crl given, a certificate whose issuer published no CRL fails with crl_unavailable (as node:tls checks every level)', async (t) => {
  const error = await failsWith(t, 'crl_unavailable', () => verify([rootCrl.pem]));
  t.is(error.code, 'UNABLE_TO_GET_CRL');
  await failsWith(t, 'crl_unavailable', () => verify([intermediateCrl()]));
});

test('RFC 5280 6.3.3: the CRL signature must be the issuer\'s', async (t) => {
  const impostor = createDevelopmentCA({ commonName: 'CRL Intermediate' });
  const forged = issueCertificateRevocationList({ certificate: intermediate.certificate, privateKey: impostor.privateKey });
  const error = await failsWith(t, 'crl_bad_signature', () => verify([rootCrl.pem, forged.pem]));
  t.is(error.code, 'CRL_SIGNATURE_FAILURE');
});

test('RFC 5280 5.1.2.4-5: a CRL must be current', async (t) => {
  const old = intermediateCrl({ thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) });
  const early = intermediateCrl({ thisUpdate: new Date(Date.now() + DAY) });
  t.is((await failsWith(t, 'crl_expired', () => verify([rootCrl.pem, old]))).code, 'CRL_HAS_EXPIRED');
  t.is((await failsWith(t, 'crl_not_yet_valid', () => verify([rootCrl.pem, early]))).code, 'CRL_NOT_YET_VALID');
  t.is(verify([rootCrl.pem, old, intermediateCrl()]).length, 3, 'a current CRL beside an old one is used');
});

test('RFC 5280 5.2, 5.3: critical CRL and entry extensions we do not process make the CRL unusable', async (t) => {
  const delta = intermediateCrl({ extraExtensions: [{ oid: '2.5.29.27', critical: true, value: der.integer(1) }] });
  t.regex((await failsWith(t, 'crl_invalid', () => verify([rootCrl.pem, delta]))).message, /delta/);
  const unknown = intermediateCrl({ extraExtensions: [{ oid: '1.3.6.1.4.1.55555.3', critical: true, value: der.nullValue() }] });
  await failsWith(t, 'crl_invalid', () => verify([rootCrl.pem, unknown]));
  const other = issueCertificate(intermediate, { dnsNames: ['other.example'] });
  const indirect = intermediateCrl({ revoked: [{ serialNumber: other.certificate.serialNumber, extraExtensions: [{ oid: '2.5.29.29', critical: true, value: der.sequence([]) }] }] });
  t.regex((await failsWith(t, 'crl_invalid', () => verify([rootCrl.pem, indirect]))).message, /indirect/);
  const ignorable = intermediateCrl({ extraExtensions: [{ oid: '1.3.6.1.4.1.55555.3', critical: false, value: der.nullValue() }] });
  t.is(verify([rootCrl.pem, ignorable]).length, 3, 'an unknown non-critical extension is ignored');
});

test('RFC 5280 5.3.1: reason codes are parsed; removeFromCRL belongs to delta CRLs only', async (t) => {
  const named = revocationReasons.filter((reason) => reason !== undefined && reason !== 'removeFromCRL');
  const entries = named.map((reason) => ({ serialNumber: issueCertificate(intermediate, {}).certificate.serialNumber, reason: reason! }));
  const parsed = issueCertificateRevocationList(intermediate, { revoked: entries }).crl;
  t.deepEqual(parsed.revoked.map((entry) => entry.reason), named);
  const removal = intermediateCrl({ revoked: [{ serialNumber: Uint8Array.of(0x55), reason: 'removeFromCRL' }] });
  await failsWith(t, 'crl_invalid', () => verify([rootCrl.pem, removal]));
  // ENUMERATED 7 is unassigned: a CRL carrying it is malformed.
  const crl = issueCertificateRevocationList(intermediate, { revoked: [{ serialNumber: Uint8Array.of(1), reason: 'unspecified' }] });
  const bytes = crl.der.slice();
  const at = bytes.findIndex((_, i) => bytes[i] === 0x0a && bytes[i + 1] === 0x01 && bytes[i + 2] === 0x00);
  bytes[at + 2] = 7;
  t.throws(() => parseCertificateRevocationList(bytes), { message: /not a CRLReason/ });
});

test('the issuer must be allowed to sign CRLs (keyUsage cRLSign)', async (t) => {
  const noCrlSign = issueCertificate(root, { commonName: 'No cRLSign', isCA: true, keyUsage: ['keyCertSign', 'digitalSignature'] });
  const below = issueCertificate(noCrlSign, { dnsNames: ['crl.example'] });
  const crl = issueCertificateRevocationList(noCrlSign);
  await failsWith(t, 'crl_invalid', () => verify([rootCrl.pem, crl.pem], below, noCrlSign));
});

test('the crl option takes PEM, DER or lists of them; malformed input is a ConfigurationError', (t) => {
  t.is(revocationListsFrom(rootCrl.pem + intermediateCrl()).length, 2);
  t.is(revocationListsFrom([rootCrl.der]).length, 1);
  t.throws(() => revocationListsFrom(root.pem), { instanceOf: ConfigurationError, message: /X509 CRL/ });
  t.throws(() => revocationListsFrom(rootCrl.der.subarray(0, 40)), { instanceOf: ConfigurationError });
});

test('an empty crl list checks nothing, as node:tls', (t) => {
  t.is(verify([]).length, 3);
});
