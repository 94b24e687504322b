/**
 * tlsservice: the package root. node-style entry points (`connect`, `createServer`,
 * `createTLSServer`, `createSecureContext`), the contracts (RawConnection, TLSService,
 * Connection, Listener), raw connections, the DI container, typed errors, the HTTP
 * plug-in and the X.509 verifier. Backends are reached by name or through the container.
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
export { WebSocketRawConnection, openWebSocket, type WebSocketLike, type WebSocketConstructor } from './raw/websocket.js';
export { lingeringClose, LINGER_BYTES, LINGER_MS, type LingerLimits } from './raw/lingering-close.js';
export { CountingRawConnection, type IORecord, type ReadRecord, type WriteRecord } from './raw/counting.js';
export { TOKENS } from './di/tokens.js';
export {
  BACKEND_NAMES, CRYPTO_PROVIDERS, CRYPTO_PROVIDER_NAMES, DEFAULT_CRYPTO_PROVIDER, type BackendName, type CryptoProviderName,
  type ContainerOptions, backendModule, createContainer, moduleFor, nobleModule, nodeTLSModule, plaintextModule, serviceFrom,
} from './di/container.js';
export { ConfiguredService, type ConfigurationDefaults } from './di/configured-service.js';
export * from './http/index.js';
export { connect, type ConnectOptions } from './node-api/connect.js';
export { createTLSServer, TLSServer } from './node-api/tls-server.js';
export { createSecureContext, SecureContext } from './node-api/secure-context.js';
export { TLSSocket } from './node-api/tls-socket.js';
export type { NodeClientOptions, NodeServerOptions, NodeTLSOptions, BackendChoice, ALPNInput } from './node-api/options.js';
export type { KeyEntry, PfxEntry } from './node-api/credentials.js';
export {
  verifyCertificateChain, verifyCertificateChainSync, verifyHostname, parseCertificate, parseCertificateChain,
  parsePrivateKey, trustAnchorsFrom, createDevelopmentCA, issueCertificate, CertificateParseError,
  type CertificateChainVerification, type VerifiedChain, type Certificate, type DevelopmentCertificate,
  type CertificateOptions, type Purpose,
} from './x509/index.js';
export {
  TicketKeyRing, TICKET_KEY_LENGTH, DEFAULT_ENCRYPT_LIFETIME_MS, DEFAULT_DECRYPT_ONLY_LIFETIME_MS, type TicketKey,
  type TicketKeyRingOptions,
} from './ticket-keys.js';
export { ticketKeysFromFile, rotateTicketKeyFile, parseTicketKeyFile, formatTicketKeyFile, type TicketKeyFile, type WatchedTicketKeys } from './ticket-key-file.js';
export type { SessionSource } from './tls-service.js';
export { InProcessReplayStore, MAX_RECORDED_CLIENT_HELLOS, type AntiReplayStore } from './anti-replay/store.js';
export { RedisReplayStore } from './anti-replay/redis.js';
