/**
 * Typed errors shared by every backend. A peer's misbehaviour surfaces as one of
 * these classes, never as a crash; `TLSAlertError` carries the RFC 8446 alert.
 */

/** RFC 8446 section 6 alert descriptions, name to code. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

/** The name of an RFC 8446 alert description. */
export type AlertName = keyof typeof AlertDescription;

const alertNamesByCode = new Map<number, AlertName>(
  Object.entries(AlertDescription).map(([name, code]) => [code, name as AlertName]),
);

/** The alert name for a wire code, or undefined for a code RFC 8446 does not name. */
export function alertNameFor(code: number): AlertName | undefined {
  return alertNamesByCode.get(code);
}

/** Base class of every error this library throws on purpose. */
export class TLSServiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A TLS alert that ended (or was sent to end) the connection. */
export class TLSAlertError extends TLSServiceError {
  /** RFC 8446 description name, e.g. `bad_certificate`; `unknown` for an unnamed code. */
  readonly alert: AlertName | 'unknown';
  /** The alert's wire code. */
  readonly code: number;
  /** `sent`: we told the peer; `received`: the peer told us. */
  readonly direction: 'sent' | 'received';

  constructor(code: number, direction: 'sent' | 'received', reason?: string, options?: { cause?: unknown }) {
    const alert = alertNameFor(code) ?? 'unknown';
    const head = direction === 'sent' ? `sent alert ${alert} (${code})` : `received alert ${alert} (${code}) from peer`;
    super(reason ? `${head}: ${reason}` : head, options);
    this.alert = alert;
    this.code = code;
    this.direction = direction;
  }

  /** Builds a sent alert by name. */
  static sent(alert: AlertName, reason?: string, options?: { cause?: unknown }): TLSAlertError {
    return new TLSAlertError(AlertDescription[alert], 'sent', reason, options);
  }
}

/** The connection is closed (by us or the peer) and cannot be used for this operation. */
export class ConnectionClosedError extends TLSServiceError {}

/** The handshake did not finish within the configured time. */
export class HandshakeTimeoutError extends TLSServiceError {}

/**
 * An API was called in a state or with an argument that does not allow it (application
 * data before the handshake, exporter length out of range). `code` is Node's name:
 * ERR_TLS_INVALID_STATE or ERR_OUT_OF_RANGE.
 */
export class UsageError extends TLSServiceError {
  /** Node's error code for the same misuse. */
  readonly code: 'ERR_TLS_INVALID_STATE' | 'ERR_OUT_OF_RANGE';
  constructor(code: UsageError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** The configuration is invalid or asks for something the backend cannot do. */
export class ConfigurationError extends TLSServiceError {}

/**
 * One rule a certificate chain can break, with the alert it sends and Node's code.
 * `code` is the string node:tls (OpenSSL's X509_V_ERR_ name) reports for the same
 * failure; reasons Node has no code for carry none.
 */
interface CertificateReasonEntry {
  readonly alert: AlertName;
  readonly code?: string;
}

/**
 * The certificate-rejection vocabulary every backend reports (`CertificateVerificationError.reason`):
 * each reason, the RFC 8446 alert a rejecting peer sends, and Node's `code`.
 */
export const certificateReasons = {
  expired: { alert: 'certificate_expired', code: 'CERT_HAS_EXPIRED' },
  not_yet_valid: { alert: 'certificate_expired', code: 'CERT_NOT_YET_VALID' },
  revoked: { alert: 'certificate_revoked', code: 'CERT_REVOKED' },
  unknown_issuer: { alert: 'unknown_ca', code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  self_signed: { alert: 'unknown_ca', code: 'SELF_SIGNED_CERT_IN_CHAIN' },
  untrusted: { alert: 'unknown_ca', code: 'CERT_UNTRUSTED' },
  not_a_ca: { alert: 'unknown_ca', code: 'INVALID_CA' },
  invalid_trust_anchor: { alert: 'unknown_ca' },
  path_length_exceeded: { alert: 'unknown_ca', code: 'PATH_LENGTH_EXCEEDED' },
  too_deep: { alert: 'unknown_ca', code: 'CERT_CHAIN_TOO_LONG' },
  name_constraints: { alert: 'unknown_ca' },
  bad_signature: { alert: 'decrypt_error', code: 'CERT_SIGNATURE_FAILURE' },
  extended_key_usage: { alert: 'unsupported_certificate', code: 'INVALID_PURPOSE' },
  key_usage: { alert: 'unsupported_certificate' },
  ca_as_leaf: { alert: 'unsupported_certificate' },
  unknown_critical_extension: { alert: 'unsupported_certificate' },
  unsupported_certificate: { alert: 'unsupported_certificate' },
  unsupported_key: { alert: 'unsupported_certificate' },
  unsupported_signature_algorithm: { alert: 'unsupported_certificate' },
  weak_key: { alert: 'bad_certificate' },
  hostname_mismatch: { alert: 'bad_certificate', code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  invalid_name: { alert: 'bad_certificate' },
  invalid_extension: { alert: 'bad_certificate' },
  invalid_serial: { alert: 'bad_certificate' },
  malformed: { alert: 'bad_certificate' },
  rejected: { alert: 'bad_certificate', code: 'CERT_REJECTED' },
  crl_unavailable: { alert: 'certificate_unknown', code: 'UNABLE_TO_GET_CRL' },
  crl_expired: { alert: 'certificate_unknown', code: 'CRL_HAS_EXPIRED' },
  crl_not_yet_valid: { alert: 'certificate_unknown', code: 'CRL_NOT_YET_VALID' },
  crl_bad_signature: { alert: 'certificate_unknown', code: 'CRL_SIGNATURE_FAILURE' },
  crl_invalid: { alert: 'certificate_unknown' },
  work_limit: { alert: 'certificate_unknown' },
  invalid: { alert: 'bad_certificate' },
} as const satisfies Record<string, CertificateReasonEntry>;

/** A reason a certificate chain was rejected (the keys of `certificateReasons`). */
export type CertificateRejectionReason = keyof typeof certificateReasons;

/** The peer's certificate chain was rejected (untrusted, expired, wrong host, revoked, ...). */
export class CertificateVerificationError extends TLSServiceError {
  /** A stable machine-readable reason, the same on every backend, e.g. `expired`, `unknown_issuer`, `hostname_mismatch`. */
  readonly reason: CertificateRejectionReason;
  /** Node's string code for this failure (`CERT_HAS_EXPIRED`, ...), when Node has one. */
  readonly code: string | undefined;
  /** The RFC 8446 alert this failure sends to the peer. */
  readonly alert: AlertName;
  constructor(reason: CertificateRejectionReason, message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.reason = reason;
    this.code = options?.code ?? (certificateReasons[reason] as CertificateReasonEntry).code;
    this.alert = certificateReasons[reason].alert;
  }
}

/** The RFC 8446 alert for a rejected peer certificate, by `CertificateVerificationError.reason`: the one mapping every backend uses. */
export function alertForCertificateReason(reason: CertificateRejectionReason): AlertName {
  // Checked at run time too, for callers that bypass the types.
  return Object.hasOwn(certificateReasons, reason) ? certificateReasons[reason].alert : 'bad_certificate';
}

/**
 * The peer's end of stream came without its close_notify (RFC 8446 section 6.1): what was
 * received may have been cut short, by a crash or by an attacker. rustls calls this
 * UnexpectedEof, OpenSSL "unexpected eof while reading". A clean close_notify is the
 * empty read instead; a plaintext backend has no close_notify and cannot tell the two apart.
 */
export class TruncationError extends TLSServiceError {
  /** Node-style error code. */
  readonly code = 'ERR_TLS_UNEXPECTED_EOF';
}
