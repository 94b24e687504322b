/**
 * TLS 1.2 handshake messages and extensions that TLS 1.3 does not share (RFC 5246
 * section 7.4, RFC 8422 section 5, RFC 7627, RFC 5746): each with its encoder and decoder
 * side by side. ClientHello, ServerHello and CertificateVerify (DigitallySigned) reuse
 * the codec of codec/handshake.ts, whose wire format is the same.
 */
import { TLSAlertError } from '../../../src/errors.js';
import { ByteReader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';

/** Decodes `body` fully with `read`; trailing bytes are decode_error. */
function parse<T>(body: Uint8Array, what: string, read: (r: ByteReader) => T): T {
  const r = new ByteReader(body);
  const v = read(r);
  r.expectEnd(what);
  return v;
}

// --- Certificate (RFC 5246 section 7.4.2) ---

/** Encodes a TLS 1.2 Certificate body: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  return encode((w) => w.block24((list) => chain.forEach((c) => list.vector24(c))));
}

/** Decodes a TLS 1.2 Certificate body (leaf first); an empty certificate is decode_error. */
export function decodeCertificate12(body: Uint8Array): Uint8Array[] {
  return parse(body, 'Certificate', (r) => {
    const list = new ByteReader(r.vector24('certificate_list'));
    const out: Uint8Array[] = [];
    while (!list.atEnd) out.push(list.vector24('ASN.1Cert', 1));
    return out;
  });
}

// --- ServerKeyExchange for ECDHE (RFC 8422 section 5.4) ---

/** ECCurveType named_curve. */
const NAMED_CURVE = 3;

/** ServerECDHParams: the named group and the server's ephemeral public point. */
export interface ServerEcdhParams {
  readonly group: number;
  readonly publicKey: Uint8Array;
}

/** ServerECDHParams as signed: curve_type, named group, ECPoint. */
export function encodeServerEcdhParams(p: ServerEcdhParams): Uint8Array {
  return encode((w) => w.u8(NAMED_CURVE).u16(p.group).vector8(p.publicKey));
}

/** A ServerKeyExchange: the parameters (and their exact bytes, which are signed) and the DigitallySigned signature. */
export interface ServerKeyExchange {
  readonly params: ServerEcdhParams;
  readonly paramsBytes: Uint8Array;
  readonly scheme: number;
  readonly signature: Uint8Array;
}

/** Encodes a ServerKeyExchange body: params || SignatureAndHashAlgorithm || signature<0..2^16-1>. */
export function encodeServerKeyExchange(paramsBytes: Uint8Array, scheme: number, signature: Uint8Array): Uint8Array {
  return encode((w) => w.bytes(paramsBytes).u16(scheme).vector16(signature));
}

/** Decodes an ECDHE ServerKeyExchange body; a curve type other than named_curve is illegal_parameter. */
export function decodeServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  return parse(body, 'ServerKeyExchange', (r) => {
    const curveType = r.u8('curve_type');
    if (curveType !== NAMED_CURVE) throw TLSAlertError.sent('illegal_parameter', `ServerKeyExchange curve_type ${curveType} is not named_curve`);
    const group = r.u16('namedcurve');
    const publicKey = r.vector8('ECPoint', 1);
    const paramsBytes = body.slice(0, 4 + publicKey.length);
    return { params: { group, publicKey }, paramsBytes, scheme: r.u16('SignatureAndHashAlgorithm'), signature: r.vector16('signature', 1) };
  });
}

/** The content a ServerKeyExchange signature covers: client_random + server_random + ServerECDHParams (RFC 8422 section 5.4). */
export function serverKeyExchangeSignedContent(clientRandom: Uint8Array, serverRandom: Uint8Array, paramsBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + paramsBytes.length);
  out.set(clientRandom);
  out.set(serverRandom, 32);
  out.set(paramsBytes, 64);
  return out;
}

// --- CertificateRequest (RFC 5246 section 7.4.4) ---

/** ClientCertificateType values we ask for: rsa_sign, ecdsa_sign (RFC 8422 section 5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

/** A TLS 1.2 CertificateRequest. */
export interface CertificateRequest12 {
  readonly certificateTypes: Uint8Array;
  readonly signatureSchemes: readonly number[];
  readonly certificateAuthorities: Uint8Array;
}

/** Encodes a TLS 1.2 CertificateRequest body. */
export function encodeCertificateRequest12(m: CertificateRequest12): Uint8Array {
  return encode((w) => {
    w.vector8(m.certificateTypes);
    w.block16((b) => m.signatureSchemes.forEach((s) => b.u16(s)));
    w.vector16(m.certificateAuthorities);
  });
}

/** Decodes a TLS 1.2 CertificateRequest body. */
export function decodeCertificateRequest12(body: Uint8Array): CertificateRequest12 {
  return parse(body, 'CertificateRequest', (r) => {
    const certificateTypes = r.vector8('certificate_types', 1);
    const list = r.vector16('supported_signature_algorithms', 2);
    if (list.length % 2) throw TLSAlertError.sent('decode_error', 'supported_signature_algorithms has an odd length');
    const signatureSchemes: number[] = [];
    for (let i = 0; i < list.length; i += 2) signatureSchemes.push((list[i]! << 8) | list[i + 1]!);
    return { certificateTypes, signatureSchemes, certificateAuthorities: r.vector16('certificate_authorities') };
  });
}

// --- ServerHelloDone, HelloRequest (sections 7.4.5, 7.4.1.1) ---

/** Checks that a ServerHelloDone or HelloRequest body is empty (decode_error otherwise). */
export function decodeEmpty(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw TLSAlertError.sent('decode_error', `${what} is not empty`);
}

// --- ClientKeyExchange for ECDHE (RFC 8422 section 5.7) ---

/** Encodes a ClientKeyExchange body: the client's ephemeral ECPoint<1..2^8-1>. */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return encode((w) => w.vector8(publicKey));
}

/** Decodes a ClientKeyExchange body to the client's ephemeral public point. */
export function decodeClientKeyExchange(body: Uint8Array): Uint8Array {
  return parse(body, 'ClientKeyExchange', (r) => r.vector8('ecdh_Yc', 1));
}

// --- Finished (section 7.4.9) ---

/** Decodes a TLS 1.2 Finished body: 12 bytes of verify_data. */
export function decodeFinished12(body: Uint8Array): Uint8Array {
  if (body.length !== 12) throw TLSAlertError.sent('decode_error', `Finished is ${body.length} bytes, not 12`);
  return body;
}

// --- extensions: renegotiation_info (RFC 5746), ec_point_formats (RFC 8422), extended_master_secret (RFC 7627) ---

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 section 3.3). */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** TLS_FALLBACK_SCSV (RFC 7507 section 2). */
export const FALLBACK_SCSV = 0x5600;

/** Encodes renegotiation_info with an empty renegotiated_connection (an initial handshake). */
export function encodeEmptyRenegotiationInfo(): Uint8Array {
  return Uint8Array.of(0);
}

/** Decodes renegotiation_info to its renegotiated_connection. */
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  return parse(data, 'renegotiation_info', (r) => r.vector8('renegotiated_connection'));
}

/** ECPointFormat uncompressed. */
export const UNCOMPRESSED_POINT_FORMAT = 0;

/** Encodes ec_point_formats offering only uncompressed points. */
export function encodeUncompressedPointFormats(): Uint8Array {
  return Uint8Array.of(1, UNCOMPRESSED_POINT_FORMAT);
}

/** Decodes ec_point_formats. */
export function decodePointFormats(data: Uint8Array): Uint8Array {
  return parse(data, 'ec_point_formats', (r) => r.vector8('ec_point_format_list', 1));
}

/** The 8 bytes that end a TLS 1.3-capable server's random when it negotiates TLS 1.2 (RFC 8446 section 4.1.3). */
export const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);
/** The 8 bytes that mark a negotiation of TLS 1.1 or below by a 1.3-capable server. */
export const DOWNGRADE_TLS11 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00);
