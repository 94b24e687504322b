/**
 * Name constraints (RFC 5280 section 4.2.1.10) for DNS names, IP addresses, e-mail
 * addresses (rfc822Name: a mailbox, a host, or a domain) and directory names (compared
 * as RFC 5280 section 7.1 asks: case and insignificant spaces folded). A constraint on
 * a name form we do not evaluate (URI, other) rejects any certificate that carries a
 * name of that form, as RFC 5280 requires.
 */

import type { Certificate } from './certificate.js';
import { bytesEqual } from './der.js';
import type { DistinguishedName, RelativeDistinguishedName } from './distinguished-name.js';
import { AttributeOid } from './oids.js';
import type { GeneralName, GeneralSubtree, NameConstraints } from './extensions.js';
import { formatIPAddress } from './hostname.js';

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

/** An attribute value as RFC 4518 string preparation leaves it, approximately: spaces folded, case folded. */
function preparedValue(value: string): string {
  return value.startsWith('#') ? value : value.trim().replace(/\s+/g, ' ').toLowerCase();
}

function sameRdn(a: RelativeDistinguishedName, b: RelativeDistinguishedName): boolean {
  if (a.attributes.length !== b.attributes.length) return false;
  const key = (attribute: { type: string; value: string }) => `${attribute.type}=${preparedValue(attribute.value)}`;
  const left = a.attributes.map(key).sort();
  const right = b.attributes.map(key).sort();
  return left.every((entry, i) => entry === right[i]);
}

/** True when directory name `name` lies under `base`: its RDNs begin with base's, compared as RFC 5280 section 7.1 asks. */
export function directoryNameWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => bytesEqual(rdn.encoded, name.rdns[i]!.encoded) || sameRdn(rdn, name.rdns[i]!));
}

/**
 * True when mailbox `address` lies in an rfc822Name constraint: `local@host` is that
 * mailbox exactly (the host without case), `host` every mailbox on that host, `.domain`
 * every mailbox on a host under that domain (RFC 5280 section 4.2.1.10).
 */
export function emailAddressWithin(address: string, constraint: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const host = address.slice(at + 1).toLowerCase();
  const c = constraint.toLowerCase();
  if (constraint.includes('@')) {
    const constraintAt = constraint.lastIndexOf('@');
    return local === constraint.slice(0, constraintAt) && host === c.slice(constraintAt + 1);
  }
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
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
    case 'email':
      return emailAddressWithin(name.value, (subtree as { value: string }).value) ? 'within' : 'outside';
    case 'directory':
      return directoryNameWithin(name.value, (subtree as { value: DistinguishedName }).value) ? 'within' : 'outside';
    case 'other':
      return name.tagNumber === (subtree as { tagNumber: number }).tagNumber ? 'unsupported' : 'different-form';
    default:
      return 'unsupported';
  }
}

function describe(name: GeneralName): string {
  switch (name.kind) {
    case 'dns': case 'email': case 'uri': return `${name.kind} ${name.value}`;
    case 'ip': return `ip ${formatIPAddress(name.value)}`;
    case 'directory': return `directory name ${name.value.text}`;
    case 'other': return `name form [${name.tagNumber}]`;
  }
}

/**
 * The names of a certificate that name constraints apply to: its non-empty subject, its
 * subjectAltName entries, and, when it has no subjectAltName, the emailAddress
 * attributes of its subject (RFC 5280 section 4.2.1.10).
 */
export function constrainedNames(certificate: Certificate): GeneralName[] {
  const altNames = certificate.extensions.subjectAltNames;
  const names: GeneralName[] = [...(altNames ?? [])];
  if (certificate.subject.rdns.length > 0) names.push({ kind: 'directory', value: certificate.subject });
  if (!altNames) {
    for (const rdn of certificate.subject.rdns) {
      for (const attribute of rdn.attributes) if (attribute.type === AttributeOid.emailAddress) names.push({ kind: 'email', value: attribute.value });
    }
  }
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
