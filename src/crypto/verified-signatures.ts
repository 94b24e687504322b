/**
 * A memo of signatures the providers have verified as good (one memo for noble and node:crypto):
 * verification is a pure function of (scheme, key, message, signature), so one that succeeded
 * once succeeds again. What recurs in practice is a CA's signature on a server's certificate,
 * checked on every connection to that server; remembering it saves a curve verification per
 * handshake (about 0.1 ms for P-256 on node:crypto, several ms on noble). Keyed
 * by SHA-256 of the message (collision resistance is what the signatures rely on anyway).
 * Only successes are kept, at most VERIFIED_SIGNATURES of them, least recently used dropped.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, PublicKey, SignatureSchemeName } from './provider.js';

/** SHA-256 of a message; each provider passes its own (native on node:crypto). */
export type Sha256 = (message: Uint8Array) => Uint8Array;

/** Good signatures remembered at once. */
export const VERIFIED_SIGNATURES = 64;

const verified = new Set<string>();

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x2000) text += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return text;
}

/** The memo key of a verification, or undefined for keys not memoised (RSA: cheap to verify already). */
export function verificationId(
  scheme: SignatureSchemeName,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  digest: Sha256 = sha256,
): string | undefined {
  const keyBytes = key.kind === 'ec' ? key.point : key.kind === 'rsa' ? undefined : key.key;
  if (!keyBytes) return undefined;
  return `${scheme}\u0000${latin1(keyBytes)}\u0000${latin1(digest(message))}\u0000${latin1(signature)}`;
}

/** True when this verification succeeded before (and marks it recently used). */
export function verifiedBefore(id: string): boolean {
  if (!verified.delete(id)) return false;
  verified.add(id);
  return true;
}

/** Remembers a verification that succeeded. */
export function rememberVerified(id: string): void {
  verified.delete(id);
  verified.add(id);
  if (verified.size > VERIFIED_SIGNATURES) verified.delete(verified.values().next().value!);
}

/**
 * `verify` (one that never throws, as CryptoProvider.verify) answered from the memo when the
 * same good signature was verified before; successes are remembered, failures never.
 */
export function memoisedVerify(verify: CryptoProvider['verify'], digest: Sha256): CryptoProvider['verify'] {
  return (scheme, key, message, signature) => {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    let id: string | undefined;
    try {
      id = verificationId(scheme, key, message, signature, digest);
    } catch {
      return false;
    }
    if (id !== undefined && verifiedBefore(id)) return true;
    const good = verify(scheme, key, message, signature);
    if (good && id !== undefined) rememberVerified(id);
    return good;
  };
}
