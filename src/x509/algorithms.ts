/**
 * Algorithm identifiers: SubjectPublicKeyInfo into the provider's `PublicKey`, a
 * certificate's signature AlgorithmIdentifier (including RSASSA-PSS parameters) into a
 * `SignatureAlgorithm`, and the choice of provider `SignatureSchemeName` for a
 * signature made by a given key. Used by certificate.ts and keys.ts.
 */

import type { EcCurveName, HashName, PublicKey, SignatureSchemeName } from '../crypto/provider.js';
import {
  CertificateParseError, DerReader, Tag, contextTag, decodeNull, decodeOctetAlignedBitString, decodeOid,
  decodePositiveInteger, decodeSmallInteger,
} from './der.js';
import { AlgorithmOid, CurveOid, unsupportedKeyNames } from './oids.js';

/** How a public key was labelled in its SubjectPublicKeyInfo (an RSASSA-PSS key may only verify PSS). */
export type PublicKeyAlgorithm = 'rsaEncryption' | 'rsassa-pss' | 'ec' | 'ed25519' | 'ed448';

/** A certificate signature algorithm, decoded; `unsupported` ones parse but never verify. */
export type SignatureAlgorithm =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly hash: HashName }
  | { readonly kind: 'ecdsa'; readonly hash: HashName }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' }
  | { readonly kind: 'unsupported'; readonly oid: string; readonly detail: string };

/** A SubjectPublicKeyInfo, decoded. */
export interface SubjectPublicKey {
  readonly algorithm: PublicKeyAlgorithm;
  readonly key: PublicKey;
}

const curveByOid = new Map<string, EcCurveName>(
  Object.entries(CurveOid).map(([curve, oid]) => [oid, curve as EcCurveName]),
);
const pointLength = { 'P-256': 65, 'P-384': 97, 'P-521': 133 } as const;

/** The named curve for an OID, or undefined for one we do not support. */
export function curveForOid(oid: string): EcCurveName | undefined {
  return curveByOid.get(oid);
}

/** ` (name)` for a key algorithm or curve OID we know by name but do not support. */
function namedOid(oid: string): string {
  const name = unsupportedKeyNames.get(oid);
  return name ? ` (${name})` : '';
}

/** Decodes a DER RSAPublicKey (PKCS#1) into the provider's key. */
export function parseRsaPublicKey(bytes: Uint8Array): Extract<PublicKey, { kind: 'rsa' }> {
  const outer = DerReader.single(bytes, 'RSAPublicKey');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('RSAPublicKey: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const n = decodePositiveInteger(reader.read('RSA modulus'), 'RSA modulus');
  const e = decodePositiveInteger(reader.read('RSA exponent'), 'RSA exponent');
  reader.expectEnd('RSAPublicKey');
  if (e < 3n || e % 2n === 0n) throw new CertificateParseError('RSA public exponent must be odd and at least 3');
  return { kind: 'rsa', n, e };
}

/** Decodes the named-curve parameter of an id-ecPublicKey AlgorithmIdentifier. */
export function parseNamedCurve(reader: DerReader, what: string): EcCurveName {
  const params = reader.read(`${what} parameters`);
  if (params.tag !== Tag.OID) throw new CertificateParseError(`${what}: only named curves are supported`, 'unsupported');
  const oid = decodeOid(params, `${what} curve`);
  const curve = curveForOid(oid);
  if (!curve) throw new CertificateParseError(`${what}: unsupported curve ${oid}${namedOid(oid)}`, 'unsupported');
  return curve;
}

/** Checks an uncompressed SEC1 point's length for `curve`. */
export function checkEcPoint(curve: EcCurveName, point: Uint8Array, what: string): void {
  if (point[0] !== 0x04) throw new CertificateParseError(`${what}: only uncompressed EC points are supported`, 'unsupported');
  if (point.length !== pointLength[curve]) throw new CertificateParseError(`${what}: EC point has the wrong length`);
}

/** Decodes a SubjectPublicKeyInfo: EC P-256/P-384/P-521, Ed25519, Ed448 or RSA (rsaEncryption or RSASSA-PSS). */
export function parseSubjectPublicKeyInfo(bytes: Uint8Array): SubjectPublicKey {
  const outer = DerReader.single(bytes, 'SubjectPublicKeyInfo');
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError('SubjectPublicKeyInfo: expected SEQUENCE');
  const reader = new DerReader(outer.contents);
  const algorithm = reader.enter(Tag.SEQUENCE, 'SubjectPublicKeyInfo algorithm');
  const keyBits = decodeOctetAlignedBitString(reader.expect(Tag.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
  reader.expectEnd('SubjectPublicKeyInfo');
  const oid = decodeOid(algorithm.read('public key algorithm'), 'public key algorithm');
  switch (oid) {
    case AlgorithmOid.ecPublicKey: {
      const curve = parseNamedCurve(algorithm, 'EC public key');
      algorithm.expectEnd('EC public key algorithm');
      checkEcPoint(curve, keyBits, 'EC public key');
      return { algorithm: 'ec', key: { kind: 'ec', curve, point: keyBits } };
    }
    case AlgorithmOid.ed25519:
      algorithm.expectEnd('Ed25519 algorithm (parameters must be absent)');
      if (keyBits.length !== 32) throw new CertificateParseError('Ed25519 public key must be 32 bytes');
      return { algorithm: 'ed25519', key: { kind: 'ed25519', key: keyBits } };
    case AlgorithmOid.ed448:
      algorithm.expectEnd('Ed448 algorithm (parameters must be absent)');
      if (keyBits.length !== 57) throw new CertificateParseError('Ed448 public key must be 57 bytes');
      return { algorithm: 'ed448', key: { kind: 'ed448', key: keyBits } };
    case AlgorithmOid.rsaEncryption:
      decodeNull(algorithm.read('rsaEncryption parameters'), 'rsaEncryption parameters');
      algorithm.expectEnd('rsaEncryption algorithm');
      return { algorithm: 'rsaEncryption', key: parseRsaPublicKey(keyBits) };
    case AlgorithmOid.rsassaPss:
      // Parameters, when present, restrict the key further; we only check they are well-formed.
      if (!algorithm.atEnd) parsePssParameters(algorithm.expect(Tag.SEQUENCE, 'RSASSA-PSS key parameters').contents);
      algorithm.expectEnd('RSASSA-PSS key algorithm');
      return { algorithm: 'rsassa-pss', key: { ...parseRsaPublicKey(keyBits), pssOnly: true } };
    default:
      throw new CertificateParseError(`unsupported public key algorithm ${oid}${namedOid(oid)}`, 'unsupported');
  }
}

const hashByOid = new Map<string, HashName>([
  [AlgorithmOid.sha256, 'SHA-256'],
  [AlgorithmOid.sha384, 'SHA-384'],
  [AlgorithmOid.sha512, 'SHA-512'],
]);
const hashLength: Record<HashName, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** Reads a hash AlgorithmIdentifier (parameters NULL or absent); undefined for a hash we do not support. */
function parseHashAlgorithm(reader: DerReader, what: string): HashName | undefined {
  const oid = decodeOid(reader.read(what), what);
  if (!reader.atEnd) decodeNull(reader.read(`${what} parameters`), `${what} parameters`);
  reader.expectEnd(what);
  return hashByOid.get(oid);
}

/** Decodes RSASSA-PSS-params (RFC 4055); the result is `unsupported` unless hash = MGF1 hash, salt = hash length, trailer 1. */
export function parsePssParameters(contents: Uint8Array): SignatureAlgorithm {
  const reader = new DerReader(contents);
  const unsupported = (detail: string): SignatureAlgorithm => ({ kind: 'unsupported', oid: AlgorithmOid.rsassaPss, detail });
  let hash: HashName | undefined;
  let hashIsDefault = true;
  let mgfHash: HashName | undefined;
  let mgfIsDefault = true;
  let saltLength = 20;
  let trailer = 1;
  const hashField = reader.optional(contextTag(0, true), 'PSS hashAlgorithm');
  if (hashField) {
    hashIsDefault = false;
    const inner = DerReader.single(hashField.contents, 'PSS hashAlgorithm');
    hash = parseHashAlgorithm(new DerReader(expectSequence(inner, 'PSS hashAlgorithm')), 'PSS hash');
  }
  const mgfField = reader.optional(contextTag(1, true), 'PSS maskGenAlgorithm');
  if (mgfField) {
    mgfIsDefault = false;
    const mgf = new DerReader(expectSequence(DerReader.single(mgfField.contents, 'PSS maskGenAlgorithm'), 'PSS maskGenAlgorithm'));
    const mgfOid = decodeOid(mgf.read('MGF algorithm'), 'MGF algorithm');
    if (mgfOid !== AlgorithmOid.mgf1) return unsupported(`mask generation ${mgfOid}`);
    const mgfParams = mgf.enter(Tag.SEQUENCE, 'MGF1 hash');
    mgf.expectEnd('PSS maskGenAlgorithm');
    mgfHash = parseHashAlgorithm(mgfParams, 'MGF1 hash');
  }
  const saltField = reader.optional(contextTag(2, true), 'PSS saltLength');
  if (saltField) saltLength = decodeSmallInteger(DerReader.single(saltField.contents, 'PSS saltLength'), 'PSS saltLength', 0xffff);
  const trailerField = reader.optional(contextTag(3, true), 'PSS trailerField');
  if (trailerField) trailer = decodeSmallInteger(DerReader.single(trailerField.contents, 'PSS trailerField'), 'PSS trailerField');
  reader.expectEnd('RSASSA-PSS-params');
  if (hashIsDefault || mgfIsDefault) return unsupported('SHA-1 (the default) is not supported');
  if (!hash || !mgfHash) return unsupported('unsupported hash');
  if (hash !== mgfHash) return unsupported('MGF1 hash differs from the message hash');
  if (saltLength !== hashLength[hash]) return unsupported('salt length differs from the hash length');
  if (trailer !== 1) return unsupported('trailer field must be 1');
  return { kind: 'rsa-pss', hash };
}

function expectSequence(element: { tag: number; contents: Uint8Array }, what: string): Uint8Array {
  if (element.tag !== Tag.SEQUENCE) throw new CertificateParseError(`${what}: expected SEQUENCE`);
  return element.contents;
}

const simpleSignatures = new Map<string, SignatureAlgorithm & { readonly parameters: 'null-or-absent' | 'absent' }>([
  [AlgorithmOid.sha256WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-256', parameters: 'null-or-absent' }],
  [AlgorithmOid.sha384WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-384', parameters: 'null-or-absent' }],
  [AlgorithmOid.sha512WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-512', parameters: 'null-or-absent' }],
  [AlgorithmOid.ecdsaWithSha256, { kind: 'ecdsa', hash: 'SHA-256', parameters: 'absent' }],
  [AlgorithmOid.ecdsaWithSha384, { kind: 'ecdsa', hash: 'SHA-384', parameters: 'absent' }],
  [AlgorithmOid.ecdsaWithSha512, { kind: 'ecdsa', hash: 'SHA-512', parameters: 'absent' }],
  [AlgorithmOid.ed25519, { kind: 'ed25519', parameters: 'absent' }],
  [AlgorithmOid.ed448, { kind: 'ed448', parameters: 'absent' }],
]);

/** Decodes the contents of a signature AlgorithmIdentifier SEQUENCE. */
export function parseSignatureAlgorithm(contents: Uint8Array): SignatureAlgorithm {
  const reader = new DerReader(contents);
  const oid = decodeOid(reader.read('signature algorithm'), 'signature algorithm');
  if (oid === AlgorithmOid.rsassaPss) {
    const params = reader.expect(Tag.SEQUENCE, 'RSASSA-PSS parameters');
    reader.expectEnd('RSASSA-PSS algorithm');
    return parsePssParameters(params.contents);
  }
  const known = simpleSignatures.get(oid);
  if (!known) return { kind: 'unsupported', oid, detail: 'unknown or deprecated signature algorithm' };
  if (!reader.atEnd) {
    if (known.parameters === 'absent') throw new CertificateParseError(`signature algorithm ${oid}: parameters must be absent`);
    decodeNull(reader.read('signature algorithm parameters'), 'signature algorithm parameters');
  }
  reader.expectEnd('signature algorithm');
  const { parameters: _unused, ...algorithm } = known;
  return algorithm;
}

const ecdsaSchemes: Record<string, SignatureSchemeName> = {
  'P-256/SHA-256': 'ecdsa_secp256r1_sha256',
  'P-384/SHA-384': 'ecdsa_secp384r1_sha384',
  'P-521/SHA-512': 'ecdsa_secp521r1_sha512',
};
const pkcs1Schemes: Record<HashName, SignatureSchemeName> = {
  'SHA-256': 'rsa_pkcs1_sha256', 'SHA-384': 'rsa_pkcs1_sha384', 'SHA-512': 'rsa_pkcs1_sha512',
};
const pssRsaeSchemes: Record<HashName, SignatureSchemeName> = {
  'SHA-256': 'rsa_pss_rsae_sha256', 'SHA-384': 'rsa_pss_rsae_sha384', 'SHA-512': 'rsa_pss_rsae_sha512',
};
const pssPssSchemes: Record<HashName, SignatureSchemeName> = {
  'SHA-256': 'rsa_pss_pss_sha256', 'SHA-384': 'rsa_pss_pss_sha384', 'SHA-512': 'rsa_pss_pss_sha512',
};

/** The provider scheme that verifies `algorithm` with a key, or a reason why there is none. */
export function signatureSchemeFor(
  algorithm: SignatureAlgorithm,
  key: SubjectPublicKey,
): { scheme: SignatureSchemeName } | { unsupported: string } {
  switch (algorithm.kind) {
    case 'rsa-pkcs1':
      if (key.algorithm !== 'rsaEncryption') return { unsupported: `an ${key.algorithm} key cannot make PKCS#1 v1.5 signatures` };
      return { scheme: pkcs1Schemes[algorithm.hash] };
    case 'rsa-pss':
      if (key.algorithm === 'rsaEncryption') return { scheme: pssRsaeSchemes[algorithm.hash] };
      if (key.algorithm === 'rsassa-pss') return { scheme: pssPssSchemes[algorithm.hash] };
      return { unsupported: `an ${key.algorithm} key cannot make RSA-PSS signatures` };
    case 'ecdsa': {
      if (key.key.kind !== 'ec') return { unsupported: `an ${key.algorithm} key cannot make ECDSA signatures` };
      const scheme = ecdsaSchemes[`${key.key.curve}/${algorithm.hash}`];
      return scheme ? { scheme } : { unsupported: `ECDSA ${key.key.curve} with ${algorithm.hash} is not supported` };
    }
    case 'ed25519':
      if (key.algorithm !== 'ed25519') return { unsupported: `an ${key.algorithm} key cannot make Ed25519 signatures` };
      return { scheme: 'ed25519' };
    case 'ed448':
      if (key.algorithm !== 'ed448') return { unsupported: `an ${key.algorithm} key cannot make Ed448 signatures` };
      return { scheme: 'ed448' };
    case 'unsupported':
      return { unsupported: `signature algorithm ${algorithm.oid} (${algorithm.detail})` };
  }
}

/** The bit length of an RSA modulus. */
export function rsaModulusBits(n: bigint): number {
  return n.toString(2).length;
}
