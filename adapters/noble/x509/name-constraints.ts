/**
 * Name constraints (RFC 5280 section 4.2.1.10) for DNS names, IP addresses and
 * directory names. A constraint on a name form we do not evaluate (e-mail, URI, other)
 * rejects any certificate that carries a name of that form, as RFC 5280 requires.
 */

import type { Certificate } from './certificate.js';
import { bytesEqual } from './der.js';
import type { DistinguishedName } from './distinguished-name.js';
import type { GeneralName, GeneralSubtree, NameConstraints } from './extensions.js';

/** The most name-against-subtree comparisons one check may make before giving up. */
export const MAX_NAME_CONSTRAINT_COMPARISONS = 1 << 20;

function normaliseDns(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** True when DNS name `name` lies in the subtree `constraint` (adding labels on the left; a leading dot means strict subdomains). */
export function dnsNameWithin(name: string, constraint: string): boolean {
  const n = normaliseDns(name);
  const c = normaliseDns(constraint);
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** True when some name the (possibly wildcard) dNSName could match lies in the subtree. */
function dnsNameTouches(name: string, constraint: string): boolean {
  if (dnsNameWithin(name, constraint)) return true;
  const n = normaliseDns(name);
  if (!n.startsWith('*.')) return false;
  // `*.b.example` can stand for `x.b.example`, which an exclusion of exactly `x.b.example` covers.
  const base = n.slice(2);
  const c = normaliseDns(constraint).replace(/^\./, '');
  const dot = c.indexOf('.');
  return dot > 0 && c.slice(dot + 1) === base;
}

/** True when an IP address lies in an address/mask subtree of the same family. */
export function ipAddressWithin(address: Uint8Array, subtree: { address: Uint8Array; mask: Uint8Array }): boolean {
  if (address.length !== subtree.address.length) return false;
  for (let i = 0; i < address.length; i++) {
    if ((address[i]! & subtree.mask[i]!) !== (subtree.address[i]! & subtree.mask[i]!)) return false;
  }
  return true;
}

/** True when directory name `name` lies under `base` (its RDNs are a prefix of the name's). */
export function directoryNameWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => bytesEqual(rdn.encoded, name.rdns[i]!.encoded));
}

type Match = 'within' | 'outside' | 'unsupported';

function compare(name: GeneralName, subtree: GeneralSubtree, excluded: boolean): Match | 'different-form' {
  if (name.kind !== subtree.kind) return 'different-form';
  switch (name.kind) {
    case 'dns': {
      const constraint = (subtree as { value: string }).value;
      return (excluded ? dnsNameTouches(name.value, constraint) : dnsNameWithin(name.value, constraint)) ? 'within' : 'outside';
    }
    case 'ip':
      return ipAddressWithin(name.value, subtree as { address: Uint8Array; mask: Uint8Array }) ? 'within' : 'outside';
    case 'directory':
      return directoryNameWithin(name.value, (subtree as { value: DistinguishedName }).value) ? 'within' : 'outside';
    case 'other':
      return name.tagNumber === (subtree as { tagNumber: number }).tagNumber ? 'unsupported' : 'different-form';
    default:
      return 'unsupported';
  }
}

/** IPv4 dotted quad or uncompressed IPv6 hex groups, for messages. */
function formatIPAddress(address: Uint8Array): string {
  if (address.length === 4) return address.join('.');
  const groups: string[] = [];
  for (let i = 0; i < address.length; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  return groups.join(':');
}

function describe(name: GeneralName): string {
  switch (name.kind) {
    case 'dns': case 'email': case 'uri': return `${name.kind} ${name.value}`;
    case 'ip': return `ip ${formatIPAddress(name.value)}`;
    case 'directory': return `directory name ${name.value.text}`;
    case 'other': return `name form [${name.tagNumber}]`;
  }
}

/** The names of a certificate that name constraints apply to: its non-empty subject and its subjectAltName entries. */
export function constrainedNames(certificate: Certificate): GeneralName[] {
  const names: GeneralName[] = [...(certificate.extensions.subjectAltNames ?? [])];
  if (certificate.subject.rdns.length > 0) names.push({ kind: 'directory', value: certificate.subject });
  return names;
}

/** Checks a certificate's names against one CA's constraints; returns why it violates them, or undefined. */
export function nameConstraintViolation(constraints: NameConstraints, certificate: Certificate): string | undefined {
  const names = constrainedNames(certificate);
  const permitted = constraints.permitted ?? [];
  const excluded = constraints.excluded ?? [];
  if (names.length * (permitted.length + excluded.length) > MAX_NAME_CONSTRAINT_COMPARISONS) {
    return 'too many names and constraints to compare';
  }
  for (const name of names) {
    for (const subtree of excluded) {
      const match = compare(name, subtree, true);
      if (match === 'within') return `${describe(name)} is in an excluded subtree`;
      if (match === 'unsupported') return `${describe(name)} meets a constraint on a name form we do not evaluate`;
    }
    let sameForm = false;
    let allowed = false;
    for (const subtree of permitted) {
      const match = compare(name, subtree, false);
      if (match === 'different-form') continue;
      if (match === 'unsupported') return `${describe(name)} meets a constraint on a name form we do not evaluate`;
      sameForm = true;
      if (match === 'within') {
        allowed = true;
        break;
      }
    }
    if (sameForm && !allowed) return `${describe(name)} is outside the permitted subtrees`;
  }
  return undefined;
}
