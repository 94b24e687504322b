/**
 * `authorized` / `authorizationError` of a node-style socket. When the backend enforced
 * verification (rejectUnauthorized), a finished handshake with a peer certificate means
 * authorized. When it did not, the peer's chain is verified here with our X.509 verifier,
 * as node:tls does, so the application can still read the verdict.
 */
import { CertificateVerificationError } from '../errors.js';
import { nodeCryptoProvider } from '../crypto/node.js';
import { trustAnchorsFrom, verifyCertificateChainSync } from '../x509/index.js';
import type { CertificateInput } from '../configuration.js';

/** node:tls's verify-error codes for our CertificateVerificationError reasons. */
const NODE_CODES: Readonly<Record<string, string>> = {
  expired: 'CERT_HAS_EXPIRED',
  not_yet_valid: 'CERT_NOT_YET_VALID',
  unknown_issuer: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  untrusted: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  self_signed: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  hostname_mismatch: 'ERR_TLS_CERT_ALTNAME_INVALID',
  bad_signature: 'CERT_SIGNATURE_FAILURE',
  revoked: 'CERT_REVOKED',
  invalid_ca: 'INVALID_CA',
  not_a_ca: 'INVALID_CA',
  path_length_exceeded: 'PATH_LENGTH_EXCEEDED',
  extended_key_usage: 'INVALID_PURPOSE',
  key_usage: 'INVALID_PURPOSE',
  invalid_purpose: 'INVALID_PURPOSE',
};

/** The verdict on a peer: `authorized`, and the error (with node's `code`) when not. */
export interface Authorization {
  readonly authorized: boolean;
  readonly authorizationError: (Error & { code?: string }) | null;
}

/** What decides a peer's verdict. */
export interface AuthorizationInput {
  /** The peer's chain as sent, leaf first. */
  readonly peerCertificates: readonly Uint8Array[];
  /** True when the backend rejected unverifiable peers (so getting here means verified). */
  readonly enforced: boolean;
  /** Trust anchors (default Node's roots). */
  readonly ca?: CertificateInput | undefined;
  /** `serverAuth` when we are the client, `clientAuth` when the server. */
  readonly purpose: 'serverAuth' | 'clientAuth';
  /** The name a server certificate must carry (clients). */
  readonly hostname?: string | undefined;
}

/** Decides `authorized` / `authorizationError` for a negotiated peer. */
export function authorizationOf(input: AuthorizationInput): Authorization {
  const [leaf, ...intermediates] = input.peerCertificates;
  if (!leaf) {
    const error = Object.assign(new Error('the peer sent no certificate'), { code: 'UNABLE_TO_GET_ISSUER_CERT' });
    return { authorized: false, authorizationError: error };
  }
  if (input.enforced) return { authorized: true, authorizationError: null };
  try {
    verifyCertificateChainSync({
      leaf,
      intermediates,
      trustAnchors: trustAnchorsFrom(input.ca),
      purpose: input.purpose,
      provider: nodeCryptoProvider,
      ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
    });
    return { authorized: true, authorizationError: null };
  } catch (error) {
    const reason = error instanceof CertificateVerificationError ? error.reason : 'unknown';
    const code = (error as { code?: unknown }).code;
    const nodeCode = typeof code === 'string' ? code : (NODE_CODES[reason] ?? 'CERT_REJECTED');
    const typed = Object.assign(error instanceof Error ? error : new Error(String(error)), { code: nodeCode });
    return { authorized: false, authorizationError: typed };
  }
}
