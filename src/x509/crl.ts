/**
 * Certificate revocation lists (RFC 5280 section 5): a strict parser, and the check of
 * one certificate against the CRLs its issuer signed. A CRL counts only when its issuer
 * name matches, its signature verifies under the issuer's key (which must allow
 * cRLSign), it is current at the verification time, and it carries no critical
 * extension we do not process (delta CRLs, issuing distribution points, indirect CRL
 * entries). Path building (path.ts) calls `revocationFailure` for each link.
 */

import { CertificateVerificationError } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type SignatureAlgorithm, parseSignatureAlgorithm } from './algorithms.js';
import { type Certificate, checkCertificateSignature, subjectPublicKeyOf } from './certificate.js';
import {
  CertificateParseError, DerReader, Tag, bytesEqual, contextTag, decodeBoolean, decodeOctetAlignedBitString, decodeOctetString,
  decodeOid, decodeSmallInteger, decodeTime, integerBytes,
} from './der.js';
import { type DistinguishedName, parseDistinguishedName } from './distinguished-name.js';
import { CrlExtensionOid } from './oids.js';
import { describeCertificate } from './profile.js';

/** CRLReason (RFC 5280 section 5.3.1), by its ENUMERATED value; 7 is unused. */
export const revocationReasons = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'certificateHold', undefined, 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
] as const;
/** One CRLReason name. */
export type RevocationReason = Exclude<(typeof revocationReasons)[number], undefined>;

/** One revokedCertificates entry. */
export interface RevokedCertificate {
  /** The serial's INTEGER content octets. */
  readonly serialNumber: Uint8Array;
  readonly revocationDate: Date;
  readonly reason?: RevocationReason;
  /** Critical entry extensions we do not process (the CRL is then unusable). */
  readonly unhandledCritical: readonly string[];
}

/** A parsed CRL. Byte fields are views into `der`. */
export interface CertificateRevocationList {
  readonly der: Uint8Array;
  /** The TBSCertList encoding, which the signature covers. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revoked: readonly RevokedCertificate[];
  /** The CRL's authorityKeyIdentifier keyIdentifier, when present. */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** Critical CRL extensions we do not process (the CRL is then unusable). */
  readonly unhandledCritical: readonly string[];
}

interface ParsedExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

function parseExtensionList(contents: Uint8Array, what: string): ParsedExtension[] {
  const reader = new DerReader(DerReader.single(contents, what).contents);
  const extensions: ParsedExtension[] = [];
  while (!reader.atEnd) {
    const extension = reader.enter(Tag.SEQUENCE, `${what} extension`);
    const oid = decodeOid(extension.read(`${what} extension id`), `${what} extension id`);
    const criticalElement = extension.optional(Tag.BOOLEAN, `${what} extension critical`);
    const critical = criticalElement ? decodeBoolean(criticalElement, `${what} extension critical`) : false;
    const value = decodeOctetString(extension.read(`${what} extension value`), `${what} extension value`);
    extension.expectEnd(`${what} extension`);
    if (extensions.some((seen) => seen.oid === oid)) throw new CertificateParseError(`${what}: extension ${oid} appears twice`);
    extensions.push({ oid, critical, value });
  }
  if (extensions.length === 0) throw new CertificateParseError(`${what}: extensions must not be empty when present`);
  return extensions;
}

const ENUMERATED = 0x0a;

function parseReasonCode(value: Uint8Array): RevocationReason {
  const element = DerReader.single(value, 'reasonCode');
  if (element.tag !== ENUMERATED) throw new CertificateParseError('reasonCode: expected ENUMERATED');
  const code = decodeSmallInteger({ ...element, tag: Tag.INTEGER }, 'reasonCode', 10);
  const reason = revocationReasons[code];
  if (!reason) throw new CertificateParseError(`reasonCode ${code} is not a CRLReason`);
  return reason;
}

function parseRevokedEntry(reader: DerReader): RevokedCertificate {
  const serialNumber = integerBytes(reader.expect(Tag.INTEGER, 'userCertificate'), 'userCertificate');
  const revocationDate = decodeTime(reader.read('revocationDate'), 'revocationDate');
  let reason: RevocationReason | undefined;
  const unhandledCritical: string[] = [];
  if (!reader.atEnd) {
    for (const extension of parseExtensionList(reader.expect(Tag.SEQUENCE, 'crlEntryExtensions').encoded, 'crlEntryExtensions')) {
      if (extension.oid === CrlExtensionOid.reasonCode) reason = parseReasonCode(extension.value);
      else if (extension.oid === CrlExtensionOid.invalidityDate) decodeTime(DerReader.single(extension.value, 'invalidityDate'), 'invalidityDate');
      else if (extension.critical) unhandledCritical.push(extension.oid);
    }
  }
  reader.expectEnd('revokedCertificates entry');
  return { serialNumber, revocationDate, ...(reason && { reason }), unhandledCritical };
}

/** Parses a DER CRL (RFC 5280 section 5.1); throws `CertificateParseError` for malformed input. */
export function parseCertificateRevocationList(der: Uint8Array): CertificateRevocationList {
  const outer = DerReader.single(der, 'CertificateList');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('CertificateList: expected SEQUENCE');
  const list = new DerReader(outer.contents);
  const tbsElement = list.expect(Tag.SEQUENCE, 'TBSCertList');
  const outerAlgorithm = list.expect(Tag.SEQUENCE, 'CRL signatureAlgorithm');
  const signature = decodeOctetAlignedBitString(list.expect(Tag.BIT_STRING, 'CRL signatureValue'), 'CRL signatureValue');
  list.expectEnd('CertificateList');

  const tbs = new DerReader(tbsElement.contents);
  let version = 1;
  const versionElement = tbs.optional(Tag.INTEGER, 'CRL version');
  if (versionElement) {
    if (decodeSmallInteger(versionElement, 'CRL version', 1) !== 1) throw new CertificateParseError('CRL version must be v2 when present');
    version = 2;
  }
  const innerAlgorithm = tbs.expect(Tag.SEQUENCE, 'CRL signature');
  if (!bytesEqual(innerAlgorithm.encoded, outerAlgorithm.encoded)) throw new CertificateParseError('TBSCertList signature algorithm differs from signatureAlgorithm');
  const issuer = parseDistinguishedName(tbs.expect(Tag.SEQUENCE, 'CRL issuer').encoded, 'CRL issuer');
  if (issuer.rdns.length === 0) throw new CertificateParseError('CRL issuer must not be empty');
  const thisUpdate = decodeTime(tbs.read('thisUpdate'), 'thisUpdate');
  const nextTag = tbs.peekTag();
  const nextUpdate = nextTag === Tag.UTCTime || nextTag === Tag.GeneralizedTime ? decodeTime(tbs.read('nextUpdate'), 'nextUpdate') : undefined;
  const revoked: RevokedCertificate[] = [];
  const revokedElement = tbs.optional(Tag.SEQUENCE, 'revokedCertificates');
  if (revokedElement) {
    const entries = new DerReader(revokedElement.contents);
    if (entries.atEnd) throw new CertificateParseError('revokedCertificates must be absent rather than empty');
    while (!entries.atEnd) {
      const entry = parseRevokedEntry(entries.enter(Tag.SEQUENCE, 'revokedCertificates entry'));
      if (entry.unhandledCritical.length > 0 && version < 2) throw new CertificateParseError('CRL entry extensions need a v2 CRL');
      revoked.push(entry);
    }
  }
  let authorityKeyIdentifier: Uint8Array | undefined;
  const unhandledCritical: string[] = [];
  const extensionsField = tbs.optional(contextTag(0, true), 'crlExtensions');
  if (extensionsField) {
    if (version < 2) throw new CertificateParseError('crlExtensions need a v2 CRL');
    for (const extension of parseExtensionList(extensionsField.contents, 'crlExtensions')) {
      switch (extension.oid) {
        case CrlExtensionOid.authorityKeyIdentifier: {
          const aki = new DerReader(DerReader.single(extension.value, 'CRL authorityKeyIdentifier').contents);
          authorityKeyIdentifier = aki.optional(contextTag(0, false), 'CRL authorityKeyIdentifier keyIdentifier')?.contents;
          break;
        }
        case CrlExtensionOid.cRLNumber: {
          const number = DerReader.single(extension.value, 'cRLNumber');
          if (integerBytes(number, 'cRLNumber')[0]! >= 0x80) throw new CertificateParseError('cRLNumber must not be negative');
          break;
        }
        default:
          if (extension.critical) unhandledCritical.push(extension.oid);
      }
    }
  }
  tbs.expectEnd('TBSCertList');
  return {
    der: outer.encoded,
    tbs: tbsElement.encoded,
    signatureAlgorithm: parseSignatureAlgorithm(outerAlgorithm.contents),
    signature,
    issuer,
    thisUpdate,
    ...(nextUpdate && { nextUpdate }),
    revoked,
    ...(authorityKeyIdentifier && { authorityKeyIdentifier }),
    unhandledCritical,
  };
}

const crlNames: Record<string, string> = {
  [CrlExtensionOid.deltaCRLIndicator]: 'deltaCRLIndicator (delta CRLs are not supported)',
  [CrlExtensionOid.issuingDistributionPoint]: 'issuingDistributionPoint (partitioned CRLs are not supported)',
  [CrlExtensionOid.certificateIssuer]: 'certificateIssuer (indirect CRLs are not supported)',
};

/** Why `crl` cannot vouch for certificates of `issuer` at `at`, or undefined when it can. */
function crlFailure(crl: CertificateRevocationList, issuer: Certificate, at: Date, provider: CryptoProvider): CertificateVerificationError | undefined {
  const by = describeCertificate(issuer);
  const usage = issuer.extensions.keyUsage;
  if (usage && !usage.has('cRLSign')) return new CertificateVerificationError('crl_invalid', `CA ${by} may not sign CRLs (keyUsage lacks cRLSign)`);
  const critical = [...crl.unhandledCritical, ...crl.revoked.flatMap((entry) => entry.unhandledCritical)];
  if (critical.length > 0) {
    return new CertificateVerificationError('crl_invalid', `CRL of ${by} has unsupported critical extension ${critical.map((oid) => crlNames[oid] ?? oid).join(', ')}`);
  }
  if (crl.revoked.some((entry) => entry.reason === 'removeFromCRL')) {
    return new CertificateVerificationError('crl_invalid', `CRL of ${by} lists removeFromCRL, which only a delta CRL may (RFC 5280 section 5.3.1)`);
  }
  const check = checkCertificateSignature(crl, subjectPublicKeyOf(issuer), provider);
  if (!check.valid) return new CertificateVerificationError('crl_bad_signature', `CRL of ${by}: ${check.detail}`);
  const seconds = Math.floor(at.getTime() / 1000) * 1000;
  if (seconds < crl.thisUpdate.getTime()) return new CertificateVerificationError('crl_not_yet_valid', `CRL of ${by} is not valid before ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate && seconds > crl.nextUpdate.getTime()) {
    return new CertificateVerificationError('crl_expired', `CRL of ${by} expired at ${crl.nextUpdate.toISOString()}; give a current one in the crl option`);
  }
  return undefined;
}

/**
 * Checks `certificate` against the CRLs `issuer` signed: revoked, or no usable CRL from
 * that issuer, is a CertificateVerificationError; undefined means not revoked.
 */
export function revocationFailure(
  certificate: Certificate,
  issuer: Certificate,
  crls: readonly CertificateRevocationList[],
  at: Date,
  provider: CryptoProvider,
): CertificateVerificationError | undefined {
  const issuerKey = issuer.extensions.subjectKeyIdentifier;
  const candidates = crls.filter(
    (crl) => bytesEqual(crl.issuer.der, certificate.issuer.der) && (!crl.authorityKeyIdentifier || !issuerKey || bytesEqual(crl.authorityKeyIdentifier, issuerKey)),
  );
  let firstProblem: CertificateVerificationError | undefined;
  let usable = false;
  for (const crl of candidates) {
    const problem = crlFailure(crl, issuer, at, provider);
    if (problem) {
      firstProblem ??= problem;
      continue;
    }
    usable = true;
    const entry = crl.revoked.find((revoked) => bytesEqual(revoked.serialNumber, certificate.serialNumber));
    if (entry) {
      const why = entry.reason ? ` (${entry.reason})` : '';
      return new CertificateVerificationError('revoked', `certificate ${describeCertificate(certificate)} was revoked at ${entry.revocationDate.toISOString()}${why}`);
    }
  }
  if (usable) return undefined;
  return (
    firstProblem ??
    new CertificateVerificationError('crl_unavailable', `no CRL from ${describeCertificate(issuer)} for ${describeCertificate(certificate)}: add the issuer's CRL to the crl option`)
  );
}
