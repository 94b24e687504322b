/**
 * The certificate failures the contract suite runs on every pairing, in both roles:
 * each bad certificate (made with the development CA), the options that reveal it, and
 * the one outcome every backend must report: CertificateVerificationError with this
 * `reason`, Node's `code` (none where Node has none), and the alert the rejecting side sends.
 */
import type { ClientConfiguration, ServerConfiguration } from '../src/configuration.js';
import type { AlertName, CertificateRejectionReason } from '../src/errors.js';
import {
  type DevelopmentCertificate, createDevelopmentCA, issueCertificate, issueCertificateRevocationList,
} from '../src/x509/index.js';
import { expired, untrustedLocalhost, wrongHost } from '../test/fixtures/certs.js';

const DAY = 86_400_000;
const now = Date.now();

const root = createDevelopmentCA({ commonName: 'Spec Root', notBefore: new Date(now - 30 * DAY) });
const intermediate = issueCertificate(root, { commonName: 'Spec Intermediate', isCA: true, notBefore: new Date(now - 30 * DAY) });
const pathLengthZero = issueCertificate(root, { commonName: 'Spec pathLen 0', isCA: true, pathLen: 0 });
const belowPathLength = issueCertificate(pathLengthZero, { commonName: 'Spec Below pathLen', isCA: true });
const otherRoot = createDevelopmentCA({ commonName: 'Spec Other Root' });
const otherIntermediate = issueCertificate(otherRoot, { commonName: 'Spec Other Intermediate', isCA: true });

function leafOf(issuer: DevelopmentCertificate, options: Parameters<typeof issueCertificate>[1] = {}): DevelopmentCertificate {
  return issueCertificate(issuer, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], ...options });
}

/** A certificate and key as the `cert`/`key` options, with its issuers after it. */
function identity(leaf: DevelopmentCertificate, ...issuers: DevelopmentCertificate[]): { cert: string; key: string } {
  return { cert: [leaf, ...issuers].map((c) => c.pem).join(''), key: leaf.privateKeyPem };
}

const good = leafOf(intermediate);
const revokedLeaf = leafOf(intermediate);
const revokedClient = leafOf(intermediate, { commonName: 'spec revoked client', dnsNames: ['client.test'], extKeyUsage: ['clientAuth'] });
const currentRootCrl = issueCertificateRevocationList(root);
const intermediateCrl = issueCertificateRevocationList(intermediate, {
  revoked: [
    { serialNumber: revokedLeaf.certificate.serialNumber, reason: 'keyCompromise' },
    { serialNumber: revokedClient.certificate.serialNumber, reason: 'affiliationChanged' },
  ],
});
const expiredIntermediateCrl = issueCertificateRevocationList(intermediate, { thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) });

/** Trust the spec root (and nothing else) for a case. */
export const specTrust = { ca: root.pem };

/** A valid server identity under the spec PKI (leaf and intermediate). */
export const specServer = identity(good, intermediate);

/** One bad certificate and what every backend must say about it. */
export interface CertificateCase {
  readonly name: string;
  /** The presenting side's `cert`/`key`. */
  readonly presented: { cert: string; key: string };
  /** Options of the verifying side (trust, CRLs, depth). */
  readonly verifier: Pick<ClientConfiguration, 'ca' | 'crl' | 'maxDepth'>;
  readonly reason: CertificateRejectionReason;
  /** Node's code; undefined where Node has none. */
  readonly code: string | undefined;
  readonly alert: AlertName;
  /** What the message must say (what to do, or what the certificate carries). */
  readonly message?: RegExp;
}

const unknownCritical = { oid: '1.3.6.1.4.1.55555.1', critical: true, value: Uint8Array.of(5, 0) };

/** Bad server certificates, rejected by the client (RFC 5280 section 6, RFC 6125, RFC 8446 section 6.2 alerts). */
export const serverCertificateCases: readonly CertificateCase[] = [
  { name: 'wrong host name', presented: wrongHost, verifier: {}, reason: 'hostname_mismatch', code: 'ERR_TLS_CERT_ALTNAME_INVALID', alert: 'bad_certificate', message: /DNS:other\.example/ },
  { name: 'untrusted CA (the issuer is not in ca)', presented: untrustedLocalhost, verifier: {}, reason: 'unknown_issuer', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', alert: 'unknown_ca', message: /`ca` option/ },
  { name: 'expired certificate', presented: expired, verifier: {}, reason: 'expired', code: 'CERT_HAS_EXPIRED', alert: 'certificate_expired' },
  {
    name: 'not yet valid',
    presented: identity(leafOf(intermediate, { notBefore: new Date(now + DAY) }), intermediate),
    verifier: specTrust, reason: 'not_yet_valid', code: 'CERT_NOT_YET_VALID', alert: 'certificate_expired',
  },
  {
    name: 'self-signed leaf',
    presented: identity(createDevelopmentCA({ commonName: 'localhost', isCA: false, dnsNames: ['localhost'] })),
    verifier: specTrust, reason: 'self_signed', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', alert: 'unknown_ca', message: /`ca` option/,
  },
  {
    name: 'an untrusted root sent in the chain',
    presented: identity(good, intermediate, root),
    verifier: { ca: otherRoot.pem }, reason: 'self_signed', code: 'SELF_SIGNED_CERT_IN_CHAIN', alert: 'unknown_ca', message: /`ca` option/,
  },
  {
    name: 'revoked (crl, one CRL as DER and one as PEM)',
    presented: identity(revokedLeaf, intermediate),
    verifier: { ...specTrust, crl: [currentRootCrl.der, intermediateCrl.pem] }, reason: 'revoked', code: 'CERT_REVOKED', alert: 'certificate_revoked',
  },
  {
    name: 'crl given but none from the issuer',
    presented: specServer,
    verifier: { ...specTrust, crl: [currentRootCrl.pem] }, reason: 'crl_unavailable', code: 'UNABLE_TO_GET_CRL', alert: 'certificate_unknown', message: /crl option/,
  },
  {
    name: 'the issuer CRL has expired',
    presented: specServer,
    verifier: { ...specTrust, crl: [currentRootCrl.pem, expiredIntermediateCrl.pem] }, reason: 'crl_expired', code: 'CRL_HAS_EXPIRED', alert: 'certificate_unknown',
  },
  {
    name: 'unknown critical extension',
    presented: identity(leafOf(intermediate, { extraExtensions: [unknownCritical] }), intermediate),
    verifier: specTrust, reason: 'unknown_critical_extension', code: undefined, alert: 'unsupported_certificate',
  },
  {
    name: 'extendedKeyUsage without serverAuth',
    presented: identity(leafOf(intermediate, { extKeyUsage: ['clientAuth'] }), intermediate),
    verifier: specTrust, reason: 'extended_key_usage', code: 'INVALID_PURPOSE', alert: 'unsupported_certificate',
  },
  {
    name: 'pathLenConstraint exceeded',
    presented: identity(leafOf(belowPathLength), belowPathLength, pathLengthZero),
    verifier: specTrust, reason: 'path_length_exceeded', code: 'PATH_LENGTH_EXCEEDED', alert: 'unknown_ca',
  },
  {
    name: 'maxDepth 0 with one intermediate',
    presented: specServer,
    verifier: { ...specTrust, maxDepth: 0 }, reason: 'too_deep', code: 'CERT_CHAIN_TOO_LONG', alert: 'unknown_ca',
  },
];

function clientIdentity(options: Parameters<typeof issueCertificate>[1] = {}, issuer = intermediate): { cert: string; key: string } {
  return identity(issueCertificate(issuer, { commonName: 'spec client', dnsNames: ['client.test'], extKeyUsage: ['clientAuth'], ...options }), issuer);
}

/** Bad client certificates, rejected by a server that requires one. */
export const clientCertificateCases: readonly CertificateCase[] = [
  { name: 'untrusted client certificate', presented: clientIdentity({}, otherIntermediate), verifier: specTrust, reason: 'unknown_issuer', code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', alert: 'unknown_ca', message: /`ca` option/ },
  {
    name: 'expired client certificate',
    presented: clientIdentity({ notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) }),
    verifier: specTrust, reason: 'expired', code: 'CERT_HAS_EXPIRED', alert: 'certificate_expired',
  },
  {
    name: 'revoked client certificate (crl)',
    presented: identity(revokedClient, intermediate),
    verifier: { ...specTrust, crl: [currentRootCrl.pem, intermediateCrl.pem] }, reason: 'revoked', code: 'CERT_REVOKED', alert: 'certificate_revoked',
  },
  {
    name: 'client certificate for serverAuth only',
    presented: clientIdentity({ extKeyUsage: ['serverAuth'] }),
    verifier: specTrust, reason: 'extended_key_usage', code: 'INVALID_PURPOSE', alert: 'unsupported_certificate',
  },
];

/** Server options that require a client certificate verified as `verifier` says. */
export function requiringClientCertificate(verifier: CertificateCase['verifier']): ServerConfiguration {
  return { ...specServer, requestCert: true, rejectUnauthorized: true, ...verifier };
}
