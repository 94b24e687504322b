/**
 * Development certificates in pure TypeScript: a self-signed CA and certificates issued
 * by it (leaves or intermediates), as DER and PEM with a PKCS#8 private key that
 * node:tls and OpenSSL accept. For demos and tests, so nothing needs the openssl CLI.
 */

import type { CryptoProvider, PrivateKey, SignatureSchemeName } from '../crypto/provider.js';
import { nobleCryptoProvider } from '../crypto/noble.js';
import { type Certificate, parseCertificate } from './certificate.js';
import { DerReader, decodeOctetAlignedBitString } from './der.js';
import * as der from './der-writer.js';
import { type KeyUsage, keyUsageBits } from './extensions.js';
import { parseIPAddress } from './hostname.js';
import {
  type GeneratedKeyType, encodePkcs8, encodeSubjectPublicKeyInfo, generatePrivateKey, publicKeyOf,
} from './keys.js';
import { AlgorithmOid, AttributeOid, ExtendedKeyUsageOid, ExtensionOid } from './oids.js';
import { toPem } from './pem.js';

/** A certificate with its private key, in the forms node:tls and this module take. */
export interface DevelopmentCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly certificate: Certificate;
  readonly privateKey: PrivateKey;
  /** The private key as PKCS#8 PEM ("PRIVATE KEY"). */
  readonly privateKeyPem: string;
}

/** What an issuer needs: its certificate (for the issuer name and key identifier) and its key. */
export type CertificateIssuer = Pick<DevelopmentCertificate, 'certificate' | 'privateKey'>;

/** A name-constraint base that is not a DNS name or CIDR block: an rfc822Name or a directoryName. */
export type SubtreeOption =
  | { readonly email: string }
  | { readonly directory: readonly NameAttributeOption[] };

/** One subject attribute as `[type OID, value]`, each its own RDN (UTF8String). */
export type NameAttributeOption = readonly [type: string, value: string];

/** DNS names and CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`), e-mail and directory bases for a nameConstraints extension. */
export interface NameConstraintOptions {
  readonly permitted?: readonly (string | SubtreeOption)[];
  readonly excluded?: readonly (string | SubtreeOption)[];
}

/** An extension added verbatim (tests use it for unknown critical extensions). */
export interface ExtraExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue contents (DER of the extension's own type). */
  readonly value: Uint8Array;
}

/** Options of a certificate to issue; everything but `commonName` has a default. */
export interface CertificateOptions {
  /** Subject commonName (default: a leaf's first DNS name or IP address).  */
  readonly commonName?: string;
  readonly organization?: string;
  /** dNSName subjectAltNames (default for a leaf given no other names: `localhost`). */
  readonly dnsNames?: readonly string[];
  /** IPv4 or IPv6 literals for iPAddress subjectAltName entries. */
  readonly ipAddresses?: readonly string[];
  /** Type of a freshly generated key (default P-256); ignored when `key` is given. */
  readonly keyType?: GeneratedKeyType;
  /** Use this key instead of generating one (cross-signing reuses a key). */
  readonly key?: PrivateKey;
  /** Default: one hour ago. */
  readonly notBefore?: Date;
  /** Default: one year after notBefore (ten years for a CA). */
  readonly notAfter?: Date;
  readonly isCA?: boolean;
  /** pathLenConstraint for a CA. */
  readonly pathLen?: number;
  /** Purposes (names or OIDs); default serverAuth + clientAuth for a leaf, none for a CA; `null` omits the extension. */
  readonly extKeyUsage?: readonly string[] | null;
  /** Overrides the default keyUsage (CA: keyCertSign, cRLSign, digitalSignature; leaf: digitalSignature). */
  readonly keyUsage?: readonly KeyUsage[];
  readonly nameConstraints?: NameConstraintOptions;
  /** Omit the basicConstraints extension entirely (default false). */
  readonly omitBasicConstraints?: boolean;
  /** Include subject and authority key identifiers (default true). */
  readonly keyIdentifiers?: boolean;
  readonly extraExtensions?: readonly ExtraExtension[];
  readonly serialNumber?: bigint;
  /** Raw serialNumber INTEGER contents (for negative or oversized serials); overrides `serialNumber`. */
  readonly serialNumberBytes?: Uint8Array;
  /** The subject as RDNs, replacing commonName/organization; `[]` is the empty subject. */
  readonly subject?: readonly NameAttributeOption[];
  /** rfc822Name subjectAltName entries. */
  readonly emailAddresses?: readonly string[];
  /** directoryName subjectAltName entries. */
  readonly directoryNames?: readonly (readonly NameAttributeOption[])[];
  /** Mark subjectAltName critical (default: only when the subject is empty, as RFC 5280 asks). */
  readonly altNamesCritical?: boolean;
  /** Mark basicConstraints critical (default true). */
  readonly basicConstraintsCritical?: boolean;
  /** Mark extendedKeyUsage critical (default false). */
  readonly extKeyUsageCritical?: boolean;
  /** Omit keyUsage (default false). */
  readonly omitKeyUsage?: boolean;
  /** Include subjectKeyIdentifier (default `keyIdentifiers`). */
  readonly subjectKeyIdentifier?: boolean;
  /** authorityKeyIdentifier: omitted, marked critical, or also naming the issuer and serial (default: keyIdentifier only). */
  readonly authorityKeyIdentifier?: 'omit' | 'critical' | 'with-issuer';
  /** Use this SubjectPublicKeyInfo DER instead of the key's (for keys we cannot sign with: DSA, other curves). */
  readonly subjectPublicKeyInfo?: Uint8Array;
  /** Signs and supplies randomness (default: the noble provider). */
  readonly provider?: CryptoProvider;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The signature scheme and AlgorithmIdentifier the development issuer signs with for `key`. */
export function signatureAlgorithmFor(key: PrivateKey): { scheme: SignatureSchemeName; algorithm: Uint8Array } {
  switch (key.kind) {
    case 'ec':
      if (key.curve === 'P-256') return { scheme: 'ecdsa_secp256r1_sha256', algorithm: der.sequence([der.oid(AlgorithmOid.ecdsaWithSha256)]) };
      if (key.curve === 'P-384') return { scheme: 'ecdsa_secp384r1_sha384', algorithm: der.sequence([der.oid(AlgorithmOid.ecdsaWithSha384)]) };
      return { scheme: 'ecdsa_secp521r1_sha512', algorithm: der.sequence([der.oid(AlgorithmOid.ecdsaWithSha512)]) };
    case 'ed25519':
    case 'ed448':
      return { scheme: key.kind, algorithm: der.sequence([der.oid(AlgorithmOid[key.kind])]) };
    case 'rsa':
      if (key.pssOnly) throw new RangeError('signing with an RSASSA-PSS-only key is not supported by the development issuer');
      return { scheme: 'rsa_pkcs1_sha256', algorithm: der.sequence([der.oid(AlgorithmOid.sha256WithRSAEncryption), der.nullValue()]) };
  }
}

function encodeAttributes(attributes: readonly NameAttributeOption[]): Uint8Array {
  const text = (type: string, value: string) => (type === AttributeOid.emailAddress ? der.ia5String(value) : der.utf8String(value));
  return der.sequence(attributes.map(([type, value]) => der.setOf([der.sequence([der.oid(type), text(type, value)])])));
}

/** A leaf given no names at all is for `localhost`; a CA gets only the names it is given. */
function dnsNamesOf(options: CertificateOptions): readonly string[] {
  if (options.dnsNames || options.isCA || options.subject) return options.dnsNames ?? [];
  const named = options.ipAddresses?.length || options.emailAddresses?.length || options.directoryNames?.length;
  return named ? [] : ['localhost'];
}

/** A leaf's commonName must repeat one of its subjectAltNames (BRs 7.1.4.3), so the default is its first name. */
function defaultCommonName(options: CertificateOptions): string {
  if (options.isCA) return 'tlsservice development';
  return dnsNamesOf(options)[0] ?? options.ipAddresses?.[0] ?? 'tlsservice development';
}

function encodeName(options: CertificateOptions): Uint8Array {
  if (options.subject) return encodeAttributes(options.subject);
  const attribute = (type: string, value: string) => der.setOf([der.sequence([der.oid(type), der.utf8String(value)])]);
  const rdns: Uint8Array[] = [];
  if (options.organization !== undefined) rdns.push(attribute(AttributeOid.organizationName, options.organization));
  rdns.push(attribute(AttributeOid.commonName, options.commonName ?? defaultCommonName(options)));
  return der.sequence(rdns);
}

function encodeGeneralSubtree(entry: string | SubtreeOption): Uint8Array {
  if (typeof entry !== 'string') {
    if ('email' in entry) return der.sequence([der.implicitPrimitive(1, new TextEncoder().encode(entry.email))]);
    return der.sequence([der.explicit(4, encodeAttributes(entry.directory))]);
  }
  const slash = entry.indexOf('/');
  if (slash < 0) return der.sequence([der.implicitPrimitive(2, new TextEncoder().encode(entry))]);
  const address = parseIPAddress(entry.slice(0, slash));
  const prefix = Number(entry.slice(slash + 1));
  if (!address || !Number.isInteger(prefix) || prefix < 0 || prefix > address.length * 8) throw new RangeError(`bad CIDR ${entry}`);
  const mask = new Uint8Array(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return der.sequence([der.implicitPrimitive(7, der.concatBytes([address, mask]))]);
}

/** One Extension: id, critical flag (omitted when false, as DER requires), and the value in an OCTET STRING. */
export function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return der.sequence([der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value)]);
}

/** RFC 7093 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits. */
function keyIdentifier(spki: Uint8Array, provider: CryptoProvider): Uint8Array {
  const reader = new DerReader(DerReader.single(spki, 'SubjectPublicKeyInfo').contents);
  reader.read('algorithm');
  const bits = decodeOctetAlignedBitString(reader.read('subjectPublicKey'), 'subjectPublicKey');
  return provider.hash('SHA-256').digest(bits).subarray(0, 20);
}

/** The issuer's name and serial as authorityCertIssuer / authorityCertSerialNumber fields. */
interface IssuerIdentity {
  readonly keyIdentifier: Uint8Array | undefined;
  readonly name: Uint8Array;
  readonly serial: Uint8Array;
}

function encodeExtensions(options: CertificateOptions, subjectKeyId: Uint8Array, authority: IssuerIdentity, isRsa: boolean): Uint8Array[] {
  const isCA = options.isCA ?? false;
  const extensions: Uint8Array[] = [];
  if (!options.omitBasicConstraints) {
    const fields = isCA ? [der.boolean(true), ...(options.pathLen === undefined ? [] : [der.integer(options.pathLen)])] : [];
    extensions.push(extension(ExtensionOid.basicConstraints, options.basicConstraintsCritical ?? true, der.sequence(fields)));
  }
  const usages = options.keyUsage ?? (isCA ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : isRsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  if (!options.omitKeyUsage) extensions.push(extension(ExtensionOid.keyUsage, true, der.namedBits(usages.map((usage) => keyUsageBits.indexOf(usage)))));
  const purposes = options.extKeyUsage === undefined ? (isCA ? [] : ['serverAuth', 'clientAuth']) : (options.extKeyUsage ?? []);
  if (purposes.length > 0) {
    const oids = purposes.map((purpose) => (ExtendedKeyUsageOid as Record<string, string>)[purpose] ?? purpose);
    extensions.push(extension(ExtensionOid.extendedKeyUsage, options.extKeyUsageCritical ?? false, der.sequence(oids.map((oid) => der.oid(oid)))));
  }
  const altNames = [
    ...(dnsNamesOf(options)).map((name) => der.implicitPrimitive(2, new TextEncoder().encode(name))),
    ...(options.ipAddresses ?? []).map((text) => {
      const address = parseIPAddress(text);
      if (!address) throw new RangeError(`not an IP address: ${text}`);
      return der.implicitPrimitive(7, address);
    }),
    ...(options.emailAddresses ?? []).map((address) => der.implicitPrimitive(1, new TextEncoder().encode(address))),
    ...(options.directoryNames ?? []).map((name) => der.explicit(4, encodeAttributes(name))),
  ];
  const emptySubject = options.subject !== undefined && options.subject.length === 0;
  if (altNames.length > 0) extensions.push(extension(ExtensionOid.subjectAltName, options.altNamesCritical ?? emptySubject, der.sequence(altNames)));
  const constraints = options.nameConstraints;
  if (constraints) {
    const subtrees = [
      ...(constraints.permitted?.length ? [der.explicit(0, constraints.permitted.map(encodeGeneralSubtree))] : []),
      ...(constraints.excluded?.length ? [der.explicit(1, constraints.excluded.map(encodeGeneralSubtree))] : []),
    ];
    extensions.push(extension(ExtensionOid.nameConstraints, true, der.sequence(subtrees)));
  }
  const identifiers = options.keyIdentifiers ?? true;
  if (options.subjectKeyIdentifier ?? identifiers) extensions.push(extension(ExtensionOid.subjectKeyIdentifier, false, der.octetString(subjectKeyId)));
  const akiStyle = options.authorityKeyIdentifier;
  if (identifiers && authority.keyIdentifier && akiStyle !== 'omit') {
    const fields = [der.implicitPrimitive(0, authority.keyIdentifier)];
    if (akiStyle === 'with-issuer') fields.push(der.element(0xa1, der.explicit(4, authority.name)), der.implicitPrimitive(2, authority.serial));
    extensions.push(extension(ExtensionOid.authorityKeyIdentifier, akiStyle === 'critical', der.sequence(fields)));
  }
  for (const extra of options.extraExtensions ?? []) extensions.push(extension(extra.oid, extra.critical, extra.value));
  return extensions;
}

function randomSerial(provider: CryptoProvider): bigint {
  const bytes = provider.random(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function issue(options: CertificateOptions, issuer: CertificateIssuer | 'self'): DevelopmentCertificate {
  const provider = options.provider ?? nobleCryptoProvider;
  const privateKey = options.key ?? generatePrivateKey(options.keyType ?? 'P-256', provider.random);
  const signingKey = issuer === 'self' ? privateKey : issuer.privateKey;
  const { scheme, algorithm } = signatureAlgorithmFor(signingKey);
  const spki = options.subjectPublicKeyInfo ?? encodeSubjectPublicKeyInfo(publicKeyOf(privateKey));
  const subjectName = encodeName(options);
  const subjectKeyId = keyIdentifier(spki, provider);
  const serial = options.serialNumberBytes ? der.element(0x02, options.serialNumberBytes) : der.integer(options.serialNumber ?? randomSerial(provider));
  const notBefore = options.notBefore ?? new Date(Math.floor((Date.now() - HOUR) / 1000) * 1000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (options.isCA ? 3650 : 365) * DAY);
  const authority: IssuerIdentity =
    issuer === 'self'
      ? { keyIdentifier: subjectKeyId, name: subjectName, serial: serial.subarray(2) }
      : { keyIdentifier: issuer.certificate.extensions.subjectKeyIdentifier, name: issuer.certificate.issuer.der, serial: issuer.certificate.serialNumber };
  const extensions = encodeExtensions(options, subjectKeyId, authority, privateKey.kind === 'rsa');
  const tbs = der.sequence([
    der.explicit(0, der.integer(2)),
    serial,
    algorithm,
    issuer === 'self' ? subjectName : issuer.certificate.subject.der,
    der.sequence([der.time(notBefore), der.time(notAfter)]),
    subjectName,
    spki,
    der.explicit(3, der.sequence(extensions)),
  ]);
  const signature = provider.sign(scheme, signingKey, tbs, provider.random);
  const encoded = der.sequence([tbs, algorithm, der.bitString(signature)]);
  let parsed: Certificate | undefined;
  return {
    der: encoded,
    pem: toPem('CERTIFICATE', encoded),
    // Parsed on first use: a test may issue what this module refuses to read (a DSA key, a malformed extension).
    get certificate() {
      return (parsed ??= parseCertificate(encoded));
    },
    privateKey,
    privateKeyPem: toPem('PRIVATE KEY', encodePkcs8(privateKey)),
  };
}

/** Creates a self-signed development CA (cA true, keyCertSign). */
export function createDevelopmentCA(options: CertificateOptions = {}): DevelopmentCertificate {
  return issue({ commonName: 'tlsservice development CA', ...options, isCA: options.isCA ?? true }, 'self');
}

/** Issues a certificate signed by `issuer`: a leaf by default, an intermediate CA with `isCA`. */
export function issueCertificate(issuer: CertificateIssuer, options: CertificateOptions = {}): DevelopmentCertificate {
  return issue(options, issuer);
}
