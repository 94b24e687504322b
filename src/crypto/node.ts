/**
 * The node crypto provider: the noble provider's behaviour on node:crypto (OpenSSL), for
 * speed. Hashes, HMAC, HKDF, the AEADs, x25519/x448, secp256r1/secp384r1/secp521r1, the
 * FFDHE groups (node-ffdhe.ts) and signatures are native;
 * anything node:crypto lacks (ML-KEM on Node 20) comes from noble through composeProviders.
 * Key shares are built from the injected random bytes exactly as noble builds them, so both
 * providers make the same shares from the same RandomSource. RSA-PSS salts also come from the
 * injected source; ECDSA nonces are OpenSSL's own (not replayable).
 */
import { Buffer } from 'node:buffer';
import { concatBytes } from '@noble/hashes/utils.js';
import {
  type Hash as NodeHash,
  type KeyObject,
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  diffieHellman,
  privateDecrypt,
  randomFillSync,
  sign,
  verify,
} from 'node:crypto';
import { composeProviders } from './compose.js';
import { ecdsaDerToRaw } from './ecdsa-der.js';
import { aeadNonceLength, aeadTagLength, checkAeadKey, checkAeadNonce, nobleCryptoProvider, totalLength } from './noble.js';
import {
  type EcdheGroupName,
  type MontgomeryGroupName,
  ecdhePrivateScalar,
  isAllZero,
  montgomeryKeyLength,
  requireUncompressedPoint,
} from './noble-groups.js';
import { nodeFfdheGroups } from './node-ffdhe.js';
import {
  type MontgomeryCurve,
  asUint8Array,
  montgomeryPrivateKeyObject,
  montgomeryPublicKeyObject,
  montgomeryRawPublicKey,
  privateKeyObject,
  publicKeyObject,
} from './node-keys.js';
import {
  type AeadKey,
  type AeadName,
  type CryptoProvider,
  type Hash,
  type HashContext,
  type HashName,
  KeyExchangeError,
  type KeyExchangeGroup,
  NamedGroup,
  type NamedGroupName,
  type PrivateKey,
  type PublicKey,
  type RandomSource,
  type SignatureSchemeName,
} from './provider.js';
import { emsaPkcs1Encode, emsaPssEncode } from './rsa-signatures.js';
import { drawRandom, pooledRandom } from './secure-random.js';
import { memoisedVerify } from './verified-signatures.js';
import { bitLength, curveScalarLength, hashLength, parametersOf, schemeFitsKey } from './signature-schemes.js';

const nodeHashNames: Readonly<Record<HashName, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function nodeHashName(name: HashName): string {
  if (!Object.hasOwn(nodeHashNames, name)) throw new Error(`unsupported hash ${String(name)}`);
  return nodeHashNames[name];
}

/** Wraps a node Hash; digest() finalises a copy, so the state stays usable. */
function nodeHashContext(state: NodeHash): HashContext {
  return {
    update(data) {
      state.update(data);
    },
    clone: () => nodeHashContext(state.copy()),
    digest: () => asUint8Array(state.copy().digest()),
  };
}

function nodeHash(name: HashName): Hash {
  const algorithm = nodeHashName(name);
  return Object.freeze({
    name,
    outputLength: hashLength[name],
    digest: (data: Uint8Array) => asUint8Array(createHash(algorithm).update(data).digest()),
    create: () => nodeHashContext(createHash(algorithm)),
  });
}

const hashes: Readonly<Record<HashName, Hash>> = {
  'SHA-256': nodeHash('SHA-256'),
  'SHA-384': nodeHash('SHA-384'),
  'SHA-512': nodeHash('SHA-512'),
};

function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return asUint8Array(createHmac(nodeHashName(hash), key).update(data).digest());
}

const ONE = Uint8Array.of(1);

/** HKDF-Expand (RFC 5869 section 2.3) over HMAC: node's hkdfSync cannot start from a PRK. */
function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const algorithm = nodeHashName(hash);
  const hLen = hashLength[hash];
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * hLen) {
    throw new RangeError(`HKDF-Expand length must be 0..${255 * hLen}`);
  }
  // Every TLS 1.3 expansion is one block: T(1) = HMAC(PRK, info || 0x01).
  if (length <= hLen) {
    const block = asUint8Array(createHmac(algorithm, prk).update(info).update(ONE).digest());
    return length === hLen ? block : block.subarray(0, length);
  }
  const blocks = Math.ceil(length / hLen);
  const output = new Uint8Array(blocks * hLen);
  let previous: Uint8Array = new Uint8Array(0);
  for (let counter = 1; counter <= blocks; counter++) {
    previous = createHmac(algorithm, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest();
    output.set(previous, (counter - 1) * hLen);
  }
  return output.subarray(0, length);
}

const nodeAeadNames: Readonly<Record<AeadName, string>> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
};
const aeadOptions = { authTagLength: aeadTagLength } as const;

/**
 * Parts shorter than this are joined before they go to the cipher (one call per run of them),
 * and a last ciphertext piece shorter than this travels in one buffer with the tag: below it a
 * node:crypto call costs more than copying the bytes.
 */
const NODE_AEAD_JOIN_BELOW = 1024;

/**
 * A buffer for bytes that live only until they are written or consumed (a join of small
 * parts for the cipher, a last ciphertext piece with its tag): node's pooled
 * `Buffer.allocUnsafe`, seen as a plain Uint8Array. On V8 a `new Uint8Array` over 64 bytes
 * gets a backing store of its own, about 1.5 µs here against 0.4 µs from the pool, and small
 * records make one or two each. Every byte is written before it is read.
 */
function transientBytes(length: number): Uint8Array {
  return asUint8Array(Buffer.allocUnsafe(length));
}

/** `parts[from..to)` joined into one transient buffer. */
function joinTransient(parts: readonly Uint8Array[], from: number, to: number): Uint8Array {
  let length = 0;
  for (let i = from; i < to; i++) length += parts[i]!.length;
  const joined = transientBytes(length);
  for (let i = from, at = 0; i < to; at += parts[i]!.length, i++) joined.set(parts[i]!, at);
  return joined;
}

/**
 * An AEAD bound to a copy of its key; each record only creates the cipher for its nonce
 * (node has no rekeying API). A framed seal hands on the cipher's output buffers as they are
 * (node cannot encrypt into a buffer of ours), so the plaintext is read once and the
 * ciphertext never copied. Methods live on the prototype (no closures per key).
 */
class NodeAeadKey implements AeadKey {
  private readonly key: Uint8Array;
  /** Typed as a GCM name only to pick node's AEAD overload; chacha20-poly1305 has the same API. */
  private readonly algorithm: 'aes-128-gcm';

  constructor(readonly name: AeadName, key: Uint8Array) {
    checkAeadKey(name, key);
    this.key = key.slice();
    this.algorithm = nodeAeadNames[name] as 'aes-128-gcm';
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    this.encrypt(nonce, aad, [plaintext], out);
    return out.length === 1 ? out[0]! : concatBytes(...out);
  }

  sealFramed(nonce: Uint8Array, header: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    out.push(header);
    this.encrypt(nonce, header, parts, out);
  }

  /** Pushes ciphertext || tag of the joined `parts` onto `out`, in pieces. */
  private encrypt(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    checkAeadNonce(this.name, nonce);
    const length = totalLength(parts);
    const cipher = createCipheriv(this.algorithm, this.key, nonce, aeadOptions);
    cipher.setAAD(aad, { plaintextLength: length });
    let produced = 0;
    let last: Uint8Array | undefined;
    for (let i = 0; i < parts.length; ) {
      let next = i + 1;
      let piece = parts[i]!;
      if (piece.length < NODE_AEAD_JOIN_BELOW) {
        while (next < parts.length && parts[next]!.length < NODE_AEAD_JOIN_BELOW) next++;
        if (next > i + 1) piece = joinTransient(parts, i, next);
      }
      i = next;
      if (piece.length === 0) continue;
      const ciphertext = cipher.update(piece);
      produced += ciphertext.length;
      if (last) out.push(last);
      last = asUint8Array(ciphertext);
    }
    const tail = cipher.final(); // empty for these stream modes
    if (produced !== length || tail.length !== 0) throw new Error(`${this.name} produced a ciphertext of the wrong length`);
    const tag = cipher.getAuthTag();
    if (last === undefined) {
      out.push(asUint8Array(tag));
    } else if (last.length < NODE_AEAD_JOIN_BELOW) {
      const end = transientBytes(last.length + aeadTagLength);
      end.set(last);
      end.set(tag, last.length);
      out.push(end);
    } else {
      out.push(last, asUint8Array(tag));
    }
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array | null {
    try {
      if (nonce.length !== aeadNonceLength || ciphertextAndTag.length < aeadTagLength) return null;
      const split = ciphertextAndTag.length - aeadTagLength;
      const decipher = createDecipheriv(this.algorithm, this.key, nonce, aeadOptions);
      decipher.setAAD(aad, { plaintextLength: split });
      decipher.setAuthTag(ciphertextAndTag.subarray(split));
      const body = decipher.update(ciphertextAndTag.subarray(0, split));
      const tail = decipher.final(); // throws when the tag does not authenticate
      return asUint8Array(tail.length === 0 ? body : Buffer.concat([body, tail]));
    } catch {
      return null;
    }
  }
}

function nodeAead(name: AeadName, key: Uint8Array): AeadKey {
  return new NodeAeadKey(name, key);
}

const montgomeryCurves: Readonly<Record<MontgomeryGroupName, MontgomeryCurve>> = { x25519: 'X25519', x448: 'X448' };

/** X25519 or X448 on OpenSSL; rejects a bad length and the all-zero secret of low-order points. */
function montgomerySharedSecret(group: MontgomeryGroupName, privateKey: KeyObject, peerShare: Uint8Array): Uint8Array {
  const length = montgomeryKeyLength(group);
  if (!(peerShare instanceof Uint8Array) || peerShare.length !== length) {
    throw new KeyExchangeError(`an ${group} key share must be ${length} bytes`);
  }
  let secret: Uint8Array;
  try {
    secret = diffieHellman({ privateKey, publicKey: montgomeryPublicKeyObject(montgomeryCurves[group], peerShare) });
  } catch {
    throw new KeyExchangeError(`${group} key share is a low-order point`);
  }
  if (isAllZero(secret)) throw new KeyExchangeError(`${group} shared secret is all zeros`);
  return asUint8Array(secret);
}

function montgomeryGroup(group: MontgomeryGroupName): KeyExchangeGroup {
  const length = montgomeryKeyLength(group);
  const makeKey = (random: RandomSource) => montgomeryPrivateKeyObject(montgomeryCurves[group], drawRandom(random, length));
  return {
    name: group,
    code: NamedGroup[group],
    start(random) {
      const privateKey = makeKey(random);
      return {
        group,
        share: montgomeryRawPublicKey(privateKey),
        complete: (serverShare) => montgomerySharedSecret(group, privateKey, serverShare),
      };
    },
    respond(clientShare, random) {
      if (!(clientShare instanceof Uint8Array) || clientShare.length !== length) {
        throw new KeyExchangeError(`an ${group} key share must be ${length} bytes`);
      }
      const privateKey = makeKey(random);
      const sharedSecret = montgomerySharedSecret(group, privateKey, clientShare);
      return { share: montgomeryRawPublicKey(privateKey), sharedSecret };
    },
  };
}

const opensslCurveNames = { secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1' } as const;

/** The x-coordinate of the ECDH point; OpenSSL checks the peer point is on the curve. */
function ecdheSharedSecret(
  group: EcdheGroupName,
  ecdh: ReturnType<typeof createECDH>,
  peerShare: Uint8Array,
): Uint8Array {
  requireUncompressedPoint(group, peerShare);
  try {
    return asUint8Array(ecdh.computeSecret(peerShare));
  } catch {
    throw new KeyExchangeError(`${group} key share is not a point on the curve`);
  }
}

function ecdheGroup(group: EcdheGroupName): KeyExchangeGroup {
  const makeKey = (random: RandomSource) => {
    const ecdh = createECDH(opensslCurveNames[group]);
    ecdh.setPrivateKey(ecdhePrivateScalar(group, random));
    return ecdh;
  };
  return {
    name: group,
    code: NamedGroup[group],
    start(random) {
      const ecdh = makeKey(random);
      return {
        group,
        share: asUint8Array(ecdh.getPublicKey()),
        complete: (serverShare) => ecdheSharedSecret(group, ecdh, serverShare),
      };
    },
    respond(clientShare, random) {
      requireUncompressedPoint(group, clientShare);
      const ecdh = makeKey(random);
      const sharedSecret = ecdheSharedSecret(group, ecdh, clientShare);
      return { share: asUint8Array(ecdh.getPublicKey()), sharedSecret };
    },
  };
}

const nodeGroups: Readonly<Partial<Record<NamedGroupName, KeyExchangeGroup>>> = {
  x25519: montgomeryGroup('x25519'),
  x448: montgomeryGroup('x448'),
  secp256r1: ecdheGroup('secp256r1'),
  secp384r1: ecdheGroup('secp384r1'),
  secp521r1: ecdheGroup('secp521r1'),
  ...nodeFfdheGroups,
};

function verifyOnce(scheme: SignatureSchemeName, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    const parameters = parametersOf(scheme);
    if (parameters === undefined || !schemeFitsKey(scheme, key)) return false;
    const keyObject = publicKeyObject(key);
    switch (parameters.family) {
      case 'ecdsa': {
        const raw = ecdsaDerToRaw(signature, curveScalarLength[parameters.curve]);
        if (raw === null) return false;
        const algorithm = nodeHashName(parameters.hash);
        return verify(algorithm, message, { key: keyObject, dsaEncoding: 'ieee-p1363' }, raw);
      }
      case 'ed25519':
        return signature.length === 64 && verify(null, message, keyObject, signature);
      case 'ed448':
        return signature.length === 114 && verify(null, message, keyObject, signature);
      case 'rsa': {
        // RFC 8017 8.1.2 and 8.2.2 step 1: the signature is exactly as long as the modulus.
        if (key.kind !== 'rsa' || signature.length !== Math.ceil(bitLength(key.n) / 8)) return false;
        const padding =
          parameters.padding === 'pss'
            ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength[parameters.hash] }
            : { padding: constants.RSA_PKCS1_PADDING };
        return verify(nodeHashName(parameters.hash), message, { key: keyObject, ...padding }, signature);
      }
    }
  } catch {
    return false;
  }
}

/** OpenSSL's verification; a good signature seen before (a CA's on a recurring server certificate) is answered from the shared memo (verified-signatures.ts). */
const nodeVerify = memoisedVerify(verifyOnce, hashes['SHA-256'].digest);

/** RSA through OpenSSL's raw (blinded, fault-checked) private operation on our own encoding. */
function rsaSign(key: PrivateKey & { kind: 'rsa' }, scheme: SignatureSchemeName, message: Uint8Array, random: RandomSource): Uint8Array {
  const parameters = parametersOf(scheme);
  if (parameters?.family !== 'rsa') throw new Error(`${scheme} is not an RSA scheme`);
  const bits = bitLength(key.n);
  const length = Math.ceil(bits / 8);
  const encoded =
    parameters.padding === 'pss'
      ? emsaPssEncode(parameters.hash, message, bits, random)
      : emsaPkcs1Encode(parameters.hash, message, length);
  const input = new Uint8Array(length); // EMSA-PSS is one byte shorter when bits % 8 == 1
  input.set(encoded, length - encoded.length);
  const signature = privateDecrypt({ key: privateKeyObject(key), padding: constants.RSA_NO_PADDING }, input);
  if (signature.length !== length) throw new Error('RSA private operation returned a short result');
  return asUint8Array(signature);
}

function nodeSign(scheme: SignatureSchemeName, key: PrivateKey, message: Uint8Array, random: RandomSource): Uint8Array {
  const parameters = parametersOf(scheme);
  if (parameters === undefined || !schemeFitsKey(scheme, key)) {
    throw new Error(`signature scheme ${String(scheme)} does not fit this ${String(key?.kind)} key`);
  }
  switch (parameters.family) {
    case 'ecdsa':
      return asUint8Array(sign(nodeHashName(parameters.hash), message, { key: privateKeyObject(key), dsaEncoding: 'der' }));
    case 'ed25519':
    case 'ed448':
      return asUint8Array(sign(null, message, privateKeyObject(key)));
    case 'rsa':
      if (key.kind !== 'rsa') break;
      return rsaSign(key, scheme, message, random);
  }
  throw new Error(`signature scheme ${scheme} does not fit this key`);
}

/** Cryptographically secure random bytes from OpenSSL, as a plain Uint8Array, pooled (`pooledRandom`: one call per 2 KiB, each byte handed out once). */
const nodeRandom: RandomSource = pooledRandom((bytes) => {
  randomFillSync(bytes);
});

/** The parts node:crypto implements natively (no ML-KEM); compose it over a complete provider. */
export const nodeNativeProvider: Partial<CryptoProvider> = Object.freeze({
  name: 'node',
  hash(name: HashName): Hash {
    nodeHashName(name);
    return hashes[name];
  },
  hmac,
  hkdfExtract: (hash: HashName, salt: Uint8Array, ikm: Uint8Array) => hmac(hash, salt, ikm),
  hkdfExpand,
  aead: nodeAead,
  group: (name: NamedGroupName) => (Object.hasOwn(nodeGroups, name) ? nodeGroups[name] : undefined),
  supportsScheme: schemeFitsKey,
  verify: nodeVerify,
  sign: nodeSign,
  random: nodeRandom,
});

/** The node:crypto provider, falling back to noble for what node lacks (X25519MLKEM768). */
export const nodeCryptoProvider: CryptoProvider = composeProviders(nodeNativeProvider, nobleCryptoProvider);
