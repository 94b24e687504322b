/**
 * PEM (RFC 7468) and base64 (RFC 4648) in plain TypeScript, so the X.509 module needs
 * no Node APIs: split a text into labelled blocks, and write one block.
 */

import { ConfigurationError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map<string, number>(Array.from(ALPHABET, (c, i) => [c, i]));

/** Encodes bytes as padded base64. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[triple >> 18]! + ALPHABET[(triple >> 12) & 63]!;
    out += b === undefined ? '=' : ALPHABET[(triple >> 6) & 63]!;
    out += c === undefined ? '=' : ALPHABET[triple & 63]!;
  }
  return out;
}

/** Decodes padded base64, ignoring ASCII whitespace; throws ConfigurationError on anything else. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/[ \t\r\n]/g, '');
  if (clean.length % 4 !== 0) throw new ConfigurationError('base64: length is not a multiple of 4');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let offset = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let quad = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean[i + j]!;
      const isPadding = c === '=' && i + 4 === clean.length && j >= 4 - padding;
      const value = isPadding ? 0 : VALUES.get(c);
      if (value === undefined) throw new ConfigurationError(`base64: unexpected character ${JSON.stringify(c)}`);
      quad = (quad << 6) | value;
    }
    const bytes = [quad >> 16, (quad >> 8) & 0xff, quad & 0xff];
    for (let j = 0; j < 3 && offset < out.length; j++) out[offset++] = bytes[j]!;
  }
  return out;
}

/** One PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE`. */
  readonly label: string;
  /** RFC 1421 headers (e.g. `Proc-Type`), present in legacy encrypted keys. */
  readonly headers: ReadonlyMap<string, string>;
  readonly der: Uint8Array;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;

/** Splits text into its PEM blocks, in order; text outside blocks is ignored. */
export function parsePemBlocks(text: string): PemBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!.trim());
    if (!begin) continue;
    const label = begin[1]!;
    const headers = new Map<string, string>();
    const body: string[] = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === `-----END ${label}-----`) {
        closed = true;
        break;
      }
      const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (header && body.length === 0) headers.set(header[1]!, header[2]!);
      else if (line.startsWith('-----')) throw new ConfigurationError(`PEM: unexpected line ${JSON.stringify(line)} inside ${label}`);
      else body.push(line);
    }
    if (!closed) throw new ConfigurationError(`PEM: no END line for ${label}`);
    blocks.push({ label, headers, der: base64Decode(body.join('')) });
  }
  return blocks;
}

/** Writes one PEM block with 64-character lines and a final newline. */
export function toPem(label: string, der: Uint8Array): string {
  const body = base64Encode(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** True when bytes look like PEM text rather than DER (their first non-space byte is `-`). */
export function looksLikePem(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x2d;
  }
  return false;
}

/** Decodes bytes as text (latin-1; PEM is ASCII). */
export function bytesToText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
