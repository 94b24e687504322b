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

/** The peer's certificate chain was rejected (untrusted, expired, wrong host, ...). */
export class CertificateVerificationError extends TLSServiceError {
  /** A stable machine-readable reason, e.g. `expired`, `unknown_issuer`, `hostname_mismatch`. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Certificate-rejection reasons and the alert each sends; reasons not listed send bad_certificate. */
const certificateAlerts: Readonly<Record<string, AlertName>> = {
  expired: 'certificate_expired',
  not_yet_valid: 'certificate_expired',
  revoked: 'certificate_revoked',
  unknown_issuer: 'unknown_ca',
  self_signed: 'unknown_ca',
  untrusted: 'unknown_ca',
  invalid_ca: 'unknown_ca',
  not_a_ca: 'unknown_ca',
  path_length_exceeded: 'unknown_ca',
  too_deep: 'unknown_ca',
  name_constraints: 'unknown_ca',
  bad_signature: 'decrypt_error',
  extended_key_usage: 'unsupported_certificate',
  key_usage: 'unsupported_certificate',
  invalid_purpose: 'unsupported_certificate',
  unsupported_certificate: 'unsupported_certificate',
  unsupported_signature_algorithm: 'unsupported_certificate',
  work_limit: 'certificate_unknown',
};

/** The RFC 8446 alert for a rejected peer certificate, by `CertificateVerificationError.reason`: the one mapping every backend uses. */
export function alertForCertificateReason(reason: string): AlertName {
  return Object.hasOwn(certificateAlerts, reason) ? certificateAlerts[reason]! : 'bad_certificate';
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
