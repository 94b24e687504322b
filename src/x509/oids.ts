/**
 * Object identifiers this X.509 module reads or writes, in dotted-decimal form, with
 * the RFC that defines each group.
 */

/** Public-key and signature algorithms (RFC 3279, 4055, 5480, 5758, 8410). */
export const AlgorithmOid = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** Named elliptic curves (RFC 5480). */
export const CurveOid = {
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
} as const;

/** Certificate extensions this module understands (RFC 5280 section 4.2). */
export const ExtensionOid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
  authorityInformationAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** CRL and CRL-entry extensions (RFC 5280 sections 5.2 and 5.3). */
export const CrlExtensionOid = {
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCRL: '2.5.29.46',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
} as const;

/** Key algorithms we recognise only to name them in errors (RFC 3279, 5480, 5639). */
export const unsupportedKeyNames: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10040.4.1', 'DSA'],
  ['1.2.840.10046.2.1', 'Diffie-Hellman'],
  ['1.3.132.0.10', 'secp256k1'],
  ['1.2.840.10045.3.1.1', 'P-192'],
  ['1.3.132.0.33', 'P-224'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
  ['1.3.101.110', 'X25519'],
  ['1.3.101.111', 'X448'],
]);

/** Extended key usage purposes (RFC 5280 section 4.2.1.12). */
export const ExtendedKeyUsageOid = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

/** Distinguished-name attribute types (RFC 5280 appendix A), with their short labels. */
export const AttributeOid = {
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  stateOrProvinceName: '2.5.4.8',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;

/** Short labels (RFC 4514) for attribute types, used when printing names. */
export const attributeLabels: ReadonlyMap<string, string> = new Map([
  [AttributeOid.commonName, 'CN'],
  [AttributeOid.countryName, 'C'],
  [AttributeOid.localityName, 'L'],
  [AttributeOid.stateOrProvinceName, 'ST'],
  [AttributeOid.organizationName, 'O'],
  [AttributeOid.organizationalUnitName, 'OU'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['2.5.4.5', 'serialNumber'],
  [AttributeOid.emailAddress, 'emailAddress'],
]);
