/**
 * tlsservice/engine: the sans-IO TLS 1.3 engine, the pure-TypeScript (noble) crypto
 * provider and the X.509 verifier. No `node:` import, no Buffer, no inversify: this entry
 * runs in browsers and workers (a test bundles it with esbuild for platform=browser).
 */
export { TLSEngine } from '../adapters/noble/engine.js';
export type { ClientEngineSettings, ServerEngineSettings, CommonEngineSettings, ClientAuthentication } from '../adapters/noble/settings.js';
export type {
  PeerVerifier, PeerVerificationContext, ReceivedTicket, HandshakeOutcome, ShapedMessage,
} from '../adapters/noble/handshake-context.js';
export {
  acceptAnyCertificate, certificateVerifier, clientEngineSettings, serverEngineSettings, type VerifierOptions,
} from '../adapters/noble/config.js';
export {
  ALL_CIPHER_SUITES, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, type CipherSuite,
} from '../adapters/noble/suites.js';
export { nobleCryptoProvider, createNobleCryptoProvider } from './crypto/noble.js';
export type { CryptoProvider, RandomSource } from './crypto/provider.js';
export * from './x509/index.js';
export * from './errors.js';
export type {
  CertificateInput, ClientConfiguration, CommonConfiguration, ServerConfiguration, TLSVersion,
} from './configuration.js';
