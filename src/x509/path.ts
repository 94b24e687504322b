/**
 * Certification path building and validation (RFC 5280 section 6, RFC 4158 style
 * search): from the leaf through the supplied intermediates to a trust anchor, depth
 * first, trying every candidate issuer (anchors before intermediates), with a depth cap
 * and a work budget so adversarial bundles end in `work_limit` instead of running away.
 * Called by verify.ts with parsed certificates.
 */

import { CertificateVerificationError, type CertificateRejectionReason } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type Certificate, type SignatureCheck, checkCertificateSignature, isSelfIssued, subjectPublicKeyOf } from './certificate.js';
import { type CertificateRevocationList, revocationFailure } from './crl.js';
import { bytesEqual } from './der.js';
import { nameConstraintViolation } from './name-constraints.js';
import { type Purpose, describeCertificate as describe, profileFailure } from './profile.js';

export type { Purpose } from './profile.js';

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
  /** Most intermediates between the leaf and the anchor (OpenSSL's verify depth); unlimited when absent. */
  readonly maxDepth?: number;
  /** Signature verification budget (default 100). */
  readonly maxSignatureChecks?: number;
  /** Candidate-issuer budget (default 2000). */
  readonly maxCandidates?: number;
  /** Smallest RSA modulus accepted in a certificate signature (default 2048). */
  readonly minimumRsaModulusBits?: number;
  /** When given, every certificate below the anchor must be covered, unrevoked, by a CRL from its issuer. */
  readonly crls?: readonly CertificateRevocationList[];
}

class WorkLimitReached extends Error {}

function failure(reason: CertificateRejectionReason, message: string, code?: string): CertificateVerificationError {
  return new CertificateVerificationError(reason, message, code === undefined ? undefined : { code });
}

/** Checks the end-entity certificate on its own (profile.ts leaf rules). */
export function leafFailure(input: PathValidationInput, pinned: boolean): CertificateVerificationError | undefined {
  return profileFailure(input.leaf, 'leaf', { at: input.at, purpose: input.purpose, minimumRsaModulusBits: input.minimumRsaModulusBits, pinned });
}

/** Self-issued and naming its own key: a root, whether trusted or not. */
function looksSelfSigned(certificate: Certificate): boolean {
  if (!isSelfIssued(certificate)) return false;
  const authority = certificate.extensions.authorityKeyIdentifier;
  const own = certificate.extensions.subjectKeyIdentifier;
  return !authority || !own || bytesEqual(authority, own);
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
  private readonly profiles = new Map<Certificate, CertificateVerificationError | null>();
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
    // Pinned: the leaf itself (or a re-issue of it: same name, same key) is a trust anchor.
    const pinned = this.anchors.some((anchor) => sameEntity(anchor, leaf));
    const problem = leafFailure(this.input, pinned);
    if (problem) throw problem;
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
    throw this.reportedFailure?.error ?? this.untrusted(leaf, 1);
  }

  /** The failure for a certificate whose issuer is nowhere: self-signed or unknown, with OpenSSL's code for its depth. */
  private untrusted(child: Certificate, depth: number): CertificateVerificationError {
    const hint = 'add the issuing CA certificate to the `ca` option (or have the peer send its intermediate certificates)';
    if (looksSelfSigned(child)) {
      const code = depth === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN';
      return failure('self_signed', `certificate ${describe(child)} is self-signed and not trusted: to trust it, add it to the \`ca\` option`, code);
    }
    const code = depth === 1 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
    return failure('unknown_issuer', `no trusted issuer for ${describe(child)} (issuer "${child.issuer.text}"): ${hint}`, code);
  }

  /** Keeps the most telling failure: any specific one over unknown_issuer, then the deepest. */
  private record(depth: number, error: CertificateVerificationError): void {
    const current = this.reportedFailure;
    const vague = (e: CertificateVerificationError) => e.reason === 'unknown_issuer' || e.reason === 'self_signed';
    if (!current || (vague(current.error) && !vague(error)) || (vague(current.error) === vague(error) && depth > current.depth)) {
      this.reportedFailure = { depth, error };
    }
  }

  private extend(path: Certificate[]): Certificate[] | undefined {
    const child = path[path.length - 1]!;
    const depth = path.length;
    let found = false;
    for (const [candidate, isAnchor] of this.issuersOf(child)) {
      if (++this.candidates > (this.input.maxCandidates ?? DEFAULT_MAX_CANDIDATES)) throw new WorkLimitReached();
      // An anchor ends the path, so only an intermediate can close a loop.
      if (!isAnchor && path.some((member) => sameEntity(member, candidate))) continue;
      found = true;
      if (depth + 1 > (this.input.maxChainLength ?? DEFAULT_MAX_CHAIN_LENGTH)) {
        this.record(depth, failure('too_deep', `certificate path from ${describe(path[0]!)} is longer than ${depth} certificates`));
        continue;
      }
      // With the candidate, the path holds depth - 1 intermediates below an anchor, or depth below an intermediate.
      const maxDepth = this.input.maxDepth;
      if (maxDepth !== undefined && (isAnchor ? depth - 1 : depth) > maxDepth) {
        this.record(depth, failure('too_deep', `certificate path from ${describe(path[0]!)} needs more than the ${maxDepth} intermediate certificates maxDepth allows`));
        continue;
      }
      const problem = this.issuerFailure(candidate, isAnchor, path) ?? this.signatureFailure(child, candidate) ?? this.revocation(child, candidate);
      if (problem) {
        this.record(depth, problem);
        continue;
      }
      if (isAnchor) return [...path, candidate];
      const completed = this.extend([...path, candidate]);
      if (completed) return completed;
    }
    if (!found) this.record(depth, this.untrusted(child, depth));
    return undefined;
  }

  private revocation(child: Certificate, issuer: Certificate): CertificateVerificationError | undefined {
    const { crls, at, provider } = this.input;
    return crls ? revocationFailure(child, issuer, crls, at, provider) : undefined;
  }

  /** The profile failure of a would-be issuer in its role, computed once per certificate. */
  private profile(issuer: Certificate, isAnchor: boolean): CertificateVerificationError | undefined {
    let result = this.profiles.get(issuer);
    if (result === undefined) {
      const { at, purpose, minimumRsaModulusBits } = this.input;
      result = profileFailure(issuer, isAnchor ? 'anchor' : 'intermediate', { at, purpose, minimumRsaModulusBits }) ?? null;
      this.profiles.set(issuer, result);
    }
    return result ?? undefined;
  }

  private *issuersOf(child: Certificate): Generator<[Certificate, boolean]> {
    for (const anchor of this.anchors) if (mayHaveIssued(anchor, child)) yield [anchor, true];
    for (const intermediate of this.intermediates) if (mayHaveIssued(intermediate, child)) yield [intermediate, false];
  }

  /** Checks a would-be issuer's own properties against the path below it. */
  private issuerFailure(issuer: Certificate, isAnchor: boolean, below: readonly Certificate[]): CertificateVerificationError | undefined {
    const ownProblem = this.profile(issuer, isAnchor);
    if (ownProblem) return ownProblem;
    const constraints = issuer.extensions.basicConstraints;
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
  return new PathSearch(input).run();
}
