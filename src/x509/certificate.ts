/**
 * The X.509 v3 certificate model (RFC 5280 section 4.1), its strict parser, and the
 * check that one certificate's signature was made by a given key (through the crypto
 * provider). Path validation (path.ts) builds on these.
 */

import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import {
  type PublicKeyAlgorithm, type SignatureAlgorithm, type SubjectPublicKey, parseSignatureAlgorithm,
  parseSubjectPublicKeyInfo, rsaModulusBits, signatureSchemeFor,
} from './algorithms.js';
import {
  CertificateParseError, DerReader, Tag, bytesEqual, contextTag, decodeOctetAlignedBitString, decodeSmallInteger,
  decodeTime, integerBytes,
} from './der.js';
import { type DistinguishedName, parseDistinguishedName } from './distinguished-name.js';
import { type CertificateExtensions, parseExtensions } from './extensions.js';

/** A parsed X.509 certificate. Byte fields are views into `der`. */
export interface Certificate {
  /** The whole certificate encoding. */
  readonly der: Uint8Array;
  /** The TBSCertificate encoding, which the signature covers. */
  readonly tbs: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** The serial number's INTEGER content octets. */
  readonly serialNumber: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The subject's key, as the crypto provider takes it. */
  readonly publicKey: PublicKey;
  /** How the key was labelled (an RSASSA-PSS key must not verify PKCS#1 v1.5 signatures). */
  readonly publicKeyAlgorithm: PublicKeyAlgorithm;
  /** The SubjectPublicKeyInfo encoding. */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly extensions: CertificateExtensions;
}

const noExtensions: CertificateExtensions = { all: [], unhandledCritical: [] };

/** Parses a DER certificate; throws `CertificateParseError` for malformed or unsupported input. */
export function parseCertificate(der: Uint8Array): Certificate {
  const outer = DerReader.single(der, 'Certificate');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('Certificate: expected SEQUENCE');
  const certificate = new DerReader(outer.contents);
  const tbsElement = certificate.expect(Tag.SEQUENCE, 'TBSCertificate');
  const outerAlgorithm = certificate.expect(Tag.SEQUENCE, 'signatureAlgorithm');
  const signature = decodeOctetAlignedBitString(certificate.expect(Tag.BIT_STRING, 'signatureValue'), 'signatureValue');
  certificate.expectEnd('Certificate');

  const tbs = new DerReader(tbsElement.contents);
  let version: 1 | 2 | 3 = 1;
  const versionField = tbs.optional(contextTag(0, true), 'version');
  if (versionField) {
    const value = decodeSmallInteger(DerReader.single(versionField.contents, 'version'), 'version', 2);
    if (value === 0) throw new CertificateParseError('version: v1 must be omitted in DER (DEFAULT)');
    version = (value + 1) as 2 | 3;
  }
  const serialNumber = integerBytes(tbs.expect(Tag.INTEGER, 'serialNumber'), 'serialNumber');
  if (serialNumber.length > 21) throw new CertificateParseError('serialNumber is longer than 20 octets');
  const innerAlgorithm = tbs.expect(Tag.SEQUENCE, 'signature');
  if (!bytesEqual(innerAlgorithm.encoded, outerAlgorithm.encoded)) {
    throw new CertificateParseError('TBSCertificate signature algorithm differs from signatureAlgorithm');
  }
  const signatureAlgorithm = parseSignatureAlgorithm(outerAlgorithm.contents);
  const issuer = parseDistinguishedName(tbs.expect(Tag.SEQUENCE, 'issuer').encoded, 'issuer');
  const validity = tbs.enter(Tag.SEQUENCE, 'validity');
  const notBefore = decodeTime(validity.read('notBefore'), 'notBefore');
  const notAfter = decodeTime(validity.read('notAfter'), 'notAfter');
  validity.expectEnd('validity');
  const subject = parseDistinguishedName(tbs.expect(Tag.SEQUENCE, 'subject').encoded, 'subject');
  const spkiElement = tbs.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const subjectPublicKey = parseSubjectPublicKeyInfo(spkiElement.encoded);
  if (tbs.optional(contextTag(1, false), 'issuerUniqueID') && version < 2) throw new CertificateParseError('issuerUniqueID needs v2 or v3');
  if (tbs.optional(contextTag(2, false), 'subjectUniqueID') && version < 2) throw new CertificateParseError('subjectUniqueID needs v2 or v3');
  let extensions = noExtensions;
  const extensionsField = tbs.optional(contextTag(3, true), 'extensions');
  if (extensionsField) {
    if (version !== 3) throw new CertificateParseError('extensions need a v3 certificate');
    extensions = parseExtensions(extensionsField.contents);
  }
  tbs.expectEnd('TBSCertificate');

  return {
    der: outer.encoded,
    tbs: tbsElement.encoded,
    version,
    serialNumber,
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    publicKey: subjectPublicKey.key,
    publicKeyAlgorithm: subjectPublicKey.algorithm,
    subjectPublicKeyInfo: spkiElement.encoded,
    extensions,
  };
}

/** The subject key of a certificate, in the form signature checks take. */
export function subjectPublicKeyOf(certificate: Certificate): SubjectPublicKey {
  return { algorithm: certificate.publicKeyAlgorithm, key: certificate.publicKey };
}

/** Limits on keys accepted for certificate signatures. */
export interface SignaturePolicy {
  /** Smallest RSA modulus, in bits (default 2048). */
  readonly minimumRsaModulusBits?: number;
}

/** Default smallest RSA modulus for certificate signatures, in bits. */
export const DEFAULT_MINIMUM_RSA_BITS = 2048;
/** Largest RSA modulus accepted, in bits. */
export const MAXIMUM_RSA_BITS = 8192;

/** The outcome of checking one certificate signature. */
export type SignatureCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly reason: 'bad_signature' | 'unsupported_signature_algorithm' | 'weak_key'; readonly detail: string };

/** What a signature check reads: a certificate or a CRL (both sign a TBS encoding). */
export type SignedObject = Pick<Certificate, 'tbs' | 'signature' | 'signatureAlgorithm'>;

/** Checks that `certificate` (or a CRL) was signed by `issuerKey`. Never throws for a bad signature. */
export function checkCertificateSignature(
  certificate: SignedObject,
  issuerKey: SubjectPublicKey,
  provider: CryptoProvider,
  policy: SignaturePolicy = {},
): SignatureCheck {
  const choice = signatureSchemeFor(certificate.signatureAlgorithm, issuerKey);
  if ('unsupported' in choice) return { valid: false, reason: 'unsupported_signature_algorithm', detail: choice.unsupported };
  if (issuerKey.key.kind === 'rsa') {
    const bits = rsaModulusBits(issuerKey.key.n);
    const minimum = policy.minimumRsaModulusBits ?? DEFAULT_MINIMUM_RSA_BITS;
    if (bits < minimum || bits > MAXIMUM_RSA_BITS) {
      return { valid: false, reason: 'weak_key', detail: `RSA modulus of ${bits} bits is outside ${minimum}..${MAXIMUM_RSA_BITS}` };
    }
  }
  if (!provider.supportsScheme(choice.scheme, issuerKey.key)) {
    return { valid: false, reason: 'unsupported_signature_algorithm', detail: `provider ${provider.name} cannot verify ${choice.scheme}` };
  }
  if (!provider.verify(choice.scheme, issuerKey.key, certificate.tbs, certificate.signature)) {
    return { valid: false, reason: 'bad_signature', detail: `${choice.scheme} signature does not verify` };
  }
  return { valid: true };
}

/** Where `at` falls against the certificate's validity period (both bounds inclusive, at whole seconds: X.509 times have no fractions). */
export function isWithinValidity(certificate: Certificate, at: Date): 'valid' | 'expired' | 'not_yet_valid' {
  const time = Math.floor(at.getTime() / 1000) * 1000;
  if (time < certificate.notBefore.getTime()) return 'not_yet_valid';
  if (time > certificate.notAfter.getTime()) return 'expired';
  return 'valid';
}

/** True when the certificate names itself as its issuer (RFC 5280 "self-issued"). */
export function isSelfIssued(certificate: Certificate): boolean {
  return bytesEqual(certificate.issuer.der, certificate.subject.der);
}
