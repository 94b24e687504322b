/**
 * Certificate extensions (RFC 5280 section 4.2): subjectAltName, basicConstraints,
 * keyUsage, extendedKeyUsage, nameConstraints, authority/subject key identifiers and
 * authorityInfoAccess. Every extension decoded here is decoded strictly: a malformed
 * one fails the whole certificate, never skipped. Unknown extensions are kept raw and an unknown one marked critical is listed in
 * `unhandledCritical`, which makes path validation reject the certificate. Duplicates
 * are malformed.
 */

import {
  CertificateParseError, DerReader, Tag, contextTag, decodeBitString, decodeBoolean, decodeIa5String,
  decodeOctetString, decodeOid, decodeSmallInteger,
} from './der.js';
import { type DistinguishedName, parseDistinguishedName } from './distinguished-name.js';
import { ExtensionOid } from './oids.js';

/** A GeneralName as it appears in subjectAltName. */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; /** 4 or 16 octets */ readonly value: Uint8Array }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  | { readonly kind: 'directory'; readonly value: DistinguishedName }
  | { readonly kind: 'other'; /** the GeneralName CHOICE tag number */ readonly tagNumber: number };

/** A GeneralSubtree base of a nameConstraints extension. */
export type GeneralSubtree =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly address: Uint8Array; readonly mask: Uint8Array }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  | { readonly kind: 'directory'; readonly value: DistinguishedName }
  | { readonly kind: 'other'; readonly tagNumber: number };

/** Permitted and excluded subtrees; an absent list places no constraint of that polarity. */
export interface NameConstraints {
  readonly permitted?: readonly GeneralSubtree[];
  readonly excluded?: readonly GeneralSubtree[];
}

/** Key usage bits (RFC 5280 section 4.2.1.3), in bit order. */
export const keyUsageBits = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
] as const;
/** One key usage. */
export type KeyUsage = (typeof keyUsageBits)[number];

/** basicConstraints. */
export interface BasicConstraints {
  readonly cA: boolean;
  /** pathLenConstraint, when present. */
  readonly pathLength?: number;
}

/** One AccessDescription of authorityInfoAccess: a method OID and where to find it. */
export interface AccessDescription {
  readonly method: string;
  readonly location: GeneralName;
}

/** One extension as encoded. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** The extensions of a certificate, decoded; absent fields mean the extension is absent. */
export interface CertificateExtensions {
  readonly subjectAltNames?: readonly GeneralName[];
  readonly basicConstraints?: BasicConstraints;
  readonly keyUsage?: ReadonlySet<KeyUsage>;
  /** Purpose OIDs. */
  readonly extendedKeyUsage?: readonly string[];
  readonly nameConstraints?: NameConstraints;
  /** authorityKeyIdentifier's keyIdentifier. */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** True when authorityKeyIdentifier also names the issuer's issuer and serial (authorityCertIssuer). */
  readonly authorityKeyIdentifierNamesIssuer?: boolean;
  /** authorityInfoAccess entries (RFC 5280 section 4.2.2.1). */
  readonly authorityInformationAccess?: readonly AccessDescription[];
  readonly subjectKeyIdentifier?: Uint8Array;
  /** Every extension in order, including ones this module does not interpret. */
  readonly all: readonly RawExtension[];
  /** OIDs of critical extensions this module does not process (validation rejects such a certificate). */
  readonly unhandledCritical: readonly string[];
}

/** Decodes one GeneralName element (the CHOICE is context-tagged, implicit except directoryName). */
function parseGeneralName(element: { tag: number; contents: Uint8Array }, what: string, inConstraint: boolean): GeneralSubtree | GeneralName {
  const tagNumber = element.tag & 0x1f;
  const constructed = (element.tag & 0x20) !== 0;
  if ((element.tag & 0xc0) !== 0x80) throw new CertificateParseError(`${what}: GeneralName must be context-tagged`);
  switch (tagNumber) {
    case 1:
    case 2:
    case 6: {
      if (constructed) throw new CertificateParseError(`${what}: string GeneralName must be primitive`);
      const value = decodeIa5String(element.contents, what);
      const kind = tagNumber === 1 ? 'email' : tagNumber === 2 ? 'dns' : 'uri';
      return { kind, value };
    }
    case 4: {
      if (!constructed) throw new CertificateParseError(`${what}: directoryName must be constructed`);
      return { kind: 'directory', value: parseDistinguishedName(DerReader.single(element.contents, what).encoded, what) };
    }
    case 7: {
      if (constructed) throw new CertificateParseError(`${what}: iPAddress must be primitive`);
      const bytes = element.contents;
      if (!inConstraint) {
        if (bytes.length !== 4 && bytes.length !== 16) throw new CertificateParseError(`${what}: iPAddress must be 4 or 16 octets`);
        return { kind: 'ip', value: bytes };
      }
      if (bytes.length !== 8 && bytes.length !== 32) throw new CertificateParseError(`${what}: iPAddress constraint must be 8 or 32 octets`);
      const half = bytes.length / 2;
      const mask = bytes.subarray(half);
      checkContiguousMask(mask, what);
      return { kind: 'ip', address: bytes.subarray(0, half), mask };
    }
    default:
      return { kind: 'other', tagNumber };
  }
}

function checkContiguousMask(mask: Uint8Array, what: string): void {
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = ((byte >> bit) & 1) === 1;
      if (set && seenZero) throw new CertificateParseError(`${what}: IP constraint mask is not a prefix`);
      if (!set) seenZero = true;
    }
  }
}

function parseSubjectAltName(value: Uint8Array): GeneralName[] {
  const reader = new DerReader(DerReader.single(value, 'subjectAltName').contents);
  const names: GeneralName[] = [];
  while (!reader.atEnd) names.push(parseGeneralName(reader.read('subjectAltName entry'), 'subjectAltName entry', false) as GeneralName);
  if (names.length === 0) throw new CertificateParseError('subjectAltName must not be empty');
  return names;
}

function parseBasicConstraints(value: Uint8Array): BasicConstraints {
  const outer = DerReader.single(value, 'basicConstraints');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('basicConstraints: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const cAElement = reader.optional(Tag.BOOLEAN, 'basicConstraints cA');
  const cA = cAElement ? decodeBoolean(cAElement, 'basicConstraints cA') : false;
  const lengthElement = reader.optional(Tag.INTEGER, 'pathLenConstraint');
  reader.expectEnd('basicConstraints');
  if (!lengthElement) return { cA };
  return { cA, pathLength: decodeSmallInteger(lengthElement, 'pathLenConstraint', 255) };
}

function parseKeyUsage(value: Uint8Array): Set<KeyUsage> {
  const { bytes } = decodeBitString(DerReader.single(value, 'keyUsage'), 'keyUsage');
  const usages = new Set<KeyUsage>();
  keyUsageBits.forEach((usage, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) usages.add(usage);
  });
  return usages;
}

function parseExtendedKeyUsage(value: Uint8Array): string[] {
  const reader = new DerReader(DerReader.single(value, 'extendedKeyUsage').contents);
  const purposes: string[] = [];
  while (!reader.atEnd) purposes.push(decodeOid(reader.read('extendedKeyUsage purpose'), 'extendedKeyUsage purpose'));
  if (purposes.length === 0) throw new CertificateParseError('extendedKeyUsage must not be empty');
  return purposes;
}

function parseSubtrees(contents: Uint8Array, what: string): GeneralSubtree[] {
  const reader = new DerReader(contents);
  const subtrees: GeneralSubtree[] = [];
  while (!reader.atEnd) {
    const subtree = reader.enter(Tag.SEQUENCE, what);
    const base = parseGeneralName(subtree.read(`${what} base`), `${what} base`, true) as GeneralSubtree;
    if (!subtree.atEnd) throw new CertificateParseError(`${what}: minimum and maximum are not supported (RFC 5280 forbids them)`, 'unsupported');
    subtrees.push(base);
  }
  if (subtrees.length === 0) throw new CertificateParseError(`${what}: empty GeneralSubtrees`);
  return subtrees;
}

function parseNameConstraints(value: Uint8Array): NameConstraints {
  const outer = DerReader.single(value, 'nameConstraints');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('nameConstraints: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const permitted = reader.optional(contextTag(0, true), 'permittedSubtrees');
  const excluded = reader.optional(contextTag(1, true), 'excludedSubtrees');
  reader.expectEnd('nameConstraints');
  if (!permitted && !excluded) throw new CertificateParseError('nameConstraints must not be empty');
  return {
    ...(permitted && { permitted: parseSubtrees(permitted.contents, 'permittedSubtrees') }),
    ...(excluded && { excluded: parseSubtrees(excluded.contents, 'excludedSubtrees') }),
  };
}

/** authorityKeyIdentifier (RFC 5280 section 4.2.1.1): the keyIdentifier, and whether issuer and serial are named too. */
function parseAuthorityKeyIdentifier(value: Uint8Array): { keyIdentifier?: Uint8Array; namesIssuer: boolean } {
  const outer = DerReader.single(value, 'authorityKeyIdentifier');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('authorityKeyIdentifier: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const keyIdentifier = reader.optional(contextTag(0, false), 'authorityKeyIdentifier keyIdentifier');
  const issuer = reader.optional(contextTag(1, true), 'authorityCertIssuer');
  const serial = reader.optional(contextTag(2, false), 'authorityCertSerialNumber');
  reader.expectEnd('authorityKeyIdentifier');
  if (!issuer !== !serial) throw new CertificateParseError('authorityKeyIdentifier: authorityCertIssuer and authorityCertSerialNumber must come together');
  if (issuer) {
    const names = new DerReader(issuer.contents);
    if (names.atEnd) throw new CertificateParseError('authorityKeyIdentifier: empty authorityCertIssuer');
    while (!names.atEnd) parseGeneralName(names.read('authorityCertIssuer'), 'authorityCertIssuer', false);
  }
  if (keyIdentifier && keyIdentifier.contents.length === 0) throw new CertificateParseError('authorityKeyIdentifier: empty keyIdentifier');
  return { ...(keyIdentifier && { keyIdentifier: keyIdentifier.contents }), namesIssuer: issuer !== undefined };
}

/** authorityInfoAccess (RFC 5280 section 4.2.2.1): one or more (accessMethod, accessLocation) pairs. */
function parseAuthorityInformationAccess(value: Uint8Array): AccessDescription[] {
  const outer = DerReader.single(value, 'authorityInfoAccess');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('authorityInfoAccess: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const descriptions: AccessDescription[] = [];
  while (!reader.atEnd) {
    const description = reader.enter(Tag.SEQUENCE, 'AccessDescription');
    const method = decodeOid(description.read('accessMethod'), 'accessMethod');
    const location = parseGeneralName(description.read('accessLocation'), 'accessLocation', false) as GeneralName;
    description.expectEnd('AccessDescription');
    descriptions.push({ method, location });
  }
  if (descriptions.length === 0) throw new CertificateParseError('authorityInfoAccess must not be empty');
  return descriptions;
}

function parseSubjectKeyIdentifier(value: Uint8Array): Uint8Array {
  return decodeOctetString(DerReader.single(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');
}

/** The extension with `oid`, as encoded, or undefined when absent. */
export function findExtension(extensions: CertificateExtensions, oid: string): RawExtension | undefined {
  return extensions.all.find((extension) => extension.oid === oid);
}

/** Decodes the contents of the `[3] EXPLICIT Extensions` field. */
export function parseExtensions(contents: Uint8Array): CertificateExtensions {
  const reader = new DerReader(DerReader.single(contents, 'extensions').contents);
  const all: RawExtension[] = [];
  const unhandledCritical: string[] = [];
  const seen = new Set<string>();
  const decoded: { -readonly [K in keyof CertificateExtensions]?: CertificateExtensions[K] } = {};
  while (!reader.atEnd) {
    const extension = reader.enter(Tag.SEQUENCE, 'extension');
    const oid = decodeOid(extension.read('extension id'), 'extension id');
    const criticalElement = extension.optional(Tag.BOOLEAN, 'extension critical');
    const critical = criticalElement ? decodeBoolean(criticalElement, 'extension critical') : false;
    const value = decodeOctetString(extension.read('extension value'), 'extension value');
    extension.expectEnd('extension');
    if (seen.has(oid)) throw new CertificateParseError(`extension ${oid} appears twice`);
    seen.add(oid);
    all.push({ oid, critical, value });
    switch (oid) {
      case ExtensionOid.subjectAltName: decoded.subjectAltNames = parseSubjectAltName(value); break;
      case ExtensionOid.basicConstraints: decoded.basicConstraints = parseBasicConstraints(value); break;
      case ExtensionOid.keyUsage: decoded.keyUsage = parseKeyUsage(value); break;
      case ExtensionOid.extendedKeyUsage: decoded.extendedKeyUsage = parseExtendedKeyUsage(value); break;
      case ExtensionOid.nameConstraints: decoded.nameConstraints = parseNameConstraints(value); break;
      case ExtensionOid.authorityKeyIdentifier: {
        const { keyIdentifier, namesIssuer } = parseAuthorityKeyIdentifier(value);
        if (keyIdentifier) decoded.authorityKeyIdentifier = keyIdentifier;
        decoded.authorityKeyIdentifierNamesIssuer = namesIssuer;
        break;
      }
      case ExtensionOid.authorityInformationAccess: decoded.authorityInformationAccess = parseAuthorityInformationAccess(value); break;
      case ExtensionOid.subjectKeyIdentifier: decoded.subjectKeyIdentifier = parseSubjectKeyIdentifier(value); break;
      default:
        if (critical) unhandledCritical.push(oid);
    }
  }
  if (all.length === 0) throw new CertificateParseError('extensions must not be empty when present');
  return { ...decoded, all, unhandledCritical };
}
