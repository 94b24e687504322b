/**
 * The pure-TypeScript TLS 1.3 backend: `NobleTLSService` (the TLSService over a
 * RawConnection), the sans-IO `TLSEngine` underneath it, its settings and the helpers
 * that build them from node:tls-style configuration.
 */
export { NobleTLSService, READ_BUFFER_SIZE, type NobleServiceOptions } from './service.js';
export { TLSEngine } from './engine.js';
export type { ClientEngineSettings, ServerEngineSettings, CommonEngineSettings, ClientAuthentication } from './settings.js';
export type { PeerVerifier, PeerVerificationContext, ReceivedTicket, HandshakeOutcome, ShapedMessage } from './handshake-context.js';
export { acceptAnyCertificate, certificateVerifier, clientEngineSettings, serverEngineSettings, type VerifierOptions } from './config.js';
export {
  ALL_CIPHER_SUITES,
  TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256,
  type CipherSuite,
} from './suites.js';
export { nobleCryptoProvider } from '../../src/crypto/noble.js';
export type { CryptoProvider, RandomSource } from '../../src/crypto/provider.js';
