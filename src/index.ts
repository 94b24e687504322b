/**
 * tlsservice: the package root. Contracts (RawConnection, TLSService, Connection,
 * Listener), raw connections, the DI container, typed errors, the HTTP plug-in and the
 * X.509 verifier. Backends are reached through the container, not imported directly.
 */
export * from './errors.js';
export type { RawConnection, ByteSource } from './raw-connection.js';
export { byteLength, concatBytes, asIovec } from './raw-connection.js';
export * from './configuration.js';
export type { TLSService, NegotiatedParameters } from './tls-service.js';
export {
  Connection, type ClientConnectionConfiguration, type ServerConnectionConfiguration, type ConnectionStream, type StreamEnd,
} from './connection.js';
export { Listener, type ListenerOptions } from './listener.js';
export { TCPRawConnection, connectTCP, type TCPAddress } from './raw/tcp.js';
export { memoryPair, type MemoryPairOptions } from './raw/memory.js';
export { lingeringClose, LINGER_BYTES, LINGER_MS, type LingerLimits } from './raw/lingering-close.js';
export { CountingRawConnection, type IORecord, type ReadRecord, type WriteRecord } from './raw/counting.js';
export { TOKENS } from './di/tokens.js';
export {
  BACKEND_NAMES, CRYPTO_PROVIDERS, type BackendName, type ContainerOptions, backendModule, createContainer, moduleFor,
  nobleModule, nodeTLSModule, plaintextModule, serviceFrom,
} from './di/container.js';
export * from './http/index.js';
export {
  verifyCertificateChain, verifyCertificateChainSync, verifyHostname, parseCertificate, parseCertificateChain,
  parsePrivateKey, trustAnchorsFrom, createDevelopmentCA, issueCertificate, CertificateParseError,
  type CertificateChainVerification, type VerifiedChain, type Certificate, type DevelopmentCertificate,
  type CertificateOptions, type Purpose,
} from '../adapters/noble/x509/index.js';
