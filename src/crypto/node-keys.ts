/**
 * The bridge from the provider's key structures to node:crypto KeyObjects: PublicKey and
 * PrivateKey through JWK (cached per key object in a WeakMap, so a certificate key is
 * imported once), and raw X25519/X448 keys through JWK too (much faster than DER on OpenSSL 3).
 * Used by node.ts only.
 */
import { Buffer } from 'node:buffer';
import { type JsonWebKey, type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import type { EcCurveName, PrivateKey, PublicKey } from './provider.js';
import { curveScalarLength } from './signature-schemes.js';

/** A zero-copy plain Uint8Array view of a Buffer (same bytes, Uint8Array prototype). */
export function asUint8Array(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function bigintToBase64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : '0' + hex, 'hex').toString('base64url');
}

/** JWK x and y of an uncompressed SEC1 point on `curve`. */
function pointCoordinates(curve: EcCurveName, point: Uint8Array): { x: string; y: string } {
  const length = curveScalarLength[curve];
  if (point.length !== 2 * length + 1 || point[0] !== 0x04) throw new Error(`not an uncompressed ${curve} point`);
  return { x: base64url(point.subarray(1, 1 + length)), y: base64url(point.subarray(1 + length)) };
}

function publicJwk(key: PublicKey): JsonWebKey {
  switch (key.kind) {
    case 'ec':
      return { kty: 'EC', crv: key.curve, ...pointCoordinates(key.curve, key.point) };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: base64url(key.key) };
    case 'ed448':
      return { kty: 'OKP', crv: 'Ed448', x: base64url(key.key) };
    case 'rsa':
      return { kty: 'RSA', n: bigintToBase64url(key.n), e: bigintToBase64url(key.e) };
  }
}

function privateJwk(key: PrivateKey): JsonWebKey {
  switch (key.kind) {
    case 'ec':
      return { kty: 'EC', crv: key.curve, ...pointCoordinates(key.curve, key.publicPoint), d: base64url(key.d) };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: base64url(key.publicKey), d: base64url(key.seed) };
    case 'ed448':
      return { kty: 'OKP', crv: 'Ed448', x: base64url(key.publicKey), d: base64url(key.seed) };
    case 'rsa': {
      const jwk: JsonWebKey = { kty: 'RSA' };
      for (const name of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) jwk[name] = bigintToBase64url(key[name]);
      return jwk;
    }
  }
}

const publicKeyObjects = new WeakMap<PublicKey, KeyObject>();
const privateKeyObjects = new WeakMap<PrivateKey, KeyObject>();

/** Recently imported public keys by JWK content: a peer's leaf key is re-parsed every handshake. */
const recentPublicKeys = new Map<string, KeyObject>();
const RECENT_PUBLIC_KEYS = 64;

/** The node:crypto KeyObject of a public key, imported once per key object (and per recent key content). */
export function publicKeyObject(key: PublicKey): KeyObject {
  let keyObject = publicKeyObjects.get(key);
  if (keyObject === undefined) {
    const jwk = publicJwk(key);
    const id = `${jwk.kty} ${jwk.crv} ${jwk.x} ${jwk.y} ${jwk.n} ${jwk.e}`;
    keyObject = recentPublicKeys.get(id);
    if (keyObject === undefined) {
      keyObject = createPublicKey({ key: jwk, format: 'jwk' });
      if (recentPublicKeys.size >= RECENT_PUBLIC_KEYS) recentPublicKeys.delete(recentPublicKeys.keys().next().value!);
      recentPublicKeys.set(id, keyObject);
    }
    publicKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

/** The node:crypto KeyObject of a private key, imported once per key object. */
export function privateKeyObject(key: PrivateKey): KeyObject {
  let keyObject = privateKeyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = createPrivateKey({ key: privateJwk(key), format: 'jwk' });
    privateKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

/** An RFC 7748 curve as node:crypto names it. */
export type MontgomeryCurve = 'X25519' | 'X448';

/** PKCS#8 PrivateKeyInfo headers of raw X25519 and X448 keys (RFC 8410: OIDs 1.3.101.110 and .111). */
const montgomeryPkcs8Headers: Readonly<Record<MontgomeryCurve, Buffer>> = {
  X25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  X448: Buffer.from('3046020100300506032b656f043a0438', 'hex'),
};

/** RFC 7748 section 6.1: Alice's private key and public key, to probe the JWK import. */
const probePrivate = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const probePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';

function montgomeryPrivateKeyFromJwk(curve: MontgomeryCurve, raw: Uint8Array): KeyObject {
  // Node builds an OKP private key from `d` alone; `x` must be a string but is not consulted.
  return createPrivateKey({ key: { kty: 'OKP', crv: curve, d: base64url(raw), x: '' }, format: 'jwk' });
}

/**
 * Whether the JWK import above yields the right key on this Node version. It is ~10 times
 * faster than PKCS#8 DER (OpenSSL 3's decoders), but relies on `x` being ignored, so it is
 * checked once against RFC 7748's vector, and DER is used if a future Node behaves otherwise.
 */
let jwkImportWorks: boolean | undefined;
function montgomeryJwkImportWorks(): boolean {
  if (jwkImportWorks === undefined) {
    try {
      const probe = montgomeryPrivateKeyFromJwk('X25519', Buffer.from(probePrivate, 'hex'));
      jwkImportWorks = Buffer.from(montgomeryRawPublicKey(probe)).toString('hex') === probePublic;
    } catch {
      jwkImportWorks = false;
    }
  }
  return jwkImportWorks;
}

/** An X25519 or X448 private KeyObject from its raw bytes (32 or 56). */
export function montgomeryPrivateKeyObject(curve: MontgomeryCurve, raw: Uint8Array): KeyObject {
  if (montgomeryJwkImportWorks()) return montgomeryPrivateKeyFromJwk(curve, raw);
  return createPrivateKey({ key: Buffer.concat([montgomeryPkcs8Headers[curve], raw]), format: 'der', type: 'pkcs8' });
}

/** An X25519 or X448 public KeyObject from its raw bytes. */
export function montgomeryPublicKeyObject(curve: MontgomeryCurve, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x: base64url(raw) }, format: 'jwk' });
}

/** The raw bytes of the public key belonging to an X25519 or X448 private KeyObject. */
export function montgomeryRawPublicKey(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Uint8Array.from(Buffer.from(jwk.x ?? '', 'base64url'));
}
