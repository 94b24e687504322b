/**
 * The strict DER reader and the DER writer: malformed encodings are rejected, never
 * half-read (truncated, trailing bytes, non-minimal or indefinite lengths, sloppy
 * integers and booleans), and what the writer produces reads back.
 */
import test from 'ava';
import {
  CertificateParseError, DerReader, Tag, decodeBoolean, decodeInteger, decodeOid, decodeTime,
} from '../../src/x509/der.js';
import * as der from '../../src/x509/der-writer.js';
import { createDevelopmentCA, parseCertificate, verifyCertificateChainSync } from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

test('reads a definite short-form element and its contents', (t) => {
  const element = DerReader.single(bytes(0x04, 0x02, 0xaa, 0xbb), 'test');
  t.is(element.tag, Tag.OCTET_STRING);
  t.deepEqual([...element.contents], [0xaa, 0xbb]);
});

test('rejects truncated input, trailing bytes, indefinite and non-minimal lengths', (t) => {
  const cases: [string, Uint8Array][] = [
    ['empty', bytes()],
    ['header only', bytes(0x04)],
    ['contents shorter than the length', bytes(0x04, 0x03, 0x01, 0x02)],
    ['trailing garbage', bytes(0x04, 0x01, 0x01, 0x00)],
    ['indefinite length', bytes(0x30, 0x80, 0x00, 0x00)],
    ['long form for a short length', bytes(0x04, 0x81, 0x01, 0xaa)],
    ['leading zero length octet', bytes(0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0))],
    ['length octets truncated', bytes(0x04, 0x82, 0x01)],
    ['length of five octets', bytes(0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00)],
    ['high tag number form', bytes(0x1f, 0x81, 0x00, 0x00)],
  ];
  for (const [name, input] of cases) {
    t.throws(() => DerReader.single(input, name), { instanceOf: CertificateParseError }, name);
  }
});

test('a length larger than the remaining input is rejected before use', (t) => {
  const error = t.throws(() => DerReader.single(bytes(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00), 'huge'), { instanceOf: CertificateParseError });
  t.regex(error!.message, /exceeds the remaining input/);
});

test('integers must be minimal; booleans must be 00 or FF', (t) => {
  t.is(decodeInteger({ tag: Tag.INTEGER, contents: bytes(0x00, 0x80), encoded: bytes() }, 'i'), 128n);
  t.is(decodeInteger({ tag: Tag.INTEGER, contents: bytes(0xff), encoded: bytes() }, 'i'), -1n);
  t.throws(() => decodeInteger({ tag: Tag.INTEGER, contents: bytes(0x00, 0x01), encoded: bytes() }, 'i'));
  t.throws(() => decodeInteger({ tag: Tag.INTEGER, contents: bytes(0xff, 0x80), encoded: bytes() }, 'i'));
  t.throws(() => decodeInteger({ tag: Tag.INTEGER, contents: bytes(), encoded: bytes() }, 'i'));
  t.true(decodeBoolean({ tag: Tag.BOOLEAN, contents: bytes(0xff), encoded: bytes() }, 'b'));
  t.throws(() => decodeBoolean({ tag: Tag.BOOLEAN, contents: bytes(0x01), encoded: bytes() }, 'b'));
});

test('object identifiers round-trip and non-minimal arcs are rejected', (t) => {
  for (const oid of ['1.2.840.113549.1.1.11', '2.5.29.17', '1.3.101.112', '2.999.1']) {
    t.is(decodeOid(DerReader.single(der.oid(oid), 'oid'), 'oid'), oid);
  }
  t.throws(() => decodeOid({ tag: Tag.OID, contents: bytes(0x2a, 0x80, 0x01), encoded: bytes() }, 'oid'));
  t.throws(() => decodeOid({ tag: Tag.OID, contents: bytes(0x2a, 0x86), encoded: bytes() }, 'oid'));
});

test('times: UTCTime and GeneralizedTime as RFC 5280 restricts them', (t) => {
  const read = (tag: number, text: string) => decodeTime({ tag, contents: new TextEncoder().encode(text), encoded: bytes() }, 't');
  t.is(read(Tag.UTCTime, '491231235959Z').toISOString(), '2049-12-31T23:59:59.000Z');
  t.is(read(Tag.UTCTime, '500101000000Z').toISOString(), '1950-01-01T00:00:00.000Z');
  t.is(read(Tag.GeneralizedTime, '99991231235959Z').toISOString(), '9999-12-31T23:59:59.000Z');
  for (const text of ['4912312359Z', '491231235959+0100', '491332000000Z', '490230000000Z']) {
    t.throws(() => read(Tag.UTCTime, text), { instanceOf: CertificateParseError }, text);
  }
  t.throws(() => read(Tag.GeneralizedTime, '20300101000000.5Z'));
  for (const date of [new Date('2030-06-01T12:34:56Z'), new Date('2050-01-01T00:00:00Z'), new Date('1999-12-31T23:59:59Z')]) {
    t.is(decodeTime(DerReader.single(der.time(date), 't'), 't').getTime(), date.getTime());
  }
});

test('the writer produces minimal encodings', (t) => {
  t.deepEqual([...der.integer(0)], [0x02, 0x01, 0x00]);
  t.deepEqual([...der.integer(128)], [0x02, 0x02, 0x00, 0x80]);
  t.deepEqual([...der.octetString(new Uint8Array(200)).subarray(0, 3)], [0x04, 0x81, 200]);
  t.deepEqual([...der.namedBits([5, 6])], [0x03, 0x02, 0x01, 0x06]);
  t.deepEqual([...der.namedBits([0])], [0x03, 0x02, 0x07, 0x80]);
});

function replaceLength(encoded: Uint8Array): Uint8Array {
  // Re-encodes the outer length of a long-form SEQUENCE with one extra (zero) length octet.
  const count = encoded[1]! & 0x7f;
  return Uint8Array.from([encoded[0]!, 0x80 | (count + 1), 0x00, ...encoded.subarray(2)]);
}

test('malformed certificates are rejected with reason malformed', async (t) => {
  const ca = createDevelopmentCA({ commonName: 'DER CA' });
  const good = ca.der;
  t.notThrows(() => parseCertificate(good));
  const indefinite = Uint8Array.from([0x30, 0x80, ...good.subarray(2 + (good[1]! & 0x7f)), 0x00, 0x00]);
  const cases: [string, Uint8Array][] = [
    ['truncated', good.subarray(0, good.length - 1)],
    ['cut in half', good.subarray(0, good.length >> 1)],
    ['trailing garbage', Uint8Array.from([...good, 0x00])],
    ['non-minimal length', replaceLength(good)],
    ['indefinite length', indefinite],
  ];
  for (const [name, input] of cases) {
    t.throws(() => parseCertificate(input), { instanceOf: CertificateParseError }, name);
    await failsWith(t, 'malformed', () => verifyCertificateChainSync({ leaf: input, trustAnchors: [good] }));
  }
});

test('every single-byte truncation of a certificate is rejected, never half-read', (t) => {
  const { der: encoded } = createDevelopmentCA({ commonName: 'Truncation CA', keyType: 'Ed25519' });
  for (let length = 0; length < encoded.length; length++) {
    t.throws(() => parseCertificate(encoded.subarray(0, length)), { instanceOf: CertificateParseError });
  }
});

test('mutated certificates parse or fail with CertificateParseError, never anything else', (t) => {
  const { der: original } = createDevelopmentCA({ commonName: 'Fuzz CA', nameConstraints: { permitted: ['example.com', '10.0.0.0/8'] } });
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  let unexpected = 0;
  for (let round = 0; round < 3000; round++) {
    const mutated = Uint8Array.from(original);
    for (let flips = 1 + (next() % 3); flips > 0; flips--) mutated[next() % mutated.length] = next() & 0xff;
    try {
      const certificate = parseCertificate(mutated);
      verifyCertificateChainSync({ leaf: certificate, trustAnchors: [certificate], hostname: 'example.com' });
    } catch (error) {
      if (!(error instanceof CertificateParseError) && (error as Error).name !== 'CertificateVerificationError') unexpected++;
    }
  }
  t.is(unexpected, 0);
});
