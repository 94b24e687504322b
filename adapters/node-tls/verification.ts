/**
 * The verification parts node:tls leaves to us: CRLs in the form OpenSSL reads them (PEM
 * "X509 CRL"; node:tls then checks every certificate of the path against them, as
 * X509_V_FLAG_CRL_CHECK_ALL), and `maxDepth`, checked on the chain OpenSSL verified.
 */
import tls from 'node:tls';
import { certificateList, type CertificateInput } from '../../src/configuration.js';
import { CertificateVerificationError, ConfigurationError } from '../../src/errors.js';

function looksLikePem(bytes: Uint8Array): boolean {
  return new TextDecoder('latin1').decode(bytes.subarray(0, 64)).includes('-----BEGIN');
}

/** The `crl` option as PEM strings for SecureContext's `crl` (DER is wrapped; PEM passes as is). */
export function crlForOpenSSL(crl: CertificateInput | undefined): string[] | undefined {
  const items = certificateList(crl);
  if (items.length === 0) return undefined;
  return items.map((item) => {
    if (typeof item === 'string') return item;
    const buffer = Buffer.from(item.buffer, item.byteOffset, item.byteLength);
    if (looksLikePem(item)) return buffer.toString('latin1');
    const body = buffer.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    return `-----BEGIN X509 CRL-----\n${body}\n-----END X509 CRL-----\n`;
  });
}

/** Checks `maxDepth` as a configuration value. */
export function checkMaxDepth(maxDepth: number | undefined): void {
  if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 0)) {
    throw new ConfigurationError('maxDepth must be a whole number of intermediate certificates, 0 or more');
  }
}

/** The intermediates OpenSSL put between the peer's leaf and the trust anchor, from the verified chain node:tls reports. */
function intermediateCount(socket: tls.TLSSocket): number {
  let count = 0;
  // The prototype's method: the service answers the instance's with the leaf alone until the handshake is settled.
  let certificate: tls.DetailedPeerCertificate | undefined = tls.TLSSocket.prototype.getPeerCertificate.call(socket, true) as tls.DetailedPeerCertificate;
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (certificate?.raw && !seen.has(certificate)) {
    seen.add(certificate);
    const issuer: tls.DetailedPeerCertificate | undefined = certificate.issuerCertificate;
    if (!issuer || issuer === certificate || issuer.raw?.equals(certificate.raw)) break;
    certificate = issuer;
    count++;
  }
  // Each step up is one certificate; the last one reached is the anchor, not an intermediate.
  return Math.max(0, count - 1);
}

/** A too_deep failure when the verified path holds more than `maxDepth` intermediates (OpenSSL's CERT_CHAIN_TOO_LONG). */
export function depthFailure(socket: tls.TLSSocket, maxDepth: number | undefined): CertificateVerificationError | undefined {
  if (maxDepth === undefined) return undefined;
  const count = intermediateCount(socket);
  if (count <= maxDepth) return undefined;
  return new CertificateVerificationError('too_deep', `the peer's certificate path has ${count} intermediate certificates, more than the ${maxDepth} maxDepth allows`);
}
