/**
 * What both TLS 1.2 roles do the same way once the key exchange is done: the extended
 * master secret from the session hash (RFC 7627), the key block and record protections
 * (RFC 5246 section 6.3), the key log line, the exporter (RFC 5705), the Finished
 * verify_data, and the signature schemes TLS 1.2 adds to those of TLS 1.3.
 */
import { TLSAlertError } from '../../../src/errors.js';
import { SignatureScheme, type CryptoProvider, type PrivateKey, type PublicKey, type SignatureSchemeName } from '../../../src/crypto/provider.js';
import type { HandshakeContext, HandshakeState } from '../handshake-context.js';
import { bytesEqual, schemeName } from '../handshake-context.js';
import { frameHandshake, HandshakeType, type HandshakeMessage } from '../codec/handshake.js';
import { decodeFinished12 } from './messages.js';
import { exportKeyingMaterial12, extendedMasterSecret, finishedVerifyData, keyBlock } from './prf.js';
import { tls12Protections, type Tls12RecordProtection } from './record-protection.js';
import type { Tls12CipherSuite } from './suites.js';
import type { Tls12Transcript } from './transcript.js';

/** An established TLS 1.2 session: its suite, randoms, master secret and the protections of both directions. */
export interface Tls12Session {
  readonly suite: Tls12CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly masterSecret: Uint8Array;
  readonly read: Tls12RecordProtection;
  readonly write: Tls12RecordProtection;
}

/**
 * Derives the session from the ECDHE shared secret; the transcript must end with
 * ClientKeyExchange (the session_hash of RFC 7627 section 3). Logs CLIENT_RANDOM and
 * installs the RFC 5705 exporter.
 */
export function establishSession(
  ctx: HandshakeContext,
  role: 'client' | 'server',
  suite: Tls12CipherSuite,
  preMasterSecret: Uint8Array,
  transcript: Tls12Transcript,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Tls12Session {
  const masterSecret = extendedMasterSecret(ctx.provider, suite.hash, preMasterSecret, transcript.hash());
  return sessionFromMasterSecret(ctx, role, suite, masterSecret, clientRandom, serverRandom);
}

/**
 * The session keys from a master secret and this handshake's randoms: a full handshake's
 * (above) or a resumed session's (RFC 5246 section 7.3, abbreviated handshake; RFC 5077
 * section 3.1). Logs CLIENT_RANDOM and installs the RFC 5705 exporter.
 */
export function sessionFromMasterSecret(
  ctx: HandshakeContext,
  role: 'client' | 'server',
  suite: Tls12CipherSuite,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Tls12Session {
  const keys = keyBlock(ctx.provider, suite.hash, masterSecret, clientRandom, serverRandom, suite.keyLength, suite.fixedIvLength);
  const { read, write } = tls12Protections(ctx.provider, suite, keys, role);
  ctx.keylog('CLIENT_RANDOM', clientRandom, masterSecret);
  ctx.setKeyingMaterialExporter((label, context, length) =>
    exportKeyingMaterial12(ctx.provider, suite.hash, masterSecret, clientRandom, serverRandom, label, context, length),
  );
  return { suite, clientRandom, serverRandom, masterSecret, read, write };
}

/** Our Finished (section 7.4.9), added to the transcript and queued. */
export function sendFinished12(ctx: HandshakeContext, session: Tls12Session, role: 'client' | 'server', transcript: Tls12Transcript): void {
  const verifyData = finishedVerifyData(ctx.provider, session.suite.hash, session.masterSecret, role, transcript.hash());
  const message = frameHandshake(HandshakeType.finished, verifyData);
  transcript.add(message.raw);
  ctx.send(message);
}

/** Checks the peer's Finished (section 7.4.9); decrypt_error when wrong. Adds it to the transcript. */
export function acceptPeerFinished12(
  ctx: HandshakeContext,
  session: Tls12Session,
  peer: 'client' | 'server',
  transcript: Tls12Transcript,
  message: HandshakeMessage,
): void {
  const expected = finishedVerifyData(ctx.provider, session.suite.hash, session.masterSecret, peer, transcript.hash());
  if (!bytesEqual(decodeFinished12(message.body), expected)) throw TLSAlertError.sent('decrypt_error', `${peer} Finished verify_data is wrong`);
  transcript.add(message.raw);
}

/** RSASSA-PKCS1-v1_5 schemes: allowed in TLS 1.2 signatures (RFC 5246 section 7.4.1.4.1), never in a TLS 1.3 CertificateVerify. */
export const TLS12_ONLY_SCHEMES: readonly SignatureSchemeName[] = ['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512'];

/** The schemes we sign and accept in TLS 1.2: those configured for TLS 1.3, then PKCS#1 v1.5. */
export function tls12SignatureSchemes(configured: readonly SignatureSchemeName[]): SignatureSchemeName[] {
  return [...configured, ...TLS12_ONLY_SCHEMES.filter((s) => !configured.includes(s))];
}

/** Our first TLS 1.2 scheme the peer offered that fits our key, or undefined. */
export function chooseTls12Scheme(
  provider: CryptoProvider,
  key: PrivateKey,
  ours: readonly SignatureSchemeName[],
  peerOffered: readonly number[],
): SignatureSchemeName | undefined {
  return ours.find((s) => peerOffered.includes(SignatureScheme[s]) && provider.supportsScheme(s, key));
}

/**
 * Checks a DigitallySigned from the peer (ServerKeyExchange or CertificateVerify):
 * illegal_parameter for a scheme we did not offer or one that does not fit the key,
 * decrypt_error for a bad signature. Returns the scheme used.
 */
export function verifyDigitallySigned(
  ctx: HandshakeContext,
  offered: readonly SignatureSchemeName[],
  publicKey: PublicKey,
  scheme: number,
  content: Uint8Array,
  signature: Uint8Array,
  what: string,
): SignatureSchemeName {
  const name = schemeName(scheme);
  if (!name || !offered.includes(name)) throw TLSAlertError.sent('illegal_parameter', `${what} uses scheme 0x${scheme.toString(16)} we did not offer`);
  if (!ctx.provider.supportsScheme(name, publicKey)) throw TLSAlertError.sent('illegal_parameter', `${what} scheme ${name} does not match the certificate's key`);
  if (!ctx.provider.verify(name, publicKey, content, signature)) throw TLSAlertError.sent('decrypt_error', `${what} signature is invalid`);
  return name;
}

/** Signs with our key (or the configured signer). */
export function signWith(
  ctx: HandshakeContext,
  settings: { readonly signer?: (scheme: SignatureSchemeName, content: Uint8Array) => Uint8Array },
  key: PrivateKey,
  scheme: SignatureSchemeName,
  content: Uint8Array,
): Uint8Array {
  return settings.signer ? settings.signer(scheme, content) : ctx.provider.sign(scheme, key, content, ctx.random);
}

/**
 * Awaits the peer's ChangeCipherSpec (RFC 5246 section 7.1), either role: any handshake
 * message first is unexpected; the record installs the peer's read protection and the
 * handshake goes on in `next` (which awaits the peer's Finished).
 */
export class ExpectChangeCipherSpec implements HandshakeState {
  readonly name = 'ExpectChangeCipherSpec';
  constructor(
    private readonly session: Tls12Session,
    private readonly next: () => HandshakeState,
  ) {}

  handle(_ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    throw TLSAlertError.sent('unexpected_message', `${this.name} received handshake type ${message.type}`);
  }

  handleChangeCipherSpec(ctx: HandshakeContext): HandshakeState {
    ctx.setReadProtection(this.session.read);
    return this.next();
  }
}
