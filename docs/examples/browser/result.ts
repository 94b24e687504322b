/** What a role's run reports to its page (and to the tests through `window.tlsResult`). */
import { CertificateVerificationError, TLSAlertError, type NegotiatedParameters } from 'tlsservice/engine';
import type { TraceEvent } from './trace.js';

/** A failure as plain data (it crosses postMessage and puppeteer). */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  /** The RFC 8446 alert, when the failure was one. */
  readonly alert?: string;
  readonly direction?: 'sent' | 'received';
}

/** The outcome of one connection in either role. */
export interface RoleResult {
  readonly ok: boolean;
  readonly role: 'client' | 'server';
  readonly handshakeMs?: number | undefined;
  readonly negotiated?: Omit<NegotiatedParameters, 'peerCertificates'>;
  /** Client: the HTTP response; server: the request line. */
  readonly response?: string;
  readonly error?: ErrorSummary;
  readonly events: readonly TraceEvent[];
  /** Server: who connected through the relay. */
  readonly peer?: string;
}

/** Any thrown value as an ErrorSummary. */
export function describeError(error: unknown): ErrorSummary {
  if (error instanceof TLSAlertError) return { name: error.name, message: error.message, alert: error.alert, direction: error.direction };
  // A rejected peer certificate: its alert was sent to the peer.
  if (error instanceof CertificateVerificationError) return { name: error.name, message: error.message, alert: error.alert, direction: 'sent' };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
