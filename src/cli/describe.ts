/**
 * Human-readable views of a negotiated connection: the parameters and the peer's
 * certificate chain, as the CLI, the demo and the `--www` page print them.
 */
import { X509Certificate } from 'node:crypto';
import type { NegotiatedParameters } from '../tls-service.js';

/** The negotiated parameters, one `name: value` line each. */
export function describeParameters(p: NegotiatedParameters): string[] {
  const lines = [
    `backend:      ${p.backend}${p.cryptoProvider ? ` (crypto: ${p.cryptoProvider})` : ''}`,
    `protocol:     ${p.protocol}`,
    `cipher suite: ${p.cipherSuite ?? '-'}`,
    `group:        ${p.group ?? '(not reported by this backend)'}`,
    `ALPN:         ${p.alpnProtocol ?? '-'}`,
    `server name:  ${p.servername ?? '-'}`,
    `resumed:      ${p.resumed ? 'yes' : 'no'}`,
  ];
  if (p.earlyData) lines.push(`early data:   ${p.earlyData}`);
  return lines;
}

/** The peer's chain, one block per certificate: subject, issuer, validity, SANs. */
export function describeChain(chain: readonly Uint8Array[]): string[] {
  if (chain.length === 0) return ['peer certificate chain: (none)'];
  const lines = [`peer certificate chain (${chain.length}):`];
  chain.forEach((der, i) => {
    try {
      const cert = new X509Certificate(der);
      lines.push(` ${i} s: ${oneLine(cert.subject)}`, `   i: ${oneLine(cert.issuer)}`);
      lines.push(`   valid ${cert.validFrom} .. ${cert.validTo}`);
      if (cert.subjectAltName) lines.push(`   san: ${cert.subjectAltName}`);
    } catch {
      lines.push(` ${i} (${der.length} bytes, not parseable by node:crypto)`);
    }
  });
  return lines;
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}
