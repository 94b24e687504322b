/**
 * The names this library knows, as string-literal unions, so a misspelt backend, crypto
 * provider or certificate-rejection reason is a compile error rather than a runtime surprise.
 * (Rejection reasons are the keys of `certificateReasons` in errors.ts.)
 */

/** The names of the backends this build knows. */
export const BACKEND_NAMES = ['noble', 'node-tls', 'plaintext'] as const;
/** A backend name: `noble` (our TLS 1.3 engine), `node-tls` (OpenSSL through node:tls) or `plaintext`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The names of the crypto providers the noble engine runs on. */
export const CRYPTO_PROVIDER_NAMES = ['node', 'noble'] as const;
/** A crypto provider name: `node` (node:crypto, the default on Node) or `noble` (pure TypeScript). */
export type CryptoProviderName = (typeof CRYPTO_PROVIDER_NAMES)[number];

/** True when `name` is a backend this build knows (for names read at run time, e.g. from a command line). */
export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}

/** True when `name` is a crypto provider this build knows. */
export function isCryptoProviderName(name: unknown): name is CryptoProviderName {
  return typeof name === 'string' && (CRYPTO_PROVIDER_NAMES as readonly string[]).includes(name);
}
