/**
 * Our certificate/key pairs as OpenSSL reads them: one PEM text per chain (leaf first, then
 * its intermediates; OpenSSL takes the first certificate of each `cert` entry as a leaf, so
 * a chain split across entries would replace the leaf with an intermediate) and one key per
 * chain. With several pairs (RSA and ECDSA) OpenSSL picks one per handshake by the client's
 * signature_algorithms.
 */
import { certificateList, type CertificateInput, type CommonConfiguration, type ServerConfiguration } from '../../src/configuration.js';

/** One chain as PEM text: PEM items kept as they are, DER items wrapped. */
export function chainPem(input: CertificateInput): string {
  return certificateList(input)
    .map((item) => {
      if (typeof item === 'string') return item.endsWith('\n') ? item : `${item}\n`;
      const buffer = Buffer.from(item.buffer, item.byteOffset, item.byteLength);
      const text = buffer.toString('latin1');
      if (text.includes('-----BEGIN')) return text.endsWith('\n') ? text : `${text}\n`;
      const body = buffer.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
      return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
}

/** `cert` and `key` for tls.createSecureContext: the main pair, then `additionalIdentities` (servers). */
export function contextIdentities(options: CommonConfiguration): { cert: string[] | undefined; key: (string | Buffer)[] | undefined } {
  const pairs = [
    ...(options.cert !== undefined || options.key !== undefined ? [{ cert: options.cert, key: options.key }] : []),
    ...((options as ServerConfiguration).additionalIdentities ?? []),
  ];
  const certs = pairs.filter((pair) => pair.cert !== undefined && certificateList(pair.cert).length > 0).map((pair) => chainPem(pair.cert!));
  const keys = pairs.filter((pair) => pair.key !== undefined).map((pair) => toBuffer(pair.key!));
  return { cert: certs.length > 0 ? certs : undefined, key: keys.length > 0 ? keys : undefined };
}

function toBuffer(input: string | Uint8Array): string | Buffer {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}
