/**
 * Development CRLs (RFC 5280 section 5) signed by a development CA: for tests of
 * revocation on both backends (node:tls reads them as "X509 CRL" PEM).
 */

import type { CryptoProvider } from '../crypto/provider.js';
import { nobleCryptoProvider } from '../crypto/noble.js';
import { type CertificateRevocationList, type RevocationReason, parseCertificateRevocationList, revocationReasons } from './crl.js';
import * as der from './der-writer.js';
import { type CertificateIssuer, type ExtraExtension, extension, signatureAlgorithmFor } from './development.js';
import { CrlExtensionOid } from './oids.js';
import { toPem } from './pem.js';

/** One certificate to list as revoked. */
export interface RevocationEntryOptions {
  /** The certificate's serial (INTEGER content octets), e.g. `certificate.serialNumber`. */
  readonly serialNumber: Uint8Array;
  /** Default: one hour before thisUpdate. */
  readonly revocationDate?: Date;
  readonly reason?: RevocationReason;
  /** Entry extensions added verbatim. */
  readonly extraExtensions?: readonly ExtraExtension[];
}

/** Options of a development CRL; everything has a default. */
export interface CrlOptions {
  readonly revoked?: readonly RevocationEntryOptions[];
  /** Default: one hour ago. */
  readonly thisUpdate?: Date;
  /** Default: seven days after thisUpdate; `null` omits nextUpdate. */
  readonly nextUpdate?: Date | null;
  /** cRLNumber (default 1). */
  readonly crlNumber?: bigint;
  /** CRL extensions added verbatim (a critical deltaCRLIndicator, say). */
  readonly extraExtensions?: readonly ExtraExtension[];
  /** Signs and supplies randomness (default: the noble provider). */
  readonly provider?: CryptoProvider;
}

/** A CRL as DER, PEM ("X509 CRL") and parsed. */
export interface DevelopmentCrl {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly crl: CertificateRevocationList;
}

const HOUR = 3_600_000;
const ENUMERATED = 0x0a;

function encodeEntry(entry: RevocationEntryOptions, thisUpdate: Date): Uint8Array {
  const extensions: Uint8Array[] = [];
  if (entry.reason) extensions.push(extension(CrlExtensionOid.reasonCode, false, der.element(ENUMERATED, Uint8Array.of(revocationReasons.indexOf(entry.reason)))));
  for (const extra of entry.extraExtensions ?? []) extensions.push(extension(extra.oid, extra.critical, extra.value));
  return der.sequence([
    der.element(0x02, entry.serialNumber),
    der.time(entry.revocationDate ?? new Date(thisUpdate.getTime() - HOUR)),
    ...(extensions.length > 0 ? [der.sequence(extensions)] : []),
  ]);
}

/** Issues a v2 CRL signed by `issuer`, with authorityKeyIdentifier and cRLNumber. */
export function issueCertificateRevocationList(issuer: CertificateIssuer, options: CrlOptions = {}): DevelopmentCrl {
  const provider = options.provider ?? nobleCryptoProvider;
  const { scheme, algorithm } = signatureAlgorithmFor(issuer.privateKey);
  const thisUpdate = options.thisUpdate ?? new Date(Math.floor((Date.now() - HOUR) / 1000) * 1000);
  const nextUpdate = options.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 7 * 24 * HOUR) : options.nextUpdate;
  const keyId = issuer.certificate.extensions.subjectKeyIdentifier;
  const extensions = [
    ...(keyId ? [extension(CrlExtensionOid.authorityKeyIdentifier, false, der.sequence([der.implicitPrimitive(0, keyId)]))] : []),
    extension(CrlExtensionOid.cRLNumber, false, der.integer(options.crlNumber ?? 1n)),
    ...(options.extraExtensions ?? []).map((extra) => extension(extra.oid, extra.critical, extra.value)),
  ];
  const revoked = options.revoked ?? [];
  const tbs = der.sequence([
    der.integer(1),
    algorithm,
    issuer.certificate.subject.der,
    der.time(thisUpdate),
    ...(nextUpdate ? [der.time(nextUpdate)] : []),
    ...(revoked.length > 0 ? [der.sequence(revoked.map((entry) => encodeEntry(entry, thisUpdate)))] : []),
    der.explicit(0, der.sequence(extensions)),
  ]);
  const signature = provider.sign(scheme, issuer.privateKey, tbs, provider.random);
  const encoded = der.sequence([tbs, algorithm, der.bitString(signature)]);
  return { der: encoded, pem: toPem('X509 CRL', encoded), crl: parseCertificateRevocationList(encoded) };
}
