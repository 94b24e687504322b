/**
 * Certificates and CRLs as configured: PEM bundles or DER, as node:tls takes them for
 * `cert`, `ca` and `crl`. `parseCertificateChain` turns input into DER certificates,
 * `trustAnchorsFrom` into parsed trust anchors (Node's bundled roots when no `ca` is
 * given), `revocationListsFrom` into parsed CRLs.
 */

import type { CertificateInput } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { type Certificate, parseCertificate } from './certificate.js';
import { type CertificateRevocationList, parseCertificateRevocationList } from './crl.js';
import { CertificateParseError } from './der.js';
import { nodeRootTrustAnchors } from './node-roots.js';
import { bytesToText, looksLikePem, parsePemBlocks } from './pem.js';

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);

/** Turns PEM text (one or many CERTIFICATE blocks), PEM bytes or DER bytes, or a list of those, into DER certificates in order. */
export function parseCertificateChain(input: CertificateInput): Uint8Array[] {
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : [...input];
  const certificates: Uint8Array[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && !looksLikePem(item)) {
      certificates.push(item);
      continue;
    }
    const blocks = parsePemBlocks(typeof item === 'string' ? item : bytesToText(item));
    const found = blocks.filter((block) => CERTIFICATE_LABELS.has(block.label));
    if (found.length === 0) throw new ConfigurationError('no CERTIFICATE block found in PEM input');
    certificates.push(...found.map((block) => block.der));
  }
  return certificates;
}

/**
 * Parsed trust anchors: from `ca` when given (replacing the defaults, as in node:tls),
 * otherwise Node's bundled roots. A malformed certificate in `ca` is a ConfigurationError;
 * one with an unsupported key type is skipped, since it could never verify anything here.
 */
export function trustAnchorsFrom(ca?: CertificateInput): readonly Certificate[] {
  if (ca === undefined) return nodeRootTrustAnchors();
  const anchors: Certificate[] = [];
  for (const der of parseCertificateChain(ca)) {
    try {
      anchors.push(parseCertificate(der));
    } catch (error) {
      if (error instanceof CertificateParseError && error.kind === 'unsupported') continue;
      throw new ConfigurationError(`malformed trust anchor in ca: ${(error as Error).message}`, { cause: error });
    }
  }
  return anchors;
}

/** Parses the `crl` option (PEM "X509 CRL" blocks, PEM bytes or DER, or a list of those); a malformed CRL is a ConfigurationError. */
export function revocationListsFrom(input: CertificateInput): CertificateRevocationList[] {
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : [...input];
  const lists: CertificateRevocationList[] = [];
  for (const item of items) {
    let ders: Uint8Array[];
    if (typeof item !== 'string' && !looksLikePem(item)) {
      ders = [item];
    } else {
      const blocks = parsePemBlocks(typeof item === 'string' ? item : bytesToText(item)).filter((block) => block.label === 'X509 CRL');
      if (blocks.length === 0) throw new ConfigurationError('no X509 CRL block found in the crl option');
      ders = blocks.map((block) => block.der);
    }
    for (const der of ders) {
      try {
        lists.push(parseCertificateRevocationList(der));
      } catch (error) {
        if (!(error instanceof CertificateParseError)) throw error;
        throw new ConfigurationError(`malformed CRL in the crl option: ${error.message}`, { cause: error });
      }
    }
  }
  return lists;
}
