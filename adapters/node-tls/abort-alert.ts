/**
 * Builds the fatal alert record a node:tls client sends in place of its Finished when
 * certificate verification fails. node:tls itself verifies only after the handshake and
 * then just closes, so without this the server would never learn why.
 *
 * TLS 1.3: the alert is protected with the client handshake traffic key (sequence 0,
 * the record the Finished would have used), derived from the key-log secret.
 * TLS 1.2: before the client's ChangeCipherSpec, alerts are sent in plaintext.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { AlertDescription, type AlertName } from '../../src/errors.js';

const CONTENT_ALERT = 21;
const CONTENT_APPLICATION_DATA = 23;
const ALERT_LEVEL_FATAL = 2;

/** The key-derivation and AEAD parameters of a TLS 1.3 suite. */
export interface SuiteKeys {
  readonly hash: 'sha256' | 'sha384';
  readonly hashLength: number;
  readonly keyLength: number;
  readonly cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
}

/** The TLS 1.3 suites whose records we can protect and open, by IANA name. */
export const tls13Suites: Readonly<Record<string, SuiteKeys>> = {
  TLS_AES_128_GCM_SHA256: { hash: 'sha256', hashLength: 32, keyLength: 16, cipher: 'aes-128-gcm' },
  TLS_AES_256_GCM_SHA384: { hash: 'sha384', hashLength: 48, keyLength: 32, cipher: 'aes-256-gcm' },
  TLS_CHACHA20_POLY1305_SHA256: { hash: 'sha256', hashLength: 32, keyLength: 32, cipher: 'chacha20-poly1305' },
};

/** A plaintext fatal alert record (TLS 1.2 before ChangeCipherSpec). */
export function plaintextAlertRecord(alert: AlertName): Uint8Array {
  return Uint8Array.of(CONTENT_ALERT, 3, 3, 0, 2, ALERT_LEVEL_FATAL, AlertDescription[alert]);
}

/**
 * A TLS 1.3 fatal alert record protected under `secret` (a traffic secret from the key
 * log) at sequence number 0; undefined for a suite we cannot seal (e.g. CCM).
 */
export function protectedAlertRecord(alert: AlertName, suite: string, secret: Uint8Array): Uint8Array | undefined {
  const keys = tls13Suites[suite];
  if (!keys || secret.length !== keys.hashLength) return undefined;
  const key = expandLabel(keys, secret, 'key', keys.keyLength);
  const iv = expandLabel(keys, secret, 'iv', 12); // sequence 0: the nonce is the IV itself
  const inner = Uint8Array.of(ALERT_LEVEL_FATAL, AlertDescription[alert], CONTENT_ALERT);
  const length = inner.length + 16;
  const header = Uint8Array.of(CONTENT_APPLICATION_DATA, 3, 3, length >> 8, length & 0xff);
  const cipher = createCipheriv(keys.cipher, key, iv, { authTagLength: 16 } as never);
  (cipher as unknown as { setAAD(aad: Uint8Array): void }).setAAD(header);
  const sealed = Buffer.concat([cipher.update(inner), cipher.final(), (cipher as unknown as { getAuthTag(): Buffer }).getAuthTag()]);
  const record = new Uint8Array(header.length + sealed.length);
  record.set(header);
  record.set(sealed, header.length);
  return record;
}

/** HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context; `length` <= hash length. */
export function expandLabel(keys: SuiteKeys, secret: Uint8Array, label: string, length: number): Uint8Array {
  const fullLabel = new TextEncoder().encode(`tls13 ${label}`);
  const info = Uint8Array.of(length >> 8, length & 0xff, fullLabel.length, ...fullLabel, 0);
  const block = createHmac(keys.hash, secret).update(info).update(Uint8Array.of(1)).digest();
  return block.subarray(0, length);
}

/** Parses one NSS key-log line into its label and secret. */
export function parseKeylogLine(line: string): { label: string; secret: Uint8Array } | undefined {
  const parts = line.trim().split(' ');
  if (parts.length !== 3) return undefined;
  return { label: parts[0]!, secret: Buffer.from(parts[2]!, 'hex') };
}
