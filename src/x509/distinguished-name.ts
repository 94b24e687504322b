/**
 * Distinguished names (RFC 5280 section 4.1.2.4): parsed into relative distinguished
 * names for printing and directoryName constraints, while keeping the exact DER that
 * issuer/subject chaining compares byte for byte.
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import { CertificateParseError, DerReader, Tag, decodeOid, decodeString } from './der.js';
import { AttributeOid, attributeLabels } from './oids.js';

/** One attribute of a relative distinguished name, e.g. CN=example. */
export interface NameAttribute {
  /** The attribute type OID. */
  readonly type: string;
  /** The value as text; values that are not strings are shown as `#` and hex. */
  readonly value: string;
}

/** One relative distinguished name (a SET of attributes) and its DER encoding. */
export interface RelativeDistinguishedName {
  readonly attributes: readonly NameAttribute[];
  readonly encoded: Uint8Array;
}

/** A parsed X.501 Name. */
export interface DistinguishedName {
  /** The whole Name encoding; chaining compares these bytes. */
  readonly der: Uint8Array;
  readonly rdns: readonly RelativeDistinguishedName[];
  /** RFC 4514-style text, most significant RDN last, for messages. */
  readonly text: string;
}


function escapeValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]| $/g, (c) => `\\${c}`);
}

/** Parses a Name from its whole DER encoding (a SEQUENCE OF RDN). */
export function parseDistinguishedName(der: Uint8Array, what: string): DistinguishedName {
  const outer = DerReader.single(der, what);
  if (outer.tag !== Tag.SEQUENCE) throw new CertificateParseError(`${what}: expected SEQUENCE`);
  const reader = new DerReader(outer.contents);
  const rdns: RelativeDistinguishedName[] = [];
  while (!reader.atEnd) {
    const set = reader.expect(Tag.SET, `${what} RDN`);
    const setReader = new DerReader(set.contents);
    const attributes: NameAttribute[] = [];
    while (!setReader.atEnd) {
      const pair = setReader.enter(Tag.SEQUENCE, `${what} attribute`);
      const type = decodeOid(pair.read(`${what} attribute type`), `${what} attribute type`);
      const valueElement = pair.read(`${what} attribute value`);
      pair.expectEnd(`${what} attribute`);
      let value: string;
      try {
        value = decodeString(valueElement, `${what} attribute value`);
      } catch (error) {
        if (!(error instanceof CertificateParseError) || error.kind !== 'unsupported') throw error;
        value = `#${bytesToHex(valueElement.encoded)}`;
      }
      attributes.push({ type, value });
    }
    if (attributes.length === 0) throw new CertificateParseError(`${what}: empty RDN`);
    rdns.push({ attributes, encoded: set.encoded });
  }
  const text = [...rdns]
    .reverse()
    .map((rdn) => rdn.attributes.map((a) => `${attributeLabels.get(a.type) ?? a.type}=${escapeValue(a.value)}`).join('+'))
    .join(',');
  return { der: outer.encoded, rdns, text };
}

/** The values of every commonName attribute (for display only: never used to match host names). */
export function commonNames(name: DistinguishedName): string[] {
  return name.rdns.flatMap((rdn) => rdn.attributes.filter((a) => a.type === AttributeOid.commonName).map((a) => a.value));
}
