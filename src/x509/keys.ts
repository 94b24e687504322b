/**
 * Private keys: reading PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") and PKCS#1
 * ("RSA PRIVATE KEY") from PEM or DER into the provider's `PrivateKey`; writing PKCS#8
 * and SubjectPublicKeyInfo; generating EC and Ed25519 keys for development certificates.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ConfigurationError } from '../errors.js';
import type { EcCurveName, PrivateKey, PublicKey, RandomSource } from '../crypto/provider.js';
import { checkEcPoint, parseNamedCurve } from './algorithms.js';
import {
  CertificateParseError, DerReader, Tag, bytesEqual, contextTag, decodeNull, decodeOctetAlignedBitString,
  decodeOctetString, decodeOid, decodePositiveInteger, decodeSmallInteger,
} from './der.js';
import * as der from './der-writer.js';
import { AlgorithmOid, CurveOid } from './oids.js';
import { bytesToText, looksLikePem, parsePemBlocks } from './pem.js';

/** Key types the development issuer can generate. */
export type GeneratedKeyType = EcCurveName | 'Ed25519' | 'Ed448';

const curves = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const scalarLength = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;
/** Private (and public) key lengths of the EdDSA curves (RFC 8032 sections 5.1.5 and 5.2.5). */
const eddsa = { ed25519: { curve: ed25519, length: 32 }, ed448: { curve: ed448, length: 57 } } as const;

function ecPrivateKey(curve: EcCurveName, scalar: Uint8Array, embeddedPoint: Uint8Array | undefined): PrivateKey {
  if (scalar.length > scalarLength[curve]) throw new CertificateParseError('EC private key is longer than the curve order');
  const d = new Uint8Array(scalarLength[curve]);
  d.set(scalar, d.length - scalar.length);
  if (!curves[curve].utils.isValidSecretKey(d)) throw new CertificateParseError('EC private key is out of range');
  const publicPoint = curves[curve].getPublicKey(d, false);
  if (embeddedPoint && !bytesEqual(embeddedPoint, publicPoint)) throw new CertificateParseError('EC public key does not belong to the private key');
  return { kind: 'ec', curve, d, publicPoint };
}

/** SEC1 ECPrivateKey (RFC 5915); `knownCurve` comes from a PKCS#8 AlgorithmIdentifier. */
function parseSec1(bytes: Uint8Array, knownCurve?: EcCurveName): PrivateKey {
  const reader = new DerReader(DerReader.single(bytes, 'ECPrivateKey').contents);
  if (decodeSmallInteger(reader.read('ECPrivateKey version'), 'ECPrivateKey version') !== 1) throw new CertificateParseError('ECPrivateKey version must be 1');
  const scalar = decodeOctetString(reader.read('ECPrivateKey privateKey'), 'ECPrivateKey privateKey');
  let curve = knownCurve;
  const parameters = reader.optional(contextTag(0, true), 'ECPrivateKey parameters');
  if (parameters) {
    const named = parseNamedCurve(new DerReader(parameters.contents), 'ECPrivateKey');
    if (curve && named !== curve) throw new CertificateParseError('ECPrivateKey curve differs from the PKCS#8 algorithm');
    curve = named;
  }
  const publicKeyField = reader.optional(contextTag(1, true), 'ECPrivateKey publicKey');
  reader.expectEnd('ECPrivateKey');
  if (!curve) throw new CertificateParseError('ECPrivateKey does not name its curve');
  let point: Uint8Array | undefined;
  if (publicKeyField) {
    point = decodeOctetAlignedBitString(DerReader.single(publicKeyField.contents, 'ECPrivateKey publicKey'), 'ECPrivateKey publicKey');
    checkEcPoint(curve, point, 'ECPrivateKey publicKey');
  }
  return ecPrivateKey(curve, scalar, point);
}

/** PKCS#1 RSAPrivateKey (two-prime only). */
function parsePkcs1(bytes: Uint8Array): Extract<PrivateKey, { kind: 'rsa' }> {
  const reader = new DerReader(DerReader.single(bytes, 'RSAPrivateKey').contents);
  if (decodeSmallInteger(reader.read('RSAPrivateKey version'), 'RSAPrivateKey version') !== 0) {
    throw new CertificateParseError('multi-prime RSA keys are not supported', 'unsupported');
  }
  const [n, e, d, p, q, dp, dq, qi] = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((field) =>
    decodePositiveInteger(reader.read(`RSAPrivateKey ${field}`), `RSAPrivateKey ${field}`),
  ) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  reader.expectEnd('RSAPrivateKey');
  if (p * q !== n) throw new CertificateParseError('RSAPrivateKey: p * q is not n');
  return { kind: 'rsa', n, e, d, p, q, dp, dq, qi };
}

/** An Ed25519 or Ed448 CurvePrivateKey (RFC 8410 section 7), checked against an embedded public key. */
function parseEddsaKey(kind: keyof typeof eddsa, curvePrivateKey: Uint8Array, publicKeyBits: Uint8Array | undefined): PrivateKey {
  const label = kind === 'ed25519' ? 'Ed25519' : 'Ed448';
  const seed = decodeOctetString(DerReader.single(curvePrivateKey, 'CurvePrivateKey'), 'CurvePrivateKey');
  if (seed.length !== eddsa[kind].length) throw new CertificateParseError(`${label} private key must be ${eddsa[kind].length} bytes`);
  const publicKey = eddsa[kind].curve.getPublicKey(seed);
  if (publicKeyBits && (publicKeyBits[0] !== 0 || !bytesEqual(publicKeyBits.subarray(1), publicKey))) {
    throw new CertificateParseError(`${label} public key does not belong to the private key`);
  }
  return { kind, seed, publicKey };
}

/** PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208, 5958). */
function parsePkcs8(bytes: Uint8Array): PrivateKey {
  const reader = new DerReader(DerReader.single(bytes, 'PrivateKeyInfo').contents);
  const version = decodeSmallInteger(reader.read('PrivateKeyInfo version'), 'PrivateKeyInfo version');
  if (version > 1) throw new CertificateParseError(`PrivateKeyInfo version ${version} is not supported`, 'unsupported');
  const algorithm = reader.enter(Tag.SEQUENCE, 'privateKeyAlgorithm');
  const privateKey = decodeOctetString(reader.read('privateKey'), 'privateKey');
  reader.optional(contextTag(0, true), 'attributes');
  const publicKeyField = reader.optional(contextTag(1, false), 'publicKey');
  reader.expectEnd('PrivateKeyInfo');
  const oid = decodeOid(algorithm.read('private key algorithm'), 'private key algorithm');
  switch (oid) {
    case AlgorithmOid.ecPublicKey: {
      const curve = parseNamedCurve(algorithm, 'EC private key');
      algorithm.expectEnd('EC private key algorithm');
      return parseSec1(privateKey, curve);
    }
    case AlgorithmOid.ed25519:
      algorithm.expectEnd('Ed25519 algorithm (parameters must be absent)');
      return parseEddsaKey('ed25519', privateKey, publicKeyField?.contents);
    case AlgorithmOid.ed448:
      algorithm.expectEnd('Ed448 algorithm (parameters must be absent)');
      return parseEddsaKey('ed448', privateKey, publicKeyField?.contents);
    case AlgorithmOid.rsaEncryption:
      decodeNull(algorithm.read('rsaEncryption parameters'), 'rsaEncryption parameters');
      algorithm.expectEnd('rsaEncryption algorithm');
      return parsePkcs1(privateKey);
    case AlgorithmOid.rsassaPss:
      return { ...parsePkcs1(privateKey), pssOnly: true };
    default:
      throw new CertificateParseError(`unsupported private key algorithm ${oid}`, 'unsupported');
  }
}

/** Guesses the DER structure: PKCS#8 has an AlgorithmIdentifier second, SEC1 an OCTET STRING, PKCS#1 an INTEGER. */
function parseDerPrivateKey(bytes: Uint8Array): PrivateKey {
  const reader = new DerReader(DerReader.single(bytes, 'private key').contents);
  const first = reader.read('private key');
  const second = reader.peekTag();
  if (first.tag === Tag.SEQUENCE && second === Tag.OCTET_STRING) {
    throw new ConfigurationError('the private key is encrypted (EncryptedPrivateKeyInfo); decrypt it first');
  }
  if (second === Tag.SEQUENCE) return parsePkcs8(bytes);
  if (second === Tag.OCTET_STRING) return parseSec1(bytes);
  if (second === Tag.INTEGER) return parsePkcs1(bytes);
  throw new CertificateParseError('unrecognised private key structure');
}

const keyParsers: Record<string, (bytes: Uint8Array) => PrivateKey> = {
  'PRIVATE KEY': parsePkcs8,
  'EC PRIVATE KEY': (bytes) => parseSec1(bytes),
  'RSA PRIVATE KEY': parsePkcs1,
};

/** Reads a private key from PEM (PKCS#8, SEC1 or PKCS#1) or DER; throws ConfigurationError if it is encrypted, unsupported or malformed. */
export function parsePrivateKey(input: string | Uint8Array): PrivateKey {
  try {
    if (typeof input !== 'string' && !looksLikePem(input)) return parseDerPrivateKey(input);
    const blocks = parsePemBlocks(typeof input === 'string' ? input : bytesToText(input));
    for (const block of blocks) {
      if (block.label === 'ENCRYPTED PRIVATE KEY' || block.headers.get('Proc-Type')?.includes('ENCRYPTED')) {
        throw new ConfigurationError('the private key is encrypted; decrypt it first (encrypted keys are not supported)');
      }
      const parse = keyParsers[block.label];
      if (parse) return parse(block.der);
    }
    throw new ConfigurationError('no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found');
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    if (error instanceof CertificateParseError) {
      throw new ConfigurationError(`${error.kind === 'unsupported' ? 'unsupported' : 'malformed'} private key: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function curveAlgorithm(curve: EcCurveName): Uint8Array {
  return der.sequence([der.oid(AlgorithmOid.ecPublicKey), der.oid(CurveOid[curve])]);
}

function rsaAlgorithm(pssOnly: boolean | undefined): Uint8Array {
  return pssOnly ? der.sequence([der.oid(AlgorithmOid.rsassaPss)]) : der.sequence([der.oid(AlgorithmOid.rsaEncryption), der.nullValue()]);
}

function magnitude(value: bigint): Uint8Array {
  const hex = value.toString(16);
  const padded = hex.length % 2 ? `0${hex}` : hex;
  return Uint8Array.from(padded.match(/../g)!, (pair) => parseInt(pair, 16));
}

/** Encodes a private key as PKCS#8 PrivateKeyInfo DER (what node:tls and OpenSSL read as "PRIVATE KEY"). */
export function encodePkcs8(key: PrivateKey): Uint8Array {
  switch (key.kind) {
    case 'ec': {
      const sec1 = der.sequence([der.integer(1), der.octetString(key.d), der.explicit(1, der.bitString(key.publicPoint))]);
      return der.sequence([der.integer(0), curveAlgorithm(key.curve), der.octetString(sec1)]);
    }
    case 'ed25519':
    case 'ed448':
      return der.sequence([der.integer(0), der.sequence([der.oid(AlgorithmOid[key.kind])]), der.octetString(der.octetString(key.seed))]);
    case 'rsa': {
      const fields = [key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].map((v) => der.unsignedInteger(magnitude(v)));
      const pkcs1 = der.sequence([der.integer(0), ...fields]);
      return der.sequence([der.integer(0), rsaAlgorithm(key.pssOnly), der.octetString(pkcs1)]);
    }
  }
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.kind) {
    case 'ec': return { kind: 'ec', curve: key.curve, point: key.publicPoint };
    case 'ed25519': return { kind: 'ed25519', key: key.publicKey };
    case 'ed448': return { kind: 'ed448', key: key.publicKey };
    case 'rsa': return { kind: 'rsa', n: key.n, e: key.e, ...(key.pssOnly && { pssOnly: true }) };
  }
}

/** Encodes a public key as SubjectPublicKeyInfo DER. */
export function encodeSubjectPublicKeyInfo(key: PublicKey): Uint8Array {
  switch (key.kind) {
    case 'ec': return der.sequence([curveAlgorithm(key.curve), der.bitString(key.point)]);
    case 'ed25519':
    case 'ed448': return der.sequence([der.sequence([der.oid(AlgorithmOid[key.kind])]), der.bitString(key.key)]);
    case 'rsa': {
      const rsaKey = der.sequence([der.unsignedInteger(magnitude(key.n)), der.unsignedInteger(magnitude(key.e))]);
      return der.sequence([rsaAlgorithm(key.pssOnly), der.bitString(rsaKey)]);
    }
  }
}

/** Generates a fresh EC, Ed25519 or Ed448 key from `random`. */
export function generatePrivateKey(type: GeneratedKeyType, random: RandomSource): PrivateKey {
  if (type === 'Ed25519' || type === 'Ed448') {
    const kind = type === 'Ed25519' ? 'ed25519' : 'ed448';
    const seed = random(eddsa[kind].length);
    return { kind, seed, publicKey: eddsa[kind].curve.getPublicKey(seed) };
  }
  const curve = curves[type];
  const d = curve.utils.randomSecretKey(random(curve.lengths.seed!));
  return { kind: 'ec', curve: type, d, publicPoint: curve.getPublicKey(d, false) };
}
