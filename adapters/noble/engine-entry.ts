/**
 * `tlsservice/engine`: the parts of tlsservice that run in browsers and workers. The
 * sans-IO `TLSEngine`, the `NobleTLSService` that drives it over any RawConnection, the
 * settings builders, the pure-TS noble crypto provider, the X.509 verifier and the
 * development CA, the typed errors, and the WebSocket RawConnection. Nothing reachable
 * from here imports `node:*`, Buffer, inversify or reads `process`; randomness comes
 * from `crypto.getRandomValues`. The size-budget test in test/browser checks it.
 */
export { TLSEngine } from './engine.js';
export { NobleTLSService, READ_BUFFER_SIZE, type NobleServiceOptions } from './service.js';
export type { ClientEngineSettings, ServerEngineSettings, CommonEngineSettings, ClientAuthentication } from './settings.js';
export type { PeerVerifier, PeerVerificationContext, ReceivedTicket, HandshakeOutcome } from './handshake-context.js';
export {
  acceptAnyCertificate, certificateVerifier, clientEngineSettings, serverEngineSettings, GROUP_DISPLAY_NAMES, type VerifierOptions,
} from './config.js';
export {
  ALL_CIPHER_SUITES, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, type CipherSuite,
} from './suites.js';
export { HandshakeType } from './codec/handshake.js';
export { createNobleCryptoProvider, nobleCryptoProvider } from '../../src/crypto/noble.js';
export { secureRandom } from '../../src/crypto/secure-random.js';
export type { CryptoProvider, NamedGroupName, PrivateKey, PublicKey, RandomSource, SignatureSchemeName } from '../../src/crypto/provider.js';
export * from '../../src/x509/index.js';
export {
  AlertDescription, CertificateVerificationError, ConfigurationError, ConnectionClosedError, HandshakeTimeoutError,
  TLSAlertError, TLSServiceError, alertNameFor, type AlertName,
} from '../../src/errors.js';
export type { ClientConfiguration, ServerConfiguration, CertificateInput } from '../../src/configuration.js';
export type { NegotiatedParameters, TLSService } from '../../src/tls-service.js';
export { type ByteSource, type RawConnection, byteLength } from '../../src/raw-connection.js';
export { CountingRawConnection, traceLine, type IORecord } from '../../src/raw/counting.js';
export {
  WebSocketRawConnection, openWebSocket, WEBSOCKET_MAX_MESSAGE_BYTES, WEBSOCKET_MAX_QUEUED_BYTES, WEBSOCKET_READ_HIGH_WATER_MARK,
  WEBSOCKET_SEND_HIGH_WATER_MARK, type WebSocketConstructor, type WebSocketLike,
} from '../../src/raw/websocket.js';
