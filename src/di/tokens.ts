/**
 * Service identifiers of the DI container. Application code asks for these; only the
 * backend modules know which class answers.
 */

/** Identifiers for the container's bindings. */
export const TOKENS = {
  /** A fresh `TLSService` per request (transient scope). */
  TLSService: Symbol.for('tlsservice.TLSService'),
  /** The `ClientConfiguration` used when this process connects out. */
  ClientConfiguration: Symbol.for('tlsservice.ClientConfiguration'),
  /** The `ServerConfiguration` used when this process accepts connections. */
  ServerConfiguration: Symbol.for('tlsservice.ServerConfiguration'),
  /** The backend's name (`node-tls`, `noble`, `plaintext`). */
  BackendName: Symbol.for('tlsservice.BackendName'),
} as const;
