/**
 * Section 5, the engine's crypto primitives on each crypto provider (noble, node): key
 * exchange (client start + server respond + client complete), signatures, AEAD seal and
 * open of a full 16 KiB record and SHA-256, so a slow step of the handshake or the record layer
 * shows up by name.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { nobleCryptoProvider } from '../src/crypto/noble.js';
import { nodeCryptoProvider, nodeNativeProvider } from '../src/crypto/node.js';
import type {
  AeadName,
  CryptoProvider,
  NamedGroupName,
  PrivateKey,
  PublicKey,
  SignatureSchemeName,
} from '../src/crypto/provider.js';
import type { CryptoPrimitiveRow, CryptoPrimitivesSection } from './report.js';
import { timeOperation } from './timing.js';

const RECORD_BYTES = 16 * 1024;
/** About the size of a TLS 1.3 CertificateVerify input (64 spaces, context, hash). */
const SIGNED_MESSAGE_BYTES = 130;

interface SigningKeyPair {
  readonly label: string;
  readonly scheme: SignatureSchemeName;
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

function bytesOf(base64url: string | undefined): Uint8Array {
  if (base64url === undefined) throw new Error('JWK member missing');
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

function bigintOf(base64url: string | undefined): bigint {
  return BigInt(`0x${Buffer.from(bytesOf(base64url)).toString('hex') || '0'}`);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Fresh key pairs (made by node:crypto, converted to the provider's key shapes). */
function signingKeyPairs(): SigningKeyPair[] {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const point = concat(Uint8Array.of(4), bytesOf(ec.x), bytesOf(ec.y));
  const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const n = bigintOf(rsa.n);
  const e = bigintOf(rsa.e);
  return [
    {
      label: 'ECDSA P-256 SHA-256',
      scheme: 'ecdsa_secp256r1_sha256',
      privateKey: { kind: 'ec', curve: 'P-256', d: bytesOf(ec.d), publicPoint: point },
      publicKey: { kind: 'ec', curve: 'P-256', point },
    },
    {
      label: 'Ed25519',
      scheme: 'ed25519',
      privateKey: { kind: 'ed25519', seed: bytesOf(ed.d), publicKey: bytesOf(ed.x) },
      publicKey: { kind: 'ed25519', key: bytesOf(ed.x) },
    },
    {
      label: 'RSA-2048 PSS SHA-256',
      scheme: 'rsa_pss_rsae_sha256',
      privateKey: {
        kind: 'rsa',
        n,
        e,
        d: bigintOf(rsa.d),
        p: bigintOf(rsa.p),
        q: bigintOf(rsa.q),
        dp: bigintOf(rsa.dp),
        dq: bigintOf(rsa.dq),
        qi: bigintOf(rsa.qi),
      },
      publicKey: { kind: 'rsa', n, e },
    },
  ];
}

const GROUPS: readonly { readonly name: NamedGroupName; readonly label: string }[] = [
  { name: 'x25519', label: 'X25519' },
  { name: 'secp256r1', label: 'P-256' },
  { name: 'X25519MLKEM768', label: 'X25519MLKEM768' },
];

const AEADS: readonly { readonly name: AeadName; readonly keyBytes: number }[] = [
  { name: 'AES-128-GCM', keyBytes: 16 },
  { name: 'AES-256-GCM', keyBytes: 32 },
  { name: 'CHACHA20-POLY1305', keyBytes: 32 },
];

/** The providers measured, with a note for parts a provider borrows from another. */
function providers(): { provider: CryptoProvider; borrowed: (group: NamedGroupName) => boolean }[] {
  return [
    { provider: nobleCryptoProvider, borrowed: () => false },
    { provider: nodeCryptoProvider, borrowed: (group) => nodeNativeProvider.group?.(group) === undefined },
  ];
}

/** Measures every primitive on every provider, spending about `budgetSeconds` on each. */
export function measureCryptoPrimitives(budgetSeconds: number, progress: (line: string) => void): CryptoPrimitivesSection {
  const rows: CryptoPrimitiveRow[] = [];
  const keyPairs = signingKeyPairs();
  const message = nobleCryptoProvider.random(SIGNED_MESSAGE_BYTES);
  const record = nobleCryptoProvider.random(RECORD_BYTES);
  const small = nobleCryptoProvider.random(64);
  const nonce = new Uint8Array(12);
  const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);

  for (const { provider, borrowed } of providers()) {
    const name = provider.name;
    const measure = (category: CryptoPrimitiveRow['category'], operation: string, unit: CryptoPrimitiveRow['unit'], bytesPerOp: number, op: () => unknown): void => {
      progress(`crypto primitives: ${name} ${operation}`);
      try {
        const timing = timeOperation(op, budgetSeconds);
        const value = unit === 'MB/s' ? (timing.perSecond * bytesPerOp) / 1e6 : timing.perSecond;
        rows.push({ provider: name, category, operation, unit, value, iterations: timing.iterations });
      } catch (error) {
        rows.push({ provider: name, category, operation, unit, value: 0, iterations: 0, error: error instanceof Error ? error.message : String(error) });
      }
    };

    for (const { name: groupName, label } of GROUPS) {
      const group = provider.group(groupName);
      const operation = `${label} key exchange${borrowed(groupName) ? ' (from noble)' : ''}`;
      if (!group) {
        rows.push({ provider: name, category: 'key exchange', operation, unit: 'ops/s', value: 0, iterations: 0, error: 'not supported' });
        continue;
      }
      measure('key exchange', operation, 'ops/s', 0, () => {
        const client = group.start(provider.random);
        const server = group.respond(client.share, provider.random);
        return client.complete(server.share);
      });
    }

    for (const pair of keyPairs) {
      const signature = provider.sign(pair.scheme, pair.privateKey, message, provider.random);
      measure('signature', `${pair.label} sign`, 'ops/s', 0, () => provider.sign(pair.scheme, pair.privateKey, message, provider.random));
      measure('signature', `${pair.label} verify`, 'ops/s', 0, () => {
        if (!provider.verify(pair.scheme, pair.publicKey, message, signature)) throw new Error('signature did not verify');
      });
    }

    for (const { name: aeadName, keyBytes } of AEADS) {
      const key = provider.aead(aeadName, provider.random(keyBytes));
      measure('AEAD', `${aeadName} seal 16 KiB`, 'MB/s', RECORD_BYTES, () => key.seal(nonce, record, aad));
      // The receiving half of a record (bulk-throughput.ts sets seal + open against a transfer's CPU).
      const sealed = key.seal(nonce, record, aad);
      measure('AEAD', `${aeadName} open 16 KiB`, 'MB/s', RECORD_BYTES, () => {
        if (key.open(nonce, sealed, aad) === null) throw new Error('record did not open');
      });
    }

    const sha256 = provider.hash('SHA-256');
    measure('hash', 'SHA-256 16 KiB', 'MB/s', RECORD_BYTES, () => sha256.digest(record));
    measure('hash', 'SHA-256 64 B', 'ops/s', 64, () => sha256.digest(small));
  }
  return { providers: providers().map((p) => p.provider.name), rows };
}
