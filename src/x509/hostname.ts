/**
 * Host-name verification (RFC 6125 and the CA/Browser Forum baseline requirements):
 * DNS names against subjectAltName dNSName entries (a wildcard only as the whole
 * left-most label, matching exactly one label), IP literals only against iPAddress
 * entries, ASCII case-insensitive, one trailing dot tolerated, never the common name.
 */

import { bytesEqual } from './der.js';
import type { GeneralName } from './extensions.js';

/** A host name to check a certificate against: a DNS name or an IP address. */
export type ReferenceIdentity =
  | { readonly kind: 'dns'; /** lower case, no trailing dot */ readonly name: string }
  | { readonly kind: 'ip'; /** 4 or 16 octets */ readonly address: Uint8Array };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Parses dotted-quad IPv4 text (four decimal octets, no leading zeros) into 4 bytes. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/** Parses IPv6 text (RFC 4291 forms, `::` compression, trailing dotted quad; no zone) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const words: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (!v4) return undefined;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        words.push(parseInt(piece, 16));
      }
    }
    return words;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets); undefined when it is not one. */
export function parseIPAddress(text: string): Uint8Array | undefined {
  if (text.startsWith('[') && text.endsWith(']')) return parseIPv6(text.slice(1, -1));
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** An address as text in its canonical form: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIPAddress(address: Uint8Array): string {
  if (address.length === 4) return address.join('.');
  const groups: number[] = [];
  for (let i = 0; i < address.length; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - i > bestLength) [bestStart, bestLength] = [i, end - i];
    i = end;
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function isValidDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/** Classifies a host name: an IP literal, a valid DNS name (normalised), or undefined if neither. */
export function parseReferenceIdentity(hostname: string): ReferenceIdentity | undefined {
  const address = parseIPAddress(hostname);
  if (address) return { kind: 'ip', address };
  let name = asciiLower(hostname);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!isValidDnsName(name)) return undefined;
  // A name whose last label is all digits is a malformed IPv4 literal, not a host name.
  if (/^[0-9]+$/.test(name.slice(name.lastIndexOf('.') + 1))) return undefined;
  return { kind: 'dns', name };
}

/** True when a presented dNSName (exact or `*.` wildcard) matches a normalised reference DNS name. */
export function dnsNameMatches(presented: string, reference: string): boolean {
  let pattern = asciiLower(presented);
  if (pattern.endsWith('.')) pattern = pattern.slice(0, -1);
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    // The wildcard must stand for one whole label, over at least two fixed labels.
    if (!isValidDnsName(base) || !base.includes('.')) return false;
    const firstDot = reference.indexOf('.');
    if (firstDot <= 0) return false;
    return reference.slice(firstDot + 1) === base;
  }
  if (!isValidDnsName(pattern)) return false;
  return pattern === reference;
}

/** True when a certificate's subjectAltName entries cover `hostname`. Never consults the common name. */
export function certificateMatchesHostname(subjectAltNames: readonly GeneralName[] | undefined, hostname: string): boolean {
  const reference = parseReferenceIdentity(hostname);
  if (!reference || !subjectAltNames) return false;
  if (reference.kind === 'ip') {
    return subjectAltNames.some((name) => name.kind === 'ip' && bytesEqual(name.value, reference.address));
  }
  return subjectAltNames.some((name) => name.kind === 'dns' && dnsNameMatches(name.value, reference.name));
}
