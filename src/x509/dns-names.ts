/**
 * Syntax of the DNS names a certificate presents (RFC 5280 section 4.2.1.6, RFC 1034
 * section 3.5 "preferred name syntax") and the public-suffix rule for wildcards
 * (CA/Browser Forum BRs 3.2.2.6), with the Public Suffix List from the tldts package.
 * Used by the certificate profile checks (profile.ts).
 */

import { parse as parseDomain } from 'tldts';

/** Longest DNS name in octets, without a trailing dot (RFC 1034 section 3.1). */
export const MAX_DNS_NAME_LENGTH = 253;

/** One letter-digit-hyphen label of 1..63 octets (RFC 1034 section 3.5). */
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function ldhProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_DNS_NAME_LENGTH) return `is longer than ${MAX_DNS_NAME_LENGTH} octets`;
  if (name.startsWith('.')) return 'has a leading dot';
  for (const label of name.split('.')) {
    if (label.length === 0) return 'has an empty label';
    if (label.includes('_')) return 'has an underscore';
    if (label.length > 63) return 'has a label longer than 63 octets';
    if (!LDH_LABEL.test(label)) return `has label "${label}", which is not letters, digits and inner hyphens`;
  }
  return undefined;
}

/** Why a subjectAltName dNSName is malformed, or undefined; `*.` is allowed as the whole left-most label. */
export function presentedDnsNameProblem(name: string): string | undefined {
  return ldhProblem(name.startsWith('*.') ? name.slice(2) : name);
}

/** Why a dNSName name constraint is malformed, or undefined; the empty constraint (every name) is allowed. */
export function dnsConstraintProblem(constraint: string): string | undefined {
  return constraint === '' ? undefined : ldhProblem(constraint);
}

/** True when `name` is `*.` over a public suffix listed in the Public Suffix List (ICANN or private section). */
export function isWildcardForPublicSuffix(name: string): boolean {
  if (!name.startsWith('*.')) return false;
  const base = name.slice(2).toLowerCase();
  const parsed = parseDomain(base, { allowPrivateDomains: true, extractHostname: false });
  return parsed.publicSuffix === base && (parsed.isIcann === true || parsed.isPrivate === true);
}
