/**
 * The verifier's entry points: parse the peer's DER certificates, build and validate a
 * path to a trust anchor (path.ts, with the profile rules of profile.ts and, when CRLs
 * are given, revocation by crl.ts), then check the host name (hostname.ts). The engine
 * calls `verifyCertificateChainSync`; applications may await `verifyCertificateChain`.
 */

import type { CertificateInput } from '../configuration.js';
import { type AlertName, CertificateVerificationError, ConfigurationError, alertForCertificateReason } from '../errors.js';
import { nobleCryptoProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type Certificate, parseCertificate } from './certificate.js';
import { revocationListsFrom } from './certificate-input.js';
import type { CertificateRevocationList } from './crl.js';
import { CertificateParseError } from './der.js';
import { certificateMatchesHostname, formatIPAddress, parseReferenceIdentity } from './hostname.js';
import { nodeRootTrustAnchors } from './node-roots.js';
import { type Purpose, buildCertificatePath } from './path.js';

/** A certificate as DER bytes or already parsed. */
export type CertificateSource = Uint8Array | Certificate;

/** What to verify and against what. */
export interface CertificateChainVerification {
  /** The end-entity certificate. */
  readonly leaf: CertificateSource;
  /** Other certificates the peer sent, in any order; unusable ones are skipped. */
  readonly intermediates?: readonly CertificateSource[];
  /** Trusted roots; default Node's bundled roots (`tls.rootCertificates`). */
  readonly trustAnchors?: readonly CertificateSource[];
  /** A DNS name or an IP literal the leaf must be valid for; unchecked when absent. */
  readonly hostname?: string;
  /** The verification time (default now). */
  readonly at?: Date;
  /** The purpose the leaf must allow (default serverAuth). */
  readonly purpose?: Purpose;
  /** Verifies signatures (default the noble provider). */
  readonly provider?: CryptoProvider;
  /** Longest path in certificates, leaf and anchor included (default 8). */
  readonly maxChainLength?: number;
  /** Most intermediate certificates between the leaf and the anchor (OpenSSL's verify depth); unlimited when absent. */
  readonly maxDepth?: number;
  /**
   * Certificate revocation lists (node:tls's `crl`: PEM "X509 CRL", DER, or parsed). When
   * given, every certificate below the trust anchor needs a current CRL from its issuer.
   */
  readonly crl?: CertificateInput | readonly CertificateRevocationList[];
  /** Signature verification budget per call (default 100). */
  readonly maxSignatureChecks?: number;
  /** Candidate-issuer budget per call (default 2000). */
  readonly maxCandidates?: number;
  /** Smallest RSA modulus accepted in certificate signatures (default 2048). */
  readonly minimumRsaModulusBits?: number;
}

/** The validated path: leaf first, trust anchor last (one element when the leaf is itself trusted). */
export type VerifiedChain = readonly Certificate[];

function isParsed(source: CertificateSource): source is Certificate {
  return !(source instanceof Uint8Array);
}

function parseLeaf(source: CertificateSource): Certificate {
  if (isParsed(source)) return source;
  try {
    return parseCertificate(source);
  } catch (error) {
    if (!(error instanceof CertificateParseError)) throw error;
    throw new CertificateVerificationError(unsupportedReason(error), `leaf certificate: ${error.message}`, { cause: error });
  }
}

/** The most intermediates one verification will look at; a longer bundle is refused outright. */
export const MAX_INTERMEDIATES = 64;

/** `unsupported_key` for a key algorithm or curve we do not support, `unsupported_certificate` for other unsupported content, else `malformed`. */
function unsupportedReason(error: CertificateParseError): 'unsupported_key' | 'unsupported_certificate' | 'malformed' {
  if (error.kind !== 'unsupported') return 'malformed';
  return /public key|curve|EC point/i.test(error.message) ? 'unsupported_key' : 'unsupported_certificate';
}

function parseIntermediates(sources: readonly CertificateSource[], skipped: CertificateParseError[]): Certificate[] {
  if (sources.length > MAX_INTERMEDIATES) {
    throw new CertificateVerificationError('work_limit', `${sources.length} intermediate certificates is more than the ${MAX_INTERMEDIATES} accepted`);
  }
  return parseAll(sources, skipped, (error) =>
    new CertificateVerificationError('malformed', `intermediate certificate: ${error.message}`, { cause: error }),
  );
}

function parseAnchors(sources: readonly CertificateSource[] | undefined): readonly Certificate[] {
  if (sources === undefined) return nodeRootTrustAnchors();
  return parseAll(sources, [], (error) => new ConfigurationError(`malformed trust anchor: ${error.message}`, { cause: error }));
}

/** The CRLs to check against; none (absent or an empty list) means no revocation checking, as in node:tls. */
function parseCrls(input: CertificateChainVerification['crl']): readonly CertificateRevocationList[] | undefined {
  if (input === undefined) return undefined;
  const lists =
    Array.isArray(input) && input.every((item) => typeof item === 'object' && 'revoked' in item)
      ? (input as CertificateRevocationList[])
      : revocationListsFrom(input as CertificateInput);
  return lists.length > 0 ? lists : undefined;
}

/** Parses each source; unsupported certificates are skipped (and listed in `skipped`), malformed ones become `malformed(error)`. */
function parseAll(sources: readonly CertificateSource[], skipped: CertificateParseError[], malformed: (error: CertificateParseError) => Error): Certificate[] {
  const parsed: Certificate[] = [];
  for (const source of sources) {
    if (isParsed(source)) {
      parsed.push(source);
      continue;
    }
    try {
      parsed.push(parseCertificate(source));
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      if (error.kind === 'unsupported') {
        skipped.push(error);
        continue;
      }
      throw malformed(error);
    }
  }
  return parsed;
}

/** Checks that the leaf is valid for `hostname` (subjectAltName only); throws `hostname_mismatch`. */
export function verifyHostname(leaf: Certificate, hostname: string): void {
  if (!parseReferenceIdentity(hostname)) {
    throw new CertificateVerificationError('hostname_mismatch', `${JSON.stringify(hostname)} is neither a valid DNS name nor an IP address`);
  }
  if (!certificateMatchesHostname(leaf.extensions.subjectAltNames, hostname)) {
    const names = (leaf.extensions.subjectAltNames ?? []).flatMap((name) =>
      name.kind === 'dns' ? [`DNS:${name.value}`] : name.kind === 'ip' ? [`IP:${formatIPAddress(name.value)}`] : [],
    );
    const carries = names.length > 0 ? `it is valid for ${names.join(', ')}` : 'it carries no DNS or IP subjectAltName';
    throw new CertificateVerificationError('hostname_mismatch', `certificate "${leaf.subject.text}" is not valid for ${hostname}: ${carries}`);
  }
}

/** Verifies a certificate chain synchronously; returns the validated path or throws `CertificateVerificationError`. */
export function verifyCertificateChainSync(options: CertificateChainVerification): VerifiedChain {
  const at = options.at ?? new Date();
  const purpose = options.purpose ?? 'serverAuth';
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new ConfigurationError('verification time `at` is not a valid Date');
  if (purpose !== 'serverAuth' && purpose !== 'clientAuth') throw new ConfigurationError(`unknown purpose ${String(purpose)}`);
  if (options.maxDepth !== undefined && !(Number.isInteger(options.maxDepth) && options.maxDepth >= 0)) {
    throw new ConfigurationError('maxDepth must be a whole number of intermediate certificates, 0 or more');
  }
  const leaf = parseLeaf(options.leaf);
  const skipped: CertificateParseError[] = [];
  const intermediates = parseIntermediates(options.intermediates ?? [], skipped);
  let chain: VerifiedChain;
  try {
    chain = buildCertificatePath({
      leaf,
      intermediates,
      trustAnchors: parseAnchors(options.trustAnchors),
      at,
      purpose,
      provider: options.provider ?? nobleCryptoProvider,
      maxChainLength: options.maxChainLength,
      maxDepth: options.maxDepth,
      maxSignatureChecks: options.maxSignatureChecks,
      maxCandidates: options.maxCandidates,
      minimumRsaModulusBits: options.minimumRsaModulusBits,
      crls: parseCrls(options.crl),
    });
  } catch (error) {
    // An issuer we could not read is the likelier cause than a missing one: say so.
    if (error instanceof CertificateVerificationError && error.reason === 'unknown_issuer' && skipped.length > 0) {
      const reason = unsupportedReason(skipped[0]!);
      throw new CertificateVerificationError(reason, `${error.message}; the peer sent intermediate certificates we cannot use: ${skipped.map((e) => e.message).join('; ')}`, { cause: error });
    }
    throw error;
  }
  if (options.hostname !== undefined) verifyHostname(leaf, options.hostname);
  return chain;
}

/** Verifies a certificate chain; resolves with the validated path (leaf first, anchor last) or rejects with `CertificateVerificationError`. */
export async function verifyCertificateChain(options: CertificateChainVerification): Promise<VerifiedChain> {
  return verifyCertificateChainSync(options);
}

/** The RFC 8446 alert to send for a rejected peer chain (the shared mapping in src/errors.ts). */
export function alertForCertificateError(error: CertificateVerificationError): AlertName {
  return alertForCertificateReason(error.reason);
}
