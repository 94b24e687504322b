/**
 * Maps what node:tls and OpenSSL report into this library's typed errors: alerts from
 * the peer, OpenSSL's own complaints about the peer's records, certificate failures and
 * broken connections.
 */
import {
  AlertDescription,
  CertificateVerificationError,
  ConnectionClosedError,
  TLSAlertError,
  TLSServiceError,
  type AlertName,
  type CertificateRejectionReason,
} from '../../src/errors.js';
import { describe } from '../../src/raw/stream-reader.js';

/** X.509 verification codes (as node:tls reports them) to the one reason vocabulary of src/errors.ts. */
const certificateReasons: Readonly<Record<string, CertificateRejectionReason>> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname_mismatch',
  HOSTNAME_MISMATCH: 'hostname_mismatch',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_issuer',
  SELF_SIGNED_CERT_IN_CHAIN: 'self_signed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self_signed',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
  CERT_SIGNATURE_FAILURE: 'bad_signature',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'bad_signature',
  CERT_REVOKED: 'revoked',
  INVALID_CA: 'not_a_ca',
  INVALID_PURPOSE: 'extended_key_usage',
  PATH_LENGTH_EXCEEDED: 'path_length_exceeded',
  CERT_CHAIN_TOO_LONG: 'too_deep',
  CERT_UNTRUSTED: 'untrusted',
  CERT_REJECTED: 'rejected',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'unsupported_key',
  UNABLE_TO_GET_CRL: 'crl_unavailable',
  CRL_HAS_EXPIRED: 'crl_expired',
  CRL_NOT_YET_VALID: 'crl_not_yet_valid',
  CRL_SIGNATURE_FAILURE: 'crl_bad_signature',
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 'crl_bad_signature',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'malformed',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'malformed',
  ERROR_IN_CRL_LAST_UPDATE_FIELD: 'crl_invalid',
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: 'crl_invalid',
};

/**
 * OpenSSL verification failures node:tls reports as code UNSPECIFIED, told apart by
 * OpenSSL's message; Node has no code for these, so neither do we.
 */
const unspecifiedReasons: readonly (readonly [RegExp, CertificateRejectionReason])[] = [
  [/unhandled critical CRL extension/i, 'crl_invalid'],
  [/unhandled critical extension/i, 'unknown_critical_extension'],
  [/key usage does not include certificate signing/i, 'key_usage'],
  [/key usage does not include CRL signing/i, 'crl_invalid'],
  [/(permitted|excluded) subtree violation|name constraints/i, 'name_constraints'],
  [/CA certificate key too weak|EE certificate key too weak|key too small/i, 'weak_key'],
  [/authority key identifier|subject key identifier|basic constraints/i, 'invalid_extension'],
];

/** What to do about a failure, appended to OpenSSL's terse message. */
const advice: Partial<Record<CertificateRejectionReason, string>> = {
  unknown_issuer: 'add the issuing CA certificate to the `ca` option (or have the peer send its intermediate certificates)',
  self_signed: 'to trust a self-signed certificate, add it (or its root) to the `ca` option',
  crl_unavailable: "add the issuer's CRL to the crl option",
  crl_expired: 'give a current CRL in the crl option',
};

/** OpenSSL reason codes for a peer's malformed or unexpected input, to the alert OpenSSL sends. */
const localAlerts: Record<string, AlertName> = {
  WRONG_VERSION_NUMBER: 'protocol_version',
  UNSUPPORTED_PROTOCOL: 'protocol_version',
  NO_PROTOCOLS_AVAILABLE: 'protocol_version',
  DECRYPTION_FAILED_OR_BAD_RECORD_MAC: 'bad_record_mac',
  BAD_RECORD_MAC: 'bad_record_mac',
  DECRYPTION_FAILED: 'bad_record_mac',
  PACKET_LENGTH_TOO_LONG: 'record_overflow',
  ENCRYPTED_LENGTH_TOO_LONG: 'record_overflow',
  DATA_LENGTH_TOO_LONG: 'record_overflow',
  RECORD_LENGTH_MISMATCH: 'decode_error',
  LENGTH_MISMATCH: 'decode_error',
  BAD_PACKET_LENGTH: 'decode_error',
  BAD_LENGTH: 'decode_error',
  LENGTH_TOO_SHORT: 'decode_error',
  BAD_PACKET: 'decode_error',
  UNEXPECTED_MESSAGE: 'unexpected_message',
  UNEXPECTED_RECORD: 'unexpected_message',
  BAD_RECORD_TYPE: 'unexpected_message',
  UNKNOWN_PROTOCOL: 'unexpected_message',
  HTTP_REQUEST: 'unexpected_message',
  HTTPS_PROXY_REQUEST: 'unexpected_message',
  NO_SHARED_CIPHER: 'handshake_failure',
  NO_SUITABLE_KEY_SHARE: 'handshake_failure',
  NO_SHARED_GROUPS: 'handshake_failure',
  NO_SHARED_SIGNATURE_ALGORITHMS: 'handshake_failure',
  NO_APPLICATION_PROTOCOL: 'no_application_protocol',
  BAD_KEY_SHARE: 'illegal_parameter',
  BAD_EXTENSION: 'illegal_parameter',
  PEER_DID_NOT_RETURN_A_CERTIFICATE: 'certificate_required',
  UNEXPECTED_EOF_WHILE_READING: 'decode_error',
};

/** A stable reason for a verification error code, or undefined when it is not one. */
export function certificateReasonFor(code: string | undefined): CertificateRejectionReason | undefined {
  return code === undefined ? undefined : certificateReasons[code];
}

/** A CertificateVerificationError for a node:tls verification error, keeping Node's `code` (none for UNSPECIFIED). */
export function certificateError(error: Error & { code?: string }): CertificateVerificationError {
  const unspecified = error.code === 'UNSPECIFIED';
  const reason =
    (unspecified ? unspecifiedReasons.find(([pattern]) => pattern.test(error.message))?.[1] : certificateReasonFor(error.code)) ?? 'invalid';
  const hint = advice[reason];
  return new CertificateVerificationError(reason, `certificate verification failed (${reason}): ${error.message}${hint ? `: ${hint}` : ''}`, {
    cause: error,
    ...(!unspecified && error.code !== undefined && { code: error.code }),
  });
}

/** Turns anything node:tls or the raw connection threw into one of our typed errors. */
export function mapNodeTLSError(error: unknown): Error {
  if (error instanceof TLSServiceError) return error;
  if (!(error instanceof Error)) return new ConnectionClosedError(`TLS connection failed: ${String(error)}`);
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : '';
  if (Object.hasOwn(certificateReasons, codeText) || codeText === 'UNSPECIFIED') return certificateError(error as Error & { code: string });

  const received = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(codeText);
  const number = /alert number (\d+)/.exec(error.message);
  if (received || number) {
    const wire = number ? Number(number[1]) : AlertDescription[received![1]!.toLowerCase() as AlertName];
    if (wire !== undefined) return new TLSAlertError(wire, 'received', error.message, { cause: error });
  }

  const local = /^ERR_SSL_(.+)$/.exec(codeText);
  if (local) {
    const alert = localAlerts[local[1]!] ?? 'internal_error';
    return TLSAlertError.sent(alert, error.message, { cause: error });
  }
  return new ConnectionClosedError(`TLS connection failed: ${describe(error)}`, { cause: error });
}
