/**
 * The key-exchange groups as data, the same for every provider: the family of each group
 * and the exact length of the client's and the server's key_share (RFC 8446 section 4.2.8).
 * The server checks every client share against these before any crypto runs; the groups in
 * noble-groups.ts, ffdhe.ts and node*.ts check the same lengths again at their own edge.
 */
import { NamedGroup, type NamedGroupName } from './provider.js';

/** How a group agrees on a key: elliptic-curve DH, finite-field DH (RFC 7919), or a hybrid KEM. */
export type GroupFamily = 'ecdhe' | 'ffdhe' | 'hybrid-kem';

/** A group's family and share lengths in bytes. */
export interface GroupParameters {
  readonly family: GroupFamily;
  /** Length of the ClientHello key_share entry's key_exchange. */
  readonly clientShareLength: number;
  /** Length of the ServerHello key_share entry's key_exchange. */
  readonly serverShareLength: number;
}

const symmetric = (family: GroupFamily, length: number): GroupParameters => ({
  family,
  clientShareLength: length,
  serverShareLength: length,
});

/**
 * Every group this engine knows. ECDHE shares are uncompressed points (section 4.2.8.2) or
 * RFC 7748 u-coordinates; FFDHE shares are left-padded to the prime's length (section 4.2.8.1);
 * X25519MLKEM768 is an ML-KEM-768 encapsulation key (1184) or ciphertext (1088) followed by
 * an X25519 share (draft-ietf-tls-ecdhe-mlkem section 4).
 */
export const groupParameters: Readonly<Record<NamedGroupName, GroupParameters>> = {
  secp256r1: symmetric('ecdhe', 65),
  secp384r1: symmetric('ecdhe', 97),
  secp521r1: symmetric('ecdhe', 133),
  x25519: symmetric('ecdhe', 32),
  x448: symmetric('ecdhe', 56),
  ffdhe2048: symmetric('ffdhe', 256),
  ffdhe3072: symmetric('ffdhe', 384),
  ffdhe4096: symmetric('ffdhe', 512),
  ffdhe6144: symmetric('ffdhe', 768),
  ffdhe8192: symmetric('ffdhe', 1024),
  X25519MLKEM768: { family: 'hybrid-kem', clientShareLength: 1184 + 32, serverShareLength: 1088 + 32 },
};

const namesByCode = new Map<number, NamedGroupName>(
  (Object.keys(NamedGroup) as NamedGroupName[]).map((name) => [NamedGroup[name], name]),
);

/** The name of a NamedGroup code point, or undefined for a group this engine does not know. */
export function groupNameOf(code: number): NamedGroupName | undefined {
  return namesByCode.get(code);
}
