/**
 * Peer certificates in the object shape `tls.TLSSocket.getPeerCertificate()` returns,
 * built at the Node edge from DER with node:crypto's X509Certificate, whichever backend
 * negotiated. The detailed form links `issuerCertificate` through the chain as sent,
 * then to a trust anchor that issued its last certificate; a self-signed end links to itself.
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';

/** The certificate object node:tls gives for one DER certificate. */
export function peerCertificateOf(der: Uint8Array): tls.PeerCertificate {
  return new X509Certificate(der).toLegacyObject();
}

/** Trust anchors to finish a detailed chain with: the configured `ca`, else Node's bundled roots. */
function anchorsFrom(ca: readonly (string | Uint8Array)[] | undefined): X509Certificate[] {
  const sources = ca && ca.length > 0 ? ca : tls.rootCertificates;
  const anchors: X509Certificate[] = [];
  for (const source of sources) {
    try {
      anchors.push(new X509Certificate(source));
    } catch {
      // A root node:crypto cannot read is skipped, as node:tls skips it.
    }
  }
  return anchors;
}

/**
 * `getPeerCertificate(detailed)`: `{}` without a peer certificate; with `detailed`, each
 * `issuerCertificate` is the next certificate of `chain` that issued it, or the trust anchor
 * that did.
 */
export function peerCertificateObject(
  chain: readonly Uint8Array[],
  detailed: boolean,
  ca?: readonly (string | Uint8Array)[],
): tls.PeerCertificate | tls.DetailedPeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  const certificates = chain.map((der) => new X509Certificate(der));
  const leaf = certificates[0]!.toLegacyObject();
  if (!detailed) return leaf;
  const objects = new Map<X509Certificate, tls.DetailedPeerCertificate>();
  const objectFor = (certificate: X509Certificate): tls.DetailedPeerCertificate => {
    let object = objects.get(certificate);
    if (!object) {
      object = certificate.toLegacyObject() as tls.DetailedPeerCertificate;
      objects.set(certificate, object);
    }
    return object;
  };
  let anchors: X509Certificate[] | undefined;
  let current = certificates[0]!;
  const seen = new Set<X509Certificate>();
  for (let depth = 0; depth < 16; depth++) {
    seen.add(current);
    const object = objectFor(current);
    if (current.checkIssued(current) && current.verify(current.publicKey)) {
      object.issuerCertificate = object;
      break;
    }
    let issuer = certificates.find((candidate) => !seen.has(candidate) && current.checkIssued(candidate));
    if (!issuer) {
      anchors ??= anchorsFrom(ca);
      issuer = anchors.find((candidate) => current.checkIssued(candidate) && current.verify(candidate.publicKey));
    }
    if (!issuer) break;
    object.issuerCertificate = objectFor(issuer);
    current = issuer;
  }
  return objectFor(certificates[0]!);
}
