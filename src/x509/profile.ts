/**
 * The certificate profile: rules one certificate must meet on its own, by its role in
 * the path (leaf, intermediate CA, trust anchor), from RFC 5280 section 4 and the
 * CA/Browser Forum Baseline Requirements. Path building (path.ts) applies them to every
 * certificate it considers; each broken rule is a CertificateVerificationError with the
 * reason tests assert on.
 */

import { CertificateVerificationError, type CertificateRejectionReason } from '../errors.js';
import { rsaModulusBits } from './algorithms.js';
import { type Certificate, DEFAULT_MINIMUM_RSA_BITS, MAXIMUM_RSA_BITS, isSelfIssued, isWithinValidity } from './certificate.js';
import { bytesEqual } from './der.js';
import { commonNames } from './distinguished-name.js';
import { dnsConstraintProblem, isWildcardForPublicSuffix, presentedDnsNameProblem } from './dns-names.js';
import { type GeneralName, findExtension } from './extensions.js';
import { formatIPAddress } from './hostname.js';
import { ExtendedKeyUsageOid, ExtensionOid } from './oids.js';

/** What the end-entity certificate is being accepted for. */
export type Purpose = 'serverAuth' | 'clientAuth';

/** The role a certificate plays in a path. */
export type CertificateRole = 'leaf' | 'intermediate' | 'anchor';

/** What the profile rules need besides the certificate. */
export interface ProfileContext {
  readonly at: Date;
  readonly purpose: Purpose;
  /** Smallest RSA modulus in bits (default 2048). */
  readonly minimumRsaModulusBits?: number;
  /** The leaf is itself a trust anchor (pinned, as `openssl req -x509` makes them): its CA bits are allowed. */
  readonly pinned?: boolean;
}

type Failure = CertificateVerificationError | undefined;

function failure(reason: CertificateRejectionReason, message: string): CertificateVerificationError {
  return new CertificateVerificationError(reason, message);
}

/** The subject of a certificate, quoted, for messages. */
export function describeCertificate(certificate: Certificate): string {
  return `"${certificate.subject.text || '(empty subject)'}"`;
}

/** Expired or not yet valid at `at`, compared at whole seconds (X.509 times carry none). */
export function validityFailure(certificate: Certificate, at: Date): Failure {
  const state = isWithinValidity(certificate, at);
  const name = describeCertificate(certificate);
  if (state === 'expired') return failure('expired', `certificate ${name} expired at ${certificate.notAfter.toISOString()}`);
  if (state === 'not_yet_valid') return failure('not_yet_valid', `certificate ${name} is not valid before ${certificate.notBefore.toISOString()}`);
  return undefined;
}

function unknownCriticalFailure(certificate: Certificate): Failure {
  const unhandled = certificate.extensions.unhandledCritical;
  if (unhandled.length === 0) return undefined;
  return failure('unknown_critical_extension', `certificate ${describeCertificate(certificate)} has unknown critical extension ${unhandled.join(', ')}`);
}

/** RSA moduli of minimum..8192 bits whose size is a multiple of 8, for every certificate's own key. */
function keyFailure(certificate: Certificate, context: ProfileContext): Failure {
  const key = certificate.publicKey;
  if (key.kind !== 'rsa') return undefined;
  const bits = rsaModulusBits(key.n);
  const minimum = context.minimumRsaModulusBits ?? DEFAULT_MINIMUM_RSA_BITS;
  if (bits < minimum || bits > MAXIMUM_RSA_BITS || bits % 8 !== 0) {
    return failure('weak_key', `certificate ${describeCertificate(certificate)} has an RSA key of ${bits} bits; accepted are ${minimum}..${MAXIMUM_RSA_BITS} bits in whole octets`);
  }
  return undefined;
}

/** RFC 5280 section 4.1.2.2: a positive serial of at most 20 octets. */
function serialFailure(certificate: Certificate): Failure {
  const serial = certificate.serialNumber;
  const name = describeCertificate(certificate);
  if (serial[0]! >= 0x80) return failure('invalid_serial', `certificate ${name} has a negative serial number`);
  if (serial.every((byte) => byte === 0)) return failure('invalid_serial', `certificate ${name} has serial number zero`);
  const magnitude = serial[0] === 0 ? serial.length - 1 : serial.length;
  if (magnitude > 20) return failure('invalid_serial', `certificate ${name} has a serial number longer than 20 octets`);
  return undefined;
}

function isCritical(certificate: Certificate, oid: string): boolean | undefined {
  return findExtension(certificate.extensions, oid)?.critical;
}

/** Presence and criticality of the identifier, name and access extensions (RFC 5280 section 4.2). */
function extensionFailure(certificate: Certificate, role: CertificateRole): Failure {
  const name = describeCertificate(certificate);
  const extensions = certificate.extensions;
  const authorityKey = findExtension(extensions, ExtensionOid.authorityKeyIdentifier);
  if (!isSelfIssued(certificate) && (!authorityKey || !extensions.authorityKeyIdentifier)) {
    return failure('invalid_extension', `certificate ${name} has no authorityKeyIdentifier keyIdentifier (RFC 5280 section 4.2.1.1)`);
  }
  if (authorityKey?.critical) return failure('invalid_extension', `certificate ${name} marks authorityKeyIdentifier critical`);
  if (role === 'intermediate' && !extensions.subjectKeyIdentifier) {
    return failure('invalid_extension', `CA certificate ${name} has no subjectKeyIdentifier (RFC 5280 section 4.2.1.2)`);
  }
  if (isCritical(certificate, ExtensionOid.subjectKeyIdentifier)) return failure('invalid_extension', `certificate ${name} marks subjectKeyIdentifier critical`);
  if (isCritical(certificate, ExtensionOid.authorityInformationAccess)) return failure('invalid_extension', `certificate ${name} marks authorityInfoAccess critical`);
  const altNameCritical = isCritical(certificate, ExtensionOid.subjectAltName);
  if (altNameCritical !== undefined) {
    const emptySubject = certificate.subject.rdns.length === 0;
    if (emptySubject && !altNameCritical) return failure('invalid_extension', `certificate with an empty subject must mark subjectAltName critical (RFC 5280 section 4.2.1.6)`);
    if (!emptySubject && altNameCritical) return failure('invalid_extension', `certificate ${name} marks subjectAltName critical though its subject is not empty`);
  } else if (certificate.subject.rdns.length === 0) {
    return failure('invalid_extension', 'certificate has neither a subject nor a subjectAltName');
  }
  return undefined;
}

function dnsSyntaxFailure(certificate: Certificate): Failure {
  for (const entry of certificate.extensions.subjectAltNames ?? []) {
    if (entry.kind !== 'dns') continue;
    const problem = presentedDnsNameProblem(entry.value);
    if (problem) return failure('invalid_name', `certificate ${describeCertificate(certificate)} has subjectAltName dNSName ${JSON.stringify(entry.value)}, which ${problem}`);
  }
  return undefined;
}

/** A SAN entry in the text form a commonName must repeat exactly (BRs 7.1.4.3). */
function canonicalText(entry: GeneralName): string | undefined {
  if (entry.kind === 'dns') return entry.value;
  if (entry.kind === 'ip') return formatIPAddress(entry.value);
  return undefined;
}

/** Leaf names: CN among the SANs, no wildcard over a public suffix. */
function leafNameFailure(certificate: Certificate, context: ProfileContext): Failure {
  const altNames = certificate.extensions.subjectAltNames ?? [];
  const name = describeCertificate(certificate);
  for (const entry of altNames) {
    if (entry.kind === 'dns' && isWildcardForPublicSuffix(entry.value)) {
      return failure('invalid_name', `certificate ${name} has wildcard ${entry.value} for a public suffix`);
    }
  }
  if (context.purpose !== 'serverAuth') return undefined;
  const allowed = new Set(altNames.map(canonicalText).filter((text) => text !== undefined));
  for (const commonName of commonNames(certificate.subject)) {
    if (!allowed.has(commonName)) {
      return failure('invalid_name', `certificate ${name}: commonName ${JSON.stringify(commonName)} is not one of its subjectAltNames (CA/Browser Forum BRs 7.1.4.3)`);
    }
  }
  return undefined;
}

function leafUsageFailure(certificate: Certificate, context: ProfileContext): Failure {
  const name = describeCertificate(certificate);
  const extensions = certificate.extensions;
  if (!context.pinned) {
    if (extensions.basicConstraints?.cA) return failure('ca_as_leaf', `certificate ${name} is a CA certificate (cA=TRUE) and cannot be the end-entity certificate`);
    if (extensions.keyUsage?.has('keyCertSign')) return failure('ca_as_leaf', `end-entity certificate ${name} has keyCertSign in keyUsage`);
  }
  if (extensions.nameConstraints) return failure('invalid_extension', `end-entity certificate ${name} has nameConstraints, which only CA certificates may carry`);
  const purposes = extensions.extendedKeyUsage;
  if (purposes) {
    if (isCritical(certificate, ExtensionOid.extendedKeyUsage)) return failure('extended_key_usage', `end-entity certificate ${name} marks extendedKeyUsage critical`);
    if (purposes.includes(ExtendedKeyUsageOid.any)) return failure('extended_key_usage', `end-entity certificate ${name} has anyExtendedKeyUsage`);
    if (!purposes.includes(ExtendedKeyUsageOid[context.purpose])) return failure('extended_key_usage', `certificate ${name} is not valid for ${context.purpose} (extendedKeyUsage)`);
  }
  return undefined;
}

function intermediateFailure(certificate: Certificate, context: ProfileContext): Failure {
  const name = describeCertificate(certificate);
  const constraints = certificate.extensions.basicConstraints;
  if (!constraints?.cA) return failure('not_a_ca', `certificate ${name} is not a CA certificate (basicConstraints cA) but is used as an issuer`);
  if (!isCritical(certificate, ExtensionOid.basicConstraints)) return failure('invalid_extension', `CA certificate ${name} must mark basicConstraints critical`);
  const usage = certificate.extensions.keyUsage;
  if (usage && !usage.has('keyCertSign')) return failure('key_usage', `CA ${name} may not sign certificates (keyUsage lacks keyCertSign)`);
  const purposes = certificate.extensions.extendedKeyUsage;
  if (purposes && !purposes.includes(ExtendedKeyUsageOid[context.purpose]) && !purposes.includes(ExtendedKeyUsageOid.any)) {
    return failure('extended_key_usage', `CA ${name} may not issue for ${context.purpose} (extendedKeyUsage)`);
  }
  for (const subtree of [...(certificate.extensions.nameConstraints?.permitted ?? []), ...(certificate.extensions.nameConstraints?.excluded ?? [])]) {
    if (subtree.kind !== 'dns') continue;
    const problem = dnsConstraintProblem(subtree.value);
    if (problem) return failure('invalid_name', `CA ${name} has dNSName constraint ${JSON.stringify(subtree.value)}, which ${problem}`);
  }
  return undefined;
}

/** A trust anchor is a certificate too: a CA, in its validity, with a sound key and identifiers. */
function anchorFailure(certificate: Certificate): Failure {
  const name = describeCertificate(certificate);
  const extensions = certificate.extensions;
  if (!extensions.basicConstraints?.cA) return failure('not_a_ca', `trust anchor ${name} is not a CA certificate (basicConstraints cA=TRUE is missing)`);
  if (extensions.keyUsage && !extensions.keyUsage.has('keyCertSign')) return failure('key_usage', `trust anchor ${name} may not sign certificates (keyUsage lacks keyCertSign)`);
  if (certificate.subject.rdns.length === 0) return failure('invalid_trust_anchor', 'a trust anchor has an empty subject');
  if (extensions.extendedKeyUsage) return failure('invalid_trust_anchor', `trust anchor ${name} has extendedKeyUsage, which a root must not carry`);
  if (findExtension(extensions, ExtensionOid.authorityKeyIdentifier)) {
    const keyId = extensions.authorityKeyIdentifier;
    const own = extensions.subjectKeyIdentifier;
    if (!keyId) return failure('invalid_trust_anchor', `trust anchor ${name} has an authorityKeyIdentifier without keyIdentifier`);
    if (own && !bytesEqual(keyId, own)) return failure('invalid_trust_anchor', `trust anchor ${name} has an authorityKeyIdentifier that is not its own subjectKeyIdentifier`);
  }
  return undefined;
}

/** The first profile rule `certificate` breaks in `role`, or undefined when it meets them all. */
export function profileFailure(certificate: Certificate, role: CertificateRole, context: ProfileContext): Failure {
  const common = unknownCriticalFailure(certificate) ?? validityFailure(certificate, context.at) ?? keyFailure(certificate, context);
  if (common) return common;
  switch (role) {
    case 'anchor':
      return anchorFailure(certificate);
    case 'intermediate':
      return serialFailure(certificate) ?? extensionFailure(certificate, role) ?? dnsSyntaxFailure(certificate) ?? intermediateFailure(certificate, context);
    case 'leaf':
      // A pinned leaf was not issued by a CA: only its usage is checked, not the CA profile.
      if (context.pinned) return leafUsageFailure(certificate, context);
      return (
        serialFailure(certificate) ?? extensionFailure(certificate, role) ?? dnsSyntaxFailure(certificate) ??
        leafUsageFailure(certificate, context) ?? leafNameFailure(certificate, context)
      );
  }
}
