/**
 * What the client and server state machines share: the `HandshakeContext` the engine
 * hands to each state (send a message, switch keys, report the outcome), the state
 * interface, and the steps both roles take the same way (CertificateVerify content,
 * Finished, certificate checks and their alerts).
 */
import type { EarlyDataSkip, RecordSealer } from './record/record-layer.js';
import type { TLSVersion } from '../../src/configuration.js';
import { equalBytes } from '@noble/curves/utils.js';
import { CertificateVerificationError, TLSAlertError } from '../../src/errors.js';
import type {
  CryptoProvider,
  NamedGroupName,
  PrivateKey,
  PublicKey,
  RandomSource,
  SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import type { HandshakeMessage } from './codec/handshake.js';
import { decodeCertificateVerify, decodeFinished, handshakeTypeName } from './codec/handshake.js';
import type { Extension } from './codec/extensions.js';
import type { CipherSuite } from './suites.js';
import type { Transcript } from './transcript.js';
import type { KeySchedule } from './key-schedule.js';
import type { ResumableSession } from './session.js';
import type { EarlyDataStatus } from './early-data.js';
import { utf8Bytes } from './codec/utf8.js';

/**
 * Checks a peer's chain (leaf first) and returns the leaf's public key, or the key with the
 * path it built to a trust anchor (DER, leaf first, anchor last); throws CertificateVerificationError.
 */
export type PeerVerifier = (chain: readonly Uint8Array[], context: PeerVerificationContext) => PublicKey | VerifiedPeer;

/** What a verifying PeerVerifier returns: the leaf's key and the verified path. */
export interface VerifiedPeer {
  readonly publicKey: PublicKey;
  /** The certification path the verifier built, DER, leaf first, trust anchor last. */
  readonly verifiedChain: readonly Uint8Array[];
}

/** What a PeerVerifier knows about the connection. */
export interface PeerVerificationContext {
  /** The server name the client asked for (client role). */
  readonly serverName: string | undefined;
  /** The engine's clock, ms since the epoch. */
  readonly now: number;
}

/** Which handshake message's extension list an `editExtensions` hook is shaping. */
export type ShapedMessage = 'client_hello' | 'encrypted_extensions';

/** A session ticket the client received, kept for resumption (the shared session type). */
export type ReceivedTicket = ResumableSession;

/** What the handshake agreed, filled in as it advances. */
export interface HandshakeOutcome {
  /** The protocol version; TLSv1.3 until a TLS 1.2 hello is chosen. */
  protocol: TLSVersion;
  suite: CipherSuite | undefined;
  group: NamedGroupName | undefined;
  alpnProtocol: string | undefined;
  serverName: string | undefined;
  peerCertificates: readonly Uint8Array[];
  /** The path the peer verifier built (leaf to trust anchor); absent when none was verified (verification off, resumption). */
  verifiedChain?: readonly Uint8Array[] | undefined;
  helloRetried: boolean;
  signatureScheme: SignatureSchemeName | undefined;
  /** True when a PSK (a session ticket) was accepted (RFC 8446 section 2.2). */
  resumed: boolean;
  /** Whether 0-RTT data was offered and what the server did with it (section 4.2.10). */
  earlyData: EarlyDataStatus;
  /** The peer's record_size_limit when both sides sent one (RFC 8449); undefined when not negotiated. */
  peerRecordSizeLimit: number | undefined;
  /** Client: bytes of its first application data that left with its TLS 1.2 Finished (RFC 7918 False Start). */
  dataWithFinished: number;
}

/** The engine services a handshake state uses. */
export interface HandshakeContext {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly transcript: Transcript;
  readonly outcome: HandshakeOutcome;
  /** Queues a handshake message under the current write keys (coalesced into records). */
  send(message: HandshakeMessage): void;
  /** Queues the middlebox-compatibility change_cipher_spec record. */
  sendChangeCipherSpec(): void;
  /** Installs read keys from a traffic secret; refused mid-message. */
  setReadSecret(suite: CipherSuite, secret: Uint8Array): void;
  /** Installs write keys from a traffic secret (queued messages go out under the old keys). */
  setWriteSecret(suite: CipherSuite, secret: Uint8Array): void;
  /** The record_size_limit we announce (RFC 8449 section 4), 64..16385. */
  readonly recordSizeLimit: number;
  /**
   * record_size_limit was negotiated (RFC 8449 section 4): our protected records carry at
   * most `peerLimit` - 1 content bytes from now on, and the peer's records under the current
   * and later read keys (not 0-RTT keys, which come from an earlier handshake) are held to ours.
   * TLS 1.2 counts no content type byte: records carry at most `peerLimit` bytes.
   */
  limitRecordSize(peerLimit: number, protocol?: 'TLSv1.2' | 'TLSv1.3'): void;
  /** Installs TLS 1.2 read protection (after the peer's ChangeCipherSpec); refused mid-message. */
  setReadProtection(protection: RecordSealer): void;
  /** Installs TLS 1.2 write protection (after our ChangeCipherSpec; queued messages go out under the old state). */
  setWriteProtection(protection: RecordSealer): void;
  /** Replaces the TLS 1.3 exporter with another one (TLS 1.2, RFC 5705). */
  setKeyingMaterialExporter(exporter: (label: string, context: Uint8Array | undefined, length: number) => Uint8Array): void;
  /** Says the peer waits for what is queued now (a server's complete flight): it leaves at once, before any pause and not with the first write. */
  markFlightAwaited(): void;
  /** Lets one unprotected change_cipher_spec record through until the peer's Finished. */
  allowChangeCipherSpec(allowed: boolean): void;
  /** Keeps exporter_master_secret for `exportKeyingMaterial` (section 7.5). */
  setExporterSecret(suite: CipherSuite, secret: Uint8Array): void;
  /** Writes an NSS key-log line if keylogging is on. */
  keylog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void;
  /** Allows application data under the current write keys before the handshake completes (server 0.5-RTT). */
  enableApplicationWrites(): void;
  /** Marks the handshake complete. */
  complete(): void;
  /** Stores a ticket (client). */
  keepTicket(ticket: ReceivedTicket): void;
  /** True while a KeyUpdate we queued has not been taken for sending (so a flood of requests queues one answer). */
  keyUpdateUnsent: boolean;
  /** True while our write side is open. */
  readonly canWrite: boolean;
  /** Counts a received KeyUpdate; unexpected_message past MAX_KEY_UPDATES without application data between them. */
  noteKeyUpdate(): void;
  /** Skips rejected 0-RTT records (section 4.2.10) until the next read keys or the first record that decrypts. */
  skipEarlyData(mode: EarlyDataSkip): void;
  /** Server: accepts up to `limit` bytes of 0-RTT application data until `endEarlyData`. */
  acceptEarlyData(limit: number): void;
  /** Server: EndOfEarlyData arrived; application data before the handshake completes is an error again. */
  endEarlyData(): void;
  /** Client: queues 0-RTT application data under the current (early) write keys. */
  sendEarlyData(data: Uint8Array): void;
  /** Client: drops the write keys (the second ClientHello after 0-RTT goes out unprotected). */
  clearWriteKeys(): void;
}

/** One state of a handshake state machine: it takes the next message and returns the next state. */
export interface HandshakeState {
  readonly name: string;
  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState;
  /** A TLS 1.2 state that expects the peer's ChangeCipherSpec takes it here (RFC 5246 section 7.1); other states leave it out. */
  handleChangeCipherSpec?(ctx: HandshakeContext): HandshakeState;
}

/** Throws unexpected_message unless `message` has the expected type. */
export function expectType(message: HandshakeMessage, type: number, state: string): void {
  if (message.type !== type) {
    throw TLSAlertError.sent('unexpected_message', `${state} received ${handshakeTypeName(message.type)}`);
  }
}

const CV_PAD = new Uint8Array(64).fill(0x20);
/** The context strings of section 4.4.3, encoded once. */
const CV_LABELS = {
  server: utf8Bytes('TLS 1.3, server CertificateVerify'),
  client: utf8Bytes('TLS 1.3, client CertificateVerify'),
} as const;

/** The content a CertificateVerify signs (section 4.4.3). */
export function certificateVerifyContent(role: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const label = CV_LABELS[role];
  const out = new Uint8Array(64 + label.length + 1 + transcriptHash.length);
  out.set(CV_PAD);
  out.set(label, 64);
  out[64 + label.length] = 0;
  out.set(transcriptHash, 64 + label.length + 1);
  return out;
}

/** Constant-time equality of two byte strings (noble's). */
export const bytesEqual: (a: Uint8Array, b: Uint8Array) => boolean = equalBytes;

/** The scheme name for a code point, or undefined. */
export function schemeName(code: number): SignatureSchemeName | undefined {
  for (const [name, c] of Object.entries(SignatureScheme)) if (c === code) return name as SignatureSchemeName;
  return undefined;
}

/** Schemes valid in a TLS 1.3 CertificateVerify (RSASSA-PKCS1-v1_5 is not, section 4.4.3). */
export function allowedInCertificateVerify(scheme: SignatureSchemeName): boolean {
  return !scheme.startsWith('rsa_pkcs1_');
}

/** Our first scheme that the peer offered and our key can sign with. */
export function chooseSigningScheme(
  provider: CryptoProvider,
  key: PrivateKey,
  ours: readonly SignatureSchemeName[],
  peerOffered: readonly number[],
): SignatureSchemeName | undefined {
  return ours.find(
    (s) => allowedInCertificateVerify(s) && peerOffered.includes(SignatureScheme[s]) && provider.supportsScheme(s, key),
  );
}

/**
 * Checks the peer's CertificateVerify (section 4.4.3) against the transcript so far and
 * adds it to the transcript: illegal_parameter for a scheme we did not offer or one that
 * does not fit the key, decrypt_error for a bad signature. Returns the scheme used.
 */
export function acceptPeerCertificateVerify(
  ctx: HandshakeContext,
  peer: 'server' | 'client',
  offered: readonly SignatureSchemeName[],
  publicKey: PublicKey,
  message: HandshakeMessage,
): SignatureSchemeName {
  const { scheme, signature } = decodeCertificateVerify(message.body);
  const content = certificateVerifyContent(peer, ctx.transcript.hash());
  const name = schemeName(scheme);
  if (!name || !offered.includes(name) || !allowedInCertificateVerify(name)) {
    throw TLSAlertError.sent('illegal_parameter', `CertificateVerify uses scheme 0x${scheme.toString(16)} we did not offer`);
  }
  if (!ctx.provider.supportsScheme(name, publicKey)) {
    throw TLSAlertError.sent('illegal_parameter', `CertificateVerify scheme ${name} does not match the certificate's key`);
  }
  if (!ctx.provider.verify(name, publicKey, content, signature)) {
    throw TLSAlertError.sent('decrypt_error', 'CertificateVerify signature is invalid');
  }
  ctx.transcript.add(message.raw);
  return name;
}

/** Checks the peer's Finished (section 4.4.4) with its handshake traffic secret and adds it to the transcript; decrypt_error when wrong. */
export function acceptPeerFinished(
  ctx: HandshakeContext,
  peer: 'server' | 'client',
  schedule: KeySchedule,
  peerHandshakeSecret: Uint8Array,
  message: HandshakeMessage,
): void {
  acceptExpectedFinished(peer, schedule.suite, schedule.finishedVerifyData(peerHandshakeSecret, ctx.transcript.hash()), message);
  ctx.transcript.add(message.raw);
}

/** Checks the peer's Finished against the verify_data expected of it (section 4.4.4); decrypt_error when it differs. */
export function acceptExpectedFinished(peer: 'server' | 'client', suite: CipherSuite, expected: Uint8Array, message: HandshakeMessage): void {
  if (!bytesEqual(decodeFinished(message.body, suite.hashLength), expected)) {
    throw TLSAlertError.sent('decrypt_error', `${peer} Finished verify_data is wrong`);
  }
}



/** Runs a PeerVerifier; a rejection stays a CertificateVerificationError (the engine sends its alert), anything else is bad_certificate. */
export function verifyPeerChain(
  verifier: PeerVerifier,
  chain: readonly Uint8Array[],
  context: PeerVerificationContext,
  /** Where the verified path goes. */
  outcome: HandshakeOutcome,
): PublicKey {
  try {
    const result = verifier(chain, context);
    const verified = 'verifiedChain' in result ? result : undefined;
    outcome.verifiedChain = verified?.verifiedChain;
    return verified ? verified.publicKey : (result as PublicKey);
  } catch (e) {
    // A CertificateVerificationError passes through as itself; the engine sends its alert.
    if (e instanceof TLSAlertError || e instanceof CertificateVerificationError) throw e;
    throw TLSAlertError.sent('bad_certificate', `peer certificate could not be read: ${(e as Error).message}`, { cause: e });
  }
}

/** Every extension in `received` must have been offered (`offered`) and be allowed in this message. */
export function checkResponseExtensions(
  received: readonly Extension[],
  offered: readonly Extension[],
  allowed: readonly number[],
  message: string,
): void {
  for (const e of received) {
    if (!offered.some((o) => o.type === e.type)) {
      throw TLSAlertError.sent('unsupported_extension', `${message} carries extension ${e.type} the client did not offer`);
    }
    if (!allowed.includes(e.type)) {
      throw TLSAlertError.sent('illegal_parameter', `${message} carries extension ${e.type}, which it may not`);
    }
  }
}
