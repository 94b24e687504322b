/**
 * Certification path building and validation (RFC 5280 section 6, RFC 4158 style
 * search): from the leaf through the supplied intermediates to a trust anchor, depth
 * first, trying every candidate issuer (anchors before intermediates), with a depth cap
 * and a work budget so adversarial bundles end in `work_limit` instead of running away.
 * Called by verify.ts with parsed certificates.
 */

import { CertificateVerificationError } from '../../../src/errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import {
  type Certificate, type SignatureCheck, checkCertificateSignature, isSelfIssued, isWithinValidity, subjectPublicKeyOf,
} from './certificate.js';
import { bytesEqual } from './der.js';
import { nameConstraintViolation } from './name-constraints.js';
import { ExtendedKeyUsageOid } from './oids.js';

/** What the end-entity certificate is being accepted for. */
export type Purpose = 'serverAuth' | 'clientAuth';

/** Default longest path, in certificates, counting the leaf and the anchor. */
export const DEFAULT_MAX_CHAIN_LENGTH = 8;
/** Default most signature verifications one path search may make. */
export const DEFAULT_MAX_SIGNATURE_CHECKS = 100;
/** Default most candidate issuers one path search may consider. */
export const DEFAULT_MAX_CANDIDATES = 2000;

/** Inputs of a path search; certificates are already parsed. */
export interface PathValidationInput {
  readonly leaf: Certificate;
  readonly intermediates: readonly Certificate[];
  readonly trustAnchors: readonly Certificate[];
  readonly at: Date;
  readonly purpose: Purpose;
  readonly provider: CryptoProvider;
  /** Longest path in certificates, leaf and anchor included (default 8). */
  readonly maxChainLength?: number;
  /** Signature verification budget (default 100). */
  readonly maxSignatureChecks?: number;
  /** Candidate-issuer budget (default 2000). */
  readonly maxCandidates?: number;
  /** Smallest RSA modulus accepted in a certificate signature (default 2048). */
  readonly minimumRsaModulusBits?: number;
}

class WorkLimitReached extends Error {}

function failure(reason: string, message: string): CertificateVerificationError {
  return new CertificateVerificationError(reason, message);
}

function describe(certificate: Certificate): string {
  return `"${certificate.subject.text || '(empty subject)'}"`;
}

function validityFailure(certificate: Certificate, at: Date): CertificateVerificationError | undefined {
  const state = isWithinValidity(certificate, at);
  if (state === 'expired') return failure('expired', `certificate ${describe(certificate)} expired at ${certificate.notAfter.toISOString()}`);
  if (state === 'not_yet_valid') return failure('not_yet_valid', `certificate ${describe(certificate)} is not valid before ${certificate.notBefore.toISOString()}`);
  return undefined;
}

function extendedKeyUsageFailure(certificate: Certificate, purpose: Purpose): CertificateVerificationError | undefined {
  const purposes = certificate.extensions.extendedKeyUsage;
  if (!purposes || purposes.includes(ExtendedKeyUsageOid[purpose]) || purposes.includes(ExtendedKeyUsageOid.any)) return undefined;
  return failure('extended_key_usage', `certificate ${describe(certificate)} is not valid for ${purpose}`);
}

function unknownCriticalFailure(certificate: Certificate): CertificateVerificationError | undefined {
  const unhandled = certificate.extensions.unhandledCritical;
  if (unhandled.length === 0) return undefined;
  return failure('unknown_critical_extension', `certificate ${describe(certificate)} has unknown critical extension ${unhandled.join(', ')}`);
}

/** Checks the end-entity certificate on its own: extensions, validity and purpose. */
export function leafFailure(leaf: Certificate, at: Date, purpose: Purpose): CertificateVerificationError | undefined {
  return unknownCriticalFailure(leaf) ?? validityFailure(leaf, at) ?? extendedKeyUsageFailure(leaf, purpose);
}

/** The same subject with the same key: a path must not pass through it twice. */
function sameEntity(a: Certificate, b: Certificate): boolean {
  return bytesEqual(a.subject.der, b.subject.der) && bytesEqual(a.subjectPublicKeyInfo, b.subjectPublicKeyInfo);
}

function mayHaveIssued(issuer: Certificate, child: Certificate): boolean {
  if (!bytesEqual(issuer.subject.der, child.issuer.der)) return false;
  const authorityKey = child.extensions.authorityKeyIdentifier;
  const subjectKey = issuer.extensions.subjectKeyIdentifier;
  return !authorityKey || !subjectKey || bytesEqual(authorityKey, subjectKey);
}

function uniqueByEncoding(certificates: readonly Certificate[]): Certificate[] {
  const unique: Certificate[] = [];
  for (const certificate of certificates) if (!unique.some((seen) => bytesEqual(seen.der, certificate.der))) unique.push(certificate);
  return unique;
}

/** A depth-first search for a valid path; one instance per verification. */
class PathSearch {
  private signatureChecks = 0;
  private candidates = 0;
  private readonly signatureResults = new Map<Certificate, Map<Certificate, SignatureCheck>>();
  private readonly anchors: Certificate[];
  private readonly intermediates: Certificate[];
  /** The failure reported when no path is found (see `record`). */
  private reportedFailure: { depth: number; error: CertificateVerificationError } | undefined;

  constructor(private readonly input: PathValidationInput) {
    this.anchors = uniqueByEncoding(input.trustAnchors);
    this.intermediates = uniqueByEncoding(input.intermediates);
  }

  run(): Certificate[] {
    const { leaf } = this.input;
    if (this.anchors.some((anchor) => bytesEqual(anchor.der, leaf.der))) return [leaf];
    let path: Certificate[] | undefined;
    try {
      path = this.extend([leaf]);
    } catch (error) {
      if (error instanceof WorkLimitReached) {
        throw failure('work_limit', 'gave up building a certificate path: the work budget was exhausted');
      }
      throw error;
    }
    if (path) return path;
    throw this.reportedFailure?.error ?? failure('unknown_issuer', `no trusted issuer for ${describe(leaf)}`);
  }

  /** Keeps the most telling failure: any specific one over unknown_issuer, then the deepest. */
  private record(depth: number, error: CertificateVerificationError): void {
    const current = this.reportedFailure;
    const vague = (e: CertificateVerificationError) => e.reason === 'unknown_issuer';
    if (!current || (vague(current.error) && !vague(error)) || (vague(current.error) === vague(error) && depth > current.depth)) {
      this.reportedFailure = { depth, error };
    }
  }

  private extend(path: Certificate[]): Certificate[] | undefined {
    const child = path[path.length - 1]!;
    const depth = path.length;
    let found = false;
    for (const [candidate, isAnchor] of this.issuersOf(child)) {
      found = true;
      if (++this.candidates > (this.input.maxCandidates ?? DEFAULT_MAX_CANDIDATES)) throw new WorkLimitReached();
      // An anchor ends the path, so only an intermediate can close a loop.
      if (!isAnchor && path.some((member) => sameEntity(member, candidate))) continue;
      if (depth + 1 > (this.input.maxChainLength ?? DEFAULT_MAX_CHAIN_LENGTH)) {
        this.record(depth, failure('too_deep', `certificate path from ${describe(path[0]!)} is longer than ${depth} certificates`));
        continue;
      }
      const problem = this.issuerFailure(candidate, isAnchor, path) ?? this.signatureFailure(child, candidate);
      if (problem) {
        this.record(depth, problem);
        continue;
      }
      if (isAnchor) return [...path, candidate];
      const completed = this.extend([...path, candidate]);
      if (completed) return completed;
    }
    if (!found) this.record(depth, failure('unknown_issuer', `no trusted issuer for ${describe(child)} (issuer ${child.issuer.text})`));
    return undefined;
  }

  private *issuersOf(child: Certificate): Generator<[Certificate, boolean]> {
    for (const anchor of this.anchors) if (mayHaveIssued(anchor, child)) yield [anchor, true];
    for (const intermediate of this.intermediates) if (mayHaveIssued(intermediate, child)) yield [intermediate, false];
  }

  /** Checks a would-be issuer's own properties against the path below it. */
  private issuerFailure(issuer: Certificate, isAnchor: boolean, below: readonly Certificate[]): CertificateVerificationError | undefined {
    const { at, purpose } = this.input;
    const constraints = issuer.extensions.basicConstraints;
    if (!isAnchor) {
      const early = unknownCriticalFailure(issuer) ?? validityFailure(issuer, at);
      if (early) return early;
      if (!constraints?.cA) return failure('not_a_ca', `certificate ${describe(issuer)} is not a CA but issued ${describe(below[below.length - 1]!)}`);
      const eku = extendedKeyUsageFailure(issuer, purpose);
      if (eku) return eku;
    } else if (constraints && !constraints.cA) {
      return failure('not_a_ca', `trust anchor ${describe(issuer)} is marked as not a CA`);
    }
    const usage = issuer.extensions.keyUsage;
    if (usage && !usage.has('keyCertSign')) return failure('key_usage', `CA ${describe(issuer)} may not sign certificates (keyUsage lacks keyCertSign)`);
    if (constraints?.pathLength !== undefined) {
      const intermediatesBelow = below.slice(1).filter((certificate) => !isSelfIssued(certificate)).length;
      if (intermediatesBelow > constraints.pathLength) {
        return failure('path_length_exceeded', `CA ${describe(issuer)} allows ${constraints.pathLength} intermediates below it, found ${intermediatesBelow}`);
      }
    }
    const nameConstraints = issuer.extensions.nameConstraints;
    if (nameConstraints) {
      for (let i = 0; i < below.length; i++) {
        const subject = below[i]!;
        if (i > 0 && isSelfIssued(subject)) continue;
        const violation = nameConstraintViolation(nameConstraints, subject);
        if (violation) return failure('name_constraints', `certificate ${describe(subject)} violates the name constraints of ${describe(issuer)}: ${violation}`);
      }
    }
    return undefined;
  }

  private signatureFailure(child: Certificate, issuer: Certificate): CertificateVerificationError | undefined {
    let byIssuer = this.signatureResults.get(child);
    if (!byIssuer) this.signatureResults.set(child, (byIssuer = new Map()));
    let result = byIssuer.get(issuer);
    if (!result) {
      if (++this.signatureChecks > (this.input.maxSignatureChecks ?? DEFAULT_MAX_SIGNATURE_CHECKS)) throw new WorkLimitReached();
      const policy = { minimumRsaModulusBits: this.input.minimumRsaModulusBits };
      result = checkCertificateSignature(child, subjectPublicKeyOf(issuer), this.input.provider, policy);
      byIssuer.set(issuer, result);
    }
    if (result.valid) return undefined;
    return failure(result.reason, `signature on ${describe(child)} by ${describe(issuer)}: ${result.detail}`);
  }
}

/** Finds and validates a path from `leaf` to one of `trustAnchors`; returns it leaf first, anchor last, or throws `CertificateVerificationError`. */
export function buildCertificatePath(input: PathValidationInput): Certificate[] {
  const problem = leafFailure(input.leaf, input.at, input.purpose);
  if (problem) throw problem;
  return new PathSearch(input).run();
}
