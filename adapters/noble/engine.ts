/**
 * `TLSEngine`: the sans-IO TLS 1.3 core, in the spirit of rustls's caller-managed
 * buffers. No sockets, promises or timers: the caller `feed`s received TLS bytes (any
 * fragmentation, down to one byte), drains `takeOutgoing()` as an iovec, and moves
 * plaintext with `readPlaintext` / `writePlaintext`. Randomness, clock and crypto are
 * injected through the settings. `service.ts` drives it over a RawConnection.
 */
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { AlertDescription, CertificateVerificationError, ConfigurationError, TLSAlertError, UsageError } from '../../src/errors.js';
import { KeyExchangeError, type CryptoProvider, type NamedGroupName, type RandomSource } from '../../src/crypto/provider.js';
import { frameHandshake, type HandshakeMessage } from './codec/handshake.js';
import { MAX_RECORD_SIZE_LIMIT, MIN_RECORD_SIZE_LIMIT } from './codec/extensions.js';
import {
  ContentType,
  MAX_INNER_PLAINTEXT,
  MAX_PLAINTEXT,
  RecordProtection,
  RecordReader,
  RecordWriter,
  type EarlyDataSkip,
  type RecordSealer,
  type TLSRecord,
} from './record/record-layer.js';
import { HandshakeReassembler } from './record/handshake-reassembly.js';
import { ByteQueue } from '../../src/raw/byte-queue.js';
import { hkdfExpandLabel } from './key-schedule.js';
import { Transcript } from './transcript.js';
import {
  type HandshakeContext,
  type HandshakeOutcome,
  type HandshakeState,
  type ReceivedTicket,
} from './handshake-context.js';
import { startClient, type ClientPolicy } from './client.js';
import { offeredGroups } from './client-hello.js';
import { startServer } from './server.js';
import type { ServerPolicy } from './server-parameters.js';
import { compactCopy, TrafficState } from './traffic.js';
import { enabledVersions } from './tls12/versions.js';
import { ALL_TLS12_CIPHER_SUITES } from './tls12/suites.js';
import { AwaitReplayDecision, EarlyDataReceiver, type ReplayCheck } from './early-data.js';
import { AwaitNextTurn } from './next-turn.js';
import {
  ALL_CIPHER_SUITES,
  DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES,
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  type CipherSuite,
} from './suites.js';
import type { ClientEngineSettings, CommonEngineSettings, ServerEngineSettings } from './settings.js';
import { utf8Bytes } from './codec/utf8.js';

/** At most this many tickets are kept per connection; older ones are dropped. */
const MAX_KEPT_TICKETS = 8;
/** At most this many unprotected change_cipher_spec records are accepted per handshake. */
const MAX_CHANGE_CIPHER_SPECS = 1;
/** Empty application-data records accepted in a row (as OpenSSL and BoringSSL); the next is unexpected_message. */
export const MAX_EMPTY_RECORDS = 32;
/** Warning alerts (user_canceled) accepted in a row; the next is unexpected_message. */
export const MAX_WARNING_ALERTS = 4;
/** KeyUpdates accepted with no application data between them; the next is unexpected_message. */
export const MAX_KEY_UPDATES = 32;
const ALERT_WARNING = 1;
const ALERT_FATAL = 2;

/** The sans-IO TLS 1.3 engine for one connection, in either role. */
export class TLSEngine {
  /** `client` or `server`. */
  readonly role: 'client' | 'server';
  /** What the handshake agreed so far. */
  readonly outcome: HandshakeOutcome = {
    protocol: 'TLSv1.3',
    suite: undefined,
    group: undefined,
    alpnProtocol: undefined,
    serverName: undefined,
    peerCertificates: [],
    helloRetried: false,
    signatureScheme: undefined,
    resumed: false,
    earlyData: 'none',
    peerRecordSizeLimit: undefined,
    dataWithFinished: 0,
  };
  /** Session tickets received (client role). */
  readonly tickets: ReceivedTicket[] = [];

  private readonly reader = new RecordReader();
  private readonly writer: RecordWriter;
  private readonly reassembler: HandshakeReassembler;
  private readonly context: HandshakeContext;
  private state: HandshakeState;
  private outgoing: Uint8Array[] = [];
  private pendingHandshake: Uint8Array[] = [];
  private readonly plaintext = new ByteQueue();
  /** 0-RTT data a server accepted, kept apart from 1-RTT data. */
  private readonly early = new EarlyDataReceiver();
  private changeCipherSpecAllowed = false;
  private changeCipherSpecsSeen = 0;
  private emptyRecordsInARow = 0;
  private warningAlertsInARow = 0;
  private keyUpdatesInARow = 0;
  private complete = false;
  private applicationWritable = false;
  private readOpenFlag = true;
  private writeOpenFlag = true;
  private failure: TLSAlertError | CertificateVerificationError | undefined;
  private exporter: { suite: CipherSuite; secret: Uint8Array } | undefined;
  /** The TLSInnerPlaintext limit for records under read keys installed from now on (RFC 8449). */
  private receiveLimit = MAX_INNER_PLAINTEXT;
  private replacedExporter: ((label: string, context: Uint8Array | undefined, length: number) => Uint8Array) | undefined;
  private flightAwaited = false;

  private constructor(role: 'client' | 'server', settings: CommonEngineSettings, start: (ctx: HandshakeContext) => HandshakeState) {
    this.role = role;
    this.writer = new RecordWriter(role === 'client' ? 0x0301 : 0x0303);
    this.reassembler = new HandshakeReassembler(settings.maxHandshakeMessageLength);
    this.context = this.makeContext(settings);
    this.state = { name: 'Start', handle: () => this.state };
    this.state = this.guard(() => start(this.context));
    this.flushHandshake();
  }

  /** A client engine; its ClientHello is ready in `takeOutgoing()` at once. */
  static client(settings: ClientEngineSettings): TLSEngine {
    const policy: ClientPolicy = {
      versions: enabledVersions(settings),
      tls12Suites: settings.tls12CipherSuites ?? ALL_TLS12_CIPHER_SUITES,
      settings,
      suites: settings.cipherSuites ?? ALL_CIPHER_SUITES,
      groups: supportedGroups(settings),
      keyShareGroups: settings.keyShareGroups ?? [supportedGroups(settings)[0]!],
      signatureSchemes: settings.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
      certificateSignatureSchemes: settings.certificateSignatureSchemes ?? DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES,
    };
    if (offeredGroups(policy).length === 0) throw new ConfigurationError('TLSEngine: TLS 1.2 needs an ECDHE group (x25519, P-256 or P-384) among the configured groups');
    return new TLSEngine('client', settings, (ctx) => startClient(ctx, policy));
  }

  /**
   * A server engine; it waits for a ClientHello. With `splitServerFlight` a TLS 1.3 handshake
   * pauses (`awaitingTurn`) before each costly step until `continueHandshake()`: before the key
   * exchange, before the signature (full handshakes) and, once the flight is queued
   * (`outgoingAwaited`), before working out the client's Finished and the tickets; so its caller
   * can let the event loop run in between (next-turn.ts).
   */
  static server(settings: ServerEngineSettings, options: { readonly splitServerFlight?: boolean } = {}): TLSEngine {
    if (!settings.certificateChain?.length) throw new ConfigurationError('TLSEngine: a server needs a certificate chain (cert)');
    if (!settings.privateKey && !settings.signer) throw new ConfigurationError('TLSEngine: a server needs a private key (key)');
    enabledVersions(settings);
    const policy: ServerPolicy = {
      settings,
      suites: settings.cipherSuites ?? ALL_CIPHER_SUITES,
      groups: supportedGroups(settings),
      signatureSchemes: settings.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
      certificateSignatureSchemes: settings.certificateSignatureSchemes ?? DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES,
      splitServerFlight: options.splitServerFlight ?? false,
    };
    return new TLSEngine('server', settings, () => startServer(policy));
  }

  // --- status ---

  /** True once both Finished messages are verified. */
  get handshakeComplete(): boolean {
    return this.complete;
  }
  /** True once application data may be written: after the handshake, or (server) right after its Finished (0.5-RTT). */
  get canWriteApplicationData(): boolean {
    return this.applicationWritable && this.writeOpen;
  }
  /** True until the peer's close_notify (or an error). */
  get readOpen(): boolean {
    return this.readOpenFlag && !this.failure;
  }
  /** True until we queue close_notify (or an error). */
  get writeOpen(): boolean {
    return this.writeOpenFlag && !this.failure;
  }
  /** True when progress needs more received bytes (the handshake awaits the peer, or no plaintext is buffered). */
  get wantsRead(): boolean {
    return this.readOpen && this.plaintext.length === 0 && this.early.buffered === 0;
  }
  /** True when what is queued is awaited by the peer (a server's complete flight) and must leave now: before a pause, not with the first write. */
  get outgoingAwaited(): boolean {
    return this.flightAwaited && this.hasOutgoing;
  }
  /** True when TLS bytes are waiting in `takeOutgoing()`. */
  get hasOutgoing(): boolean {
    return this.outgoing.length > 0 || this.pendingHandshake.length > 0;
  }
  /** True when decrypted application data is waiting in `readPlaintext()`. */
  get hasPlaintext(): boolean {
    return this.plaintext.length > 0 || this.early.buffered > 0;
  }
  /** Bytes of buffered plaintext. */
  get plaintextBuffered(): number {
    return this.plaintext.length + this.early.buffered;
  }
  /** The error that ended the connection, if any (its alert, when sent, is queued). */
  get error(): TLSAlertError | CertificateVerificationError | undefined {
    return this.failure;
  }
  /** The name of the current handshake state (for diagnostics and tests). */
  get stateName(): string {
    return this.state.name;
  }

  // --- bytes in and out ---

  /** Accepts received TLS bytes in any fragmentation. Throws the connection's TLSAlertError on failure (its alert is queued). */
  feed(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (!this.readOpenFlag) return;
    this.guard(() => {
      this.reader.feed(bytes);
      // While an early-data decision or the next turn is awaited, received records wait in the reader.
      for (let record = this.awaitingCaller ? undefined : this.reader.next(); record; record = this.reader.next()) {
        this.processRecord(record);
        if (!this.readOpenFlag || this.awaitingCaller) break;
      }
      // The caller may reuse its buffer once feed returns.
      this.reader.keepUnread();
    });
    this.flushHandshake();
  }

  /** Drains the TLS bytes to send, as an iovec (one buffer per record). */
  takeOutgoing(): Uint8Array[] {
    this.flushHandshake();
    this.context.keyUpdateUnsent = false;
    this.flightAwaited = false;
    const out = this.outgoing;
    this.outgoing = [];
    return out;
  }

  /**
   * Up to `max` bytes of received application data, at most one record's worth (handed out
   * as decrypted, never copied); empty when none is buffered. 0-RTT bytes come first, never
   * in the same buffer as later ones.
   */
  readPlaintext(max = Infinity): Uint8Array {
    if (this.early.buffered > 0) return this.early.take(max);
    return this.plaintext.takeChunk(max);
  }

  // --- 0-RTT (RFC 8446 sections 2.3, 4.2.10, 8) ---

  /** Server: the anti-replay lookup the handshake waits for before it can go on (section 8.2); answer with `decideEarlyData`. */
  get replayCheck(): ReplayCheck | undefined {
    return this.state instanceof AwaitReplayDecision ? this.state.replayCheck : undefined;
  }

  /** Server: reports whether the ClientHello of `replayCheck` was fresh (first seen), then goes on with the handshake and any bytes held. */
  decideEarlyData(fresh: boolean): void {
    const waiting = this.state;
    if (!(waiting instanceof AwaitReplayDecision)) throw new Error('TLSEngine: no early-data decision is pending');
    if (this.failure) throw this.failure;
    this.state = this.guard(() => waiting.decide(this.context, fresh));
    this.flushHandshake();
    this.feed(new Uint8Array(0));
  }

  /** Server: true when the handshake waits for `continueHandshake()` (a pause of `splitServerFlight`). */
  get awaitingTurn(): boolean {
    return this.state instanceof AwaitNextTurn;
  }

  /** Server: goes on with a handshake paused in `awaitingTurn`, then with any bytes held meanwhile. */
  continueHandshake(): void {
    const waiting = this.state;
    if (!(waiting instanceof AwaitNextTurn)) throw new Error('TLSEngine: the handshake is not waiting for a turn');
    if (this.failure) throw this.failure;
    this.state = this.guard(() => waiting.resume(this.context));
    this.flushHandshake();
    this.feed(new Uint8Array(0));
  }

  /** True while the handshake waits for its caller (an anti-replay answer or the next turn): received records are held. */
  private get awaitingCaller(): boolean {
    return this.state instanceof AwaitReplayDecision || this.state instanceof AwaitNextTurn;
  }

  /** Server: bytes of 0-RTT data accepted so far (the first this many bytes read were early data). */
  get earlyDataReceived(): number {
    return this.early.total;
  }

  /**
   * Encrypts application data, packing the iovec into full records (2^14 bytes, or the
   * peer's record_size_limit). Each record's content goes to the AEAD as the pieces it is
   * made of, so nothing is copied here; the pieces may be reused once this returns.
   */
  writePlaintext(data: Uint8Array | readonly Uint8Array[]): void {
    if (this.failure) throw this.failure;
    if (!this.applicationWritable) throw new UsageError('ERR_TLS_INVALID_STATE', 'TLSEngine: application data before the handshake completed');
    if (!this.writeOpenFlag) throw new UsageError('ERR_TLS_INVALID_STATE', 'TLSEngine: write side is closed');
    this.flushHandshake();
    const pieces = data instanceof Uint8Array ? [data] : data;
    const limit = this.writer.fragmentLimit;
    const parts: Uint8Array[] = [];
    let filled = 0;
    for (const piece of pieces) {
      for (let offset = 0; offset < piece.length; ) {
        const take = Math.min(limit - filled, piece.length - offset);
        parts.push(take === piece.length ? piece : piece.subarray(offset, offset + take));
        filled += take;
        offset += take;
        if (filled === limit) {
          this.writer.push(ContentType.application_data, parts, this.outgoing);
          parts.length = 0;
          filled = 0;
        }
      }
    }
    if (filled > 0) this.writer.push(ContentType.application_data, parts, this.outgoing);
  }

  /** Queues close_notify; the write side is closed afterwards. */
  close(): void {
    if (!this.writeOpenFlag || this.failure) return;
    this.flushHandshake();
    this.writer.push(ContentType.alert, [Uint8Array.of(1, AlertDescription.close_notify)], this.outgoing);
    this.writeOpenFlag = false;
  }

  /**
   * TLS-Exporter(label, context, length) (section 7.5): keying material bound to this
   * connection. An absent context and an empty one give the same output in TLS 1.3.
   */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (this.replacedExporter && this.complete) {
      if (!Number.isInteger(length) || length < 1 || length > 0xffff) {
        throw new UsageError('ERR_OUT_OF_RANGE', `exporter length must be an integer from 1 to 65535, got ${length}`);
      }
      if (context && context.length > 0xffff) throw new UsageError('ERR_OUT_OF_RANGE', 'exporter context exceeds 65535 bytes');
      return this.replacedExporter(label, context, length);
    }
    if (!this.exporter || !this.complete) throw new UsageError('ERR_TLS_INVALID_STATE', 'TLSEngine: keying material is available after the handshake');
    const { suite, secret } = this.exporter;
    // HKDF-Expand gives at most 255 hash lengths, and HkdfLabel carries the length in 16 bits.
    const maxLength = Math.min(255 * suite.hashLength, 0xffff);
    if (!Number.isInteger(length) || length < 1 || length > maxLength) {
      throw new UsageError('ERR_OUT_OF_RANGE', `exporter length must be an integer from 1 to ${maxLength}, got ${length}`);
    }
    // HkdfLabel.label is "tls13 " + label in at most 255 bytes.
    const labelLength = utf8Bytes(label).length;
    if (labelLength > 249) throw new UsageError('ERR_OUT_OF_RANGE', `exporter label of ${labelLength} bytes exceeds 249`);
    const provider = this.context.provider;
    const emptyHash = provider.hash(suite.hash).digest(new Uint8Array(0));
    const derived = hkdfExpandLabel(provider, suite, secret, label, emptyHash, suite.hashLength);
    const contextHash = provider.hash(suite.hash).digest(context ?? new Uint8Array(0));
    return hkdfExpandLabel(provider, suite, derived, 'exporter', contextHash, length);
  }

  /** Sends a KeyUpdate (section 4.6.3), optionally asking the peer to update too. */
  updateKeys(requestPeerUpdate: boolean): void {
    if (!(this.state instanceof TrafficState) || !this.writeOpen || !this.complete) {
      throw new UsageError('ERR_TLS_INVALID_STATE', 'TLSEngine: KeyUpdate needs an open, established connection');
    }
    this.state.sendKeyUpdate(this.context, requestPeerUpdate);
    this.flushHandshake();
  }

  // --- record processing ---

  private processRecord(record: TLSRecord): void {
    if (!this.reassembler.isEmpty && record.type !== ContentType.handshake) {
      throw TLSAlertError.sent('unexpected_message', 'a handshake message was interrupted by another record type');
    }
    switch (record.type) {
      case ContentType.handshake:
        if (record.fragment.length === 0) throw TLSAlertError.sent('unexpected_message', 'zero-length handshake record');
        this.warningAlertsInARow = 0;
        this.emptyRecordsInARow = 0;
        this.reassembler.push(record.fragment);
        for (let m = this.reassembler.next(); m; m = this.reassembler.next()) this.state = this.state.handle(this.context, m);
        return;
      case ContentType.application_data:
        if (!this.complete && this.early.accepting) return this.early.receive(record.fragment);
        if (!this.complete) throw TLSAlertError.sent('unexpected_message', 'application data before the handshake completed');
        if (record.fragment.length === 0) {
          if (++this.emptyRecordsInARow > MAX_EMPTY_RECORDS) {
            throw TLSAlertError.sent('unexpected_message', `more than ${MAX_EMPTY_RECORDS} empty records in a row`);
          }
          return;
        }
        this.emptyRecordsInARow = 0;
        this.warningAlertsInARow = 0;
        this.keyUpdatesInARow = 0;
        this.plaintext.push(record.fragment);
        return;
      case ContentType.alert:
        return this.processAlert(record.fragment);
      case ContentType.change_cipher_spec:
        if (this.state.handleChangeCipherSpec && !record.encrypted) {
          // TLS 1.2 (RFC 5246 section 7.1): the ChangeCipherSpec the state waits for switches read keys.
          if (record.fragment.length !== 1 || record.fragment[0] !== 1) {
            throw TLSAlertError.sent('unexpected_message', 'change_cipher_spec is not the single byte 0x01');
          }
          this.state = this.state.handleChangeCipherSpec(this.context);
          return;
        }
        if (record.encrypted || !this.changeCipherSpecAllowed || this.changeCipherSpecsSeen >= MAX_CHANGE_CIPHER_SPECS) {
          throw TLSAlertError.sent('unexpected_message', 'change_cipher_spec outside the handshake');
        }
        if (record.fragment.length !== 1 || record.fragment[0] !== 1) {
          throw TLSAlertError.sent('unexpected_message', 'change_cipher_spec is not the single byte 0x01');
        }
        this.changeCipherSpecsSeen++;
        return;
      default:
        throw TLSAlertError.sent('unexpected_message', `record content type ${record.type} is not allowed`);
    }
  }

  /**
   * Alerts (section 6). close_notify at warning level closes the peer's write side;
   * user_canceled at warning level is tolerated up to MAX_WARNING_ALERTS in a row; any
   * other alert, and any alert at fatal level, ends the connection.
   */
  private processAlert(fragment: Uint8Array): void {
    if (fragment.length === 0) throw TLSAlertError.sent('unexpected_message', 'zero-length alert record');
    if (fragment.length !== 2) throw TLSAlertError.sent('decode_error', 'alert record is not exactly one alert');
    const level = fragment[0]!;
    const code = fragment[1]!;
    if (level !== ALERT_WARNING && level !== ALERT_FATAL) throw TLSAlertError.sent('illegal_parameter', `alert level ${level} is not defined`);
    if (level === ALERT_WARNING && code === AlertDescription.close_notify) {
      this.readOpenFlag = false;
      return;
    }
    if (level === ALERT_WARNING && code === AlertDescription.user_canceled) {
      if (++this.warningAlertsInARow > MAX_WARNING_ALERTS) {
        throw TLSAlertError.sent('unexpected_message', `more than ${MAX_WARNING_ALERTS} warning alerts in a row`);
      }
      return;
    }
    throw new TLSAlertError(code, 'received');
  }

  // --- the handshake context ---

  private makeContext(settings: CommonEngineSettings): HandshakeContext {
    return new TLSEngine.Context(this, settings);
  }

  /**
   * The HandshakeContext of one engine: the engine services a handshake state uses. Its
   * methods live on one shared prototype, so a connection costs one small object here,
   * not a closure per service.
   */
  private static readonly Context = class EngineContext implements HandshakeContext {
    readonly provider: CryptoProvider;
    readonly random: RandomSource;
    readonly now: () => number;
    readonly transcript = new Transcript();
    readonly outcome: HandshakeOutcome;
    readonly recordSizeLimit: number;
    keyUpdateUnsent = false;

    private readonly keylogSink: ((line: string) => void) | undefined;
    private readonly ticketSink: ((ticket: ReceivedTicket) => void) | undefined;

    constructor(
      private readonly engine: TLSEngine,
      settings: CommonEngineSettings,
    ) {
      this.keylogSink = settings.keylog;
      this.ticketSink = (settings as ClientEngineSettings).onTicket;
      this.provider = settings.provider;
      this.random = settings.random ?? randomOf(settings.provider);
      this.now = settings.now ?? Date.now;
      this.outcome = engine.outcome;
      this.recordSizeLimit = recordSizeLimitOf(settings);
    }

    send(message: HandshakeMessage): void {
      this.engine.pendingHandshake.push(message.raw);
    }
    sendChangeCipherSpec(): void {
      this.engine.flushHandshake();
      this.engine.outgoing.push(RecordWriter.changeCipherSpec());
    }
    setReadSecret(suite: CipherSuite, secret: Uint8Array): void {
      if (!this.engine.reassembler.isEmpty) throw TLSAlertError.sent('unexpected_message', 'handshake message spans a key change');
      const protection = protectionFor(this.provider, suite, secret);
      protection.maxInnerLength = this.engine.receiveLimit;
      this.engine.reader.setProtection(protection);
    }
    setWriteSecret(suite: CipherSuite, secret: Uint8Array): void {
      this.engine.flushHandshake();
      this.engine.writer.setProtection(protectionFor(this.provider, suite, secret));
    }
    limitRecordSize(peerLimit: number, protocol: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): void {
      this.engine.outcome.peerRecordSizeLimit = peerLimit;
      // TLS 1.3 counts the inner content type in the limit, TLS 1.2 does not (RFC 8449 section 4).
      this.engine.writer.fragmentLimit = Math.min(MAX_PLAINTEXT, protocol === 'TLSv1.3' ? peerLimit - 1 : peerLimit);
      this.engine.receiveLimit = this.recordSizeLimit;
      this.engine.reader.limitInnerPlaintext(this.recordSizeLimit);
    }
    setReadProtection(protection: RecordSealer): void {
      if (!this.engine.reassembler.isEmpty) throw TLSAlertError.sent('unexpected_message', 'handshake message spans a key change');
      // TLS 1.2: TLSPlaintext within 2^14 and within the record_size_limit we announced, once negotiated (RFC 8449).
      protection.maxInnerLength = Math.min(MAX_PLAINTEXT, this.engine.receiveLimit);
      this.engine.reader.setProtection(protection);
    }
    setWriteProtection(protection: RecordSealer): void {
      this.engine.flushHandshake();
      this.engine.writer.setProtection(protection);
    }
    setKeyingMaterialExporter(exporter: (label: string, context: Uint8Array | undefined, length: number) => Uint8Array): void {
      this.engine.replacedExporter = exporter;
    }
    markFlightAwaited(): void {
      this.engine.flightAwaited = true;
    }
    allowChangeCipherSpec(allowed: boolean): void {
      this.engine.changeCipherSpecAllowed = allowed;
    }
    setExporterSecret(suite: CipherSuite, secret: Uint8Array): void {
      this.engine.exporter = { suite, secret: compactCopy(secret) };
    }
    keylog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
      this.keylogSink?.(`${label} ${bytesToHex(clientRandom)} ${bytesToHex(secret)}`);
    }
    complete(): void {
      this.engine.complete = true;
      this.engine.applicationWritable = true;
      // Section 4.4.1: nothing after the handshake is hashed; drop the running hash.
      this.transcript.discard();
    }
    enableApplicationWrites(): void {
      this.engine.applicationWritable = true;
    }
    keepTicket(ticket: ReceivedTicket): void {
      const tickets = this.engine.tickets;
      tickets.push(ticket);
      if (tickets.length > MAX_KEPT_TICKETS) tickets.shift();
      this.ticketSink?.(ticket);
    }
    get canWrite(): boolean {
      return this.engine.writeOpen;
    }
    noteKeyUpdate(): void {
      if (++this.engine.keyUpdatesInARow > MAX_KEY_UPDATES) {
        throw TLSAlertError.sent('unexpected_message', `more than ${MAX_KEY_UPDATES} KeyUpdates without application data between them`);
      }
    }
    skipEarlyData(mode: EarlyDataSkip): void {
      this.engine.reader.skipEarlyData(mode);
    }
    acceptEarlyData(limit: number): void {
      this.engine.early.accept(limit);
      // 0-RTT keys come from an earlier handshake, so this one's record_size_limit does not bind them (RFC 8449 section 4).
      this.engine.reader.limitInnerPlaintext(MAX_INNER_PLAINTEXT);
    }
    endEarlyData(): void {
      this.engine.early.end();
    }
    sendEarlyData(data: Uint8Array): void {
      this.engine.flushHandshake();
      if (data.length > 0) this.engine.writer.records(ContentType.application_data, data, this.engine.outgoing);
    }
    clearWriteKeys(): void {
      this.engine.flushHandshake();
      this.engine.writer.clearProtection();
    }
  };

  /** Coalesces queued handshake messages into as few records as fit under the current write keys. */
  private flushHandshake(): void {
    if (this.pendingHandshake.length === 0) return;
    const joined =
      this.pendingHandshake.length === 1 ? this.pendingHandshake[0]! : concatBytes(...this.pendingHandshake);
    this.pendingHandshake = [];
    this.writer.records(ContentType.handshake, joined, this.outgoing);
  }

  /** Runs `step`; on failure records the error, queues its alert, closes both directions and rethrows. */
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (e) {
      throw this.fail(e);
    }
  }

  private fail(e: unknown): TLSAlertError | CertificateVerificationError {
    const error =
      e instanceof TLSAlertError || e instanceof CertificateVerificationError
        ? e
        : e instanceof KeyExchangeError
          ? TLSAlertError.sent('illegal_parameter', e.message, { cause: e })
          : TLSAlertError.sent('internal_error', e instanceof Error ? e.message : String(e), { cause: e });
    if (this.failure) return this.failure;
    this.failure = error;
    this.pendingHandshake = [];
    // A rejected peer certificate is reported as itself and sends the alert its reason maps to.
    const alert = error instanceof CertificateVerificationError ? AlertDescription[error.alert] : error.direction === 'sent' ? error.code : undefined;
    if (alert !== undefined && this.writeOpenFlag) {
      try {
        // no_renegotiation is always a warning (RFC 5246 section 7.2.2); the connection still ends.
        const level = alert === AlertDescription.no_renegotiation ? ALERT_WARNING : ALERT_FATAL;
        this.writer.push(ContentType.alert, [Uint8Array.of(level, alert)], this.outgoing);
      } catch {
        // The alert could not be protected; the connection ends without it.
      }
    }
    this.writeOpenFlag = false;
    this.readOpenFlag = false;
    return error;
  }
}

/** The record_size_limit to announce: the setting, checked to be 64..16385 (RFC 8449 section 4), or 16385. */
function recordSizeLimitOf(settings: CommonEngineSettings): number {
  const limit = settings.recordSizeLimit ?? MAX_RECORD_SIZE_LIMIT;
  if (!Number.isInteger(limit) || limit < MIN_RECORD_SIZE_LIMIT || limit > MAX_RECORD_SIZE_LIMIT) {
    throw new ConfigurationError(`recordSizeLimit must be an integer from ${MIN_RECORD_SIZE_LIMIT} to ${MAX_RECORD_SIZE_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** supportedGroups' answers by provider and configured list (names joined): every connection of a configuration asks the same. */
const supportedGroupLists = new WeakMap<CryptoProvider, Map<string, readonly NamedGroupName[]>>();
/** Distinct configured group lists remembered per provider. */
const SUPPORTED_GROUP_LISTS = 16;

/** The groups to offer: the configured ones (or defaults) that the provider implements. */
function supportedGroups(settings: CommonEngineSettings): readonly NamedGroupName[] {
  const wanted = settings.groups ?? DEFAULT_GROUPS;
  let perProvider = supportedGroupLists.get(settings.provider);
  if (!perProvider) supportedGroupLists.set(settings.provider, (perProvider = new Map()));
  const key = wanted.join(',');
  let available = perProvider.get(key);
  if (!available) {
    available = Object.freeze(wanted.filter((g) => settings.provider.group(g) !== undefined));
    if (available.length === 0) throw new ConfigurationError('TLSEngine: the crypto provider implements none of the configured groups');
    if (perProvider.size < SUPPORTED_GROUP_LISTS) perProvider.set(key, available);
  }
  return available;
}

/** The provider's random source bound to it, one per provider (not per connection). */
const boundRandom = new WeakMap<CryptoProvider, RandomSource>();
function randomOf(provider: CryptoProvider): RandomSource {
  let random = boundRandom.get(provider);
  if (!random) {
    random = (n) => provider.random(n);
    boundRandom.set(provider, random);
  }
  return random;
}

function protectionFor(provider: CryptoProvider, suite: CipherSuite, secret: Uint8Array): RecordProtection {
  const key = hkdfExpandLabel(provider, suite, secret, 'key', new Uint8Array(0), suite.keyLength);
  const iv = hkdfExpandLabel(provider, suite, secret, 'iv', new Uint8Array(0), 12);
  return new RecordProtection(provider.aead(suite.aead, key), iv);
}

/** Frames a handshake message (re-exported for tests that craft peer messages). */
export { frameHandshake };
