/**
 * The X.509 module's public surface: certificate parsing, chain verification with
 * host-name checks, trust anchors, PEM/DER loading of certificates and private keys,
 * and development certificates. Everything here runs in browsers too, except that the
 * default trust anchors (Node's bundled roots) are empty outside Node.
 */

export {
  type Certificate, type SignatureCheck, type SignaturePolicy, DEFAULT_MINIMUM_RSA_BITS, checkCertificateSignature,
  isSelfIssued, parseCertificate, subjectPublicKeyOf,
} from './certificate.js';
export type { PublicKeyAlgorithm, SignatureAlgorithm, SubjectPublicKey } from './algorithms.js';
export { CertificateParseError } from './der.js';
export type { DistinguishedName, NameAttribute, RelativeDistinguishedName } from './distinguished-name.js';
export { commonNames } from './distinguished-name.js';
export type {
  BasicConstraints, CertificateExtensions, GeneralName, GeneralSubtree, KeyUsage, NameConstraints, RawExtension,
} from './extensions.js';
export { certificateMatchesHostname, dnsNameMatches, parseIPAddress } from './hostname.js';
export { type Purpose, DEFAULT_MAX_CANDIDATES, DEFAULT_MAX_CHAIN_LENGTH, DEFAULT_MAX_SIGNATURE_CHECKS } from './path.js';
export {
  type CertificateChainVerification, type CertificateSource, type VerifiedChain, alertForCertificateError, verifyCertificateChain,
  verifyCertificateChainSync, verifyHostname,
} from './verify.js';
export { parseCertificateChain, revocationListsFrom, trustAnchorsFrom } from './certificate-input.js';
export {
  type CertificateRevocationList, type RevocationReason, type RevokedCertificate, parseCertificateRevocationList, revocationReasons,
} from './crl.js';
export { type CrlOptions, type DevelopmentCrl, type RevocationEntryOptions, issueCertificateRevocationList } from './development-crl.js';
export { type CertificateRole, type ProfileContext, profileFailure } from './profile.js';
export { isWildcardForPublicSuffix } from './dns-names.js';
export { nodeRootTrustAnchors } from './node-roots.js';
export { type GeneratedKeyType, encodePkcs8, encodeSubjectPublicKeyInfo, parsePrivateKey, publicKeyOf } from './keys.js';
export { toPem } from './pem.js';
export {
  type CertificateIssuer, type CertificateOptions, type DevelopmentCertificate, type ExtraExtension,
  type NameAttributeOption, type NameConstraintOptions, type SubtreeOption, createDevelopmentCA, issueCertificate,
} from './development.js';
