/**
 * `NobleTLSService`: the `TLSService` of the pure-TypeScript TLS 1.3 engine. It drives
 * a sans-IO `TLSEngine` over a `RawConnection` with as few IO calls as the protocol
 * allows: each read takes up to 64 KiB and every record in it is processed; each
 * flight is one vectored `sendBytes`; what the engine queues after the handshake (the
 * client's Finished, the server's tickets, KeyUpdate answers) leaves with the first
 * application write of the same turn, else on its own at the end of the turn. Closing
 * follows RFC 8446 section 6.1: close_notify ends one direction (`shutdownWrite`), an
 * end without it is a TruncationError, and after a fatal alert the connection lingers
 * (`lingeringClose`) so a peer still writing reads the alert rather than a reset.
 */
import {
  ConnectionClosedError,
  HandshakeTimeoutError,
  CertificateVerificationError,
  TLSAlertError,
  TLSServiceError,
  TruncationError,
} from '../../src/errors.js';
import { lingeringClose } from '../../src/raw/lingering-close.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, type ClientConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import type { ByteSource, RawConnection } from '../../src/raw-connection.js';
import type { NegotiatedParameters, TLSService } from '../../src/tls-service.js';
import type { CryptoProvider, RandomSource } from '../../src/crypto/provider.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { TLSEngine } from './engine.js';
import { clientEngineSettings, GROUP_DISPLAY_NAMES, serverEngineSettings } from './config.js';
import type { ClientEngineSettings, ServerEngineSettings } from './settings.js';
import { encodeSession } from './session.js';
import { defaultReplayStore, type AntiReplayStore } from '../../src/anti-replay/store.js';

/** The most bytes one raw read asks for. */
export const READ_BUFFER_SIZE = 65536;

/** Options of one NobleTLSService (the crypto provider and, for tests, injected randomness and clock). */
export interface NobleServiceOptions {
  /** The crypto provider; default the pure-TS noble provider. */
  readonly provider?: CryptoProvider;
  /** Random source override (tests). */
  readonly random?: RandomSource;
  /** Clock override in ms (tests). */
  readonly now?: () => number;
  /** Last-minute changes to the engine settings (tests, experiments). */
  readonly editClientSettings?: (settings: ClientEngineSettings) => ClientEngineSettings;
  /** Last-minute changes to the engine settings (tests, experiments). */
  readonly editServerSettings?: (settings: ServerEngineSettings) => ServerEngineSettings;
}

/** setImmediate where it exists (Node); browsers and workers have none (there the server flight is not split). */
const platformImmediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;

/** The noble TLS 1.3 backend for one connection. */
export class NobleTLSService implements TLSService {
  /** The backend's name. */
  readonly backend = 'noble';
  private raw: RawConnection | undefined;
  private engine: TLSEngine | undefined;
  private established = false;
  private closedByUs = false;
  private released = false;
  private failure: Error | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private readChain: Promise<unknown> = Promise.resolve();
  /** Writes handed on and not yet settled; with none, the next write goes to the raw connection at once. */
  private writesInFlight = 0;
  /** receiveBytes calls not yet settled; with none, buffered plaintext is handed out at once. */
  private readsInFlight = 0;
  /** Set once the transport ended without close_notify; every later read rejects with it. */
  private truncation: TruncationError | undefined;
  /** True once the peer's direction has ended (close_notify or truncation). */
  private readDone = false;
  /** Our write-only shutdown (close_notify, then the raw FIN), once started. */
  private writeShutdown: Promise<void> | undefined;
  /** The lingering close after our fatal alert, once started: nothing else may destroy the raw connection. */
  private lingering: Promise<void> | undefined;
  private flushScheduled = false;
  /** True while post-handshake records (Finished, tickets, KeyUpdate answer) wait for a write of this turn. */
  private outgoingHeld = false;

  constructor(private readonly options: NobleServiceOptions = {}) {}

  private get provider(): CryptoProvider {
    return this.options.provider ?? nobleCryptoProvider;
  }

  /** Runs a client handshake over `via`. */
  async negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    let settings = this.announceSessions(this.withInjected(clientEngineSettings(options, this.provider)));
    if (this.options.editClientSettings) settings = this.options.editClientSettings(settings);
    this.begin(via);
    await this.withTimeout(options.handshakeTimeout, () => this.handshake(TLSEngine.client(settings), () => this.engine!.handshakeComplete));
    this.sendEarlyDataRemainder(settings);
    this.scheduleFlush();
  }

  /**
   * `earlyData` is always delivered: what 0-RTT carried (RFC 8446 section 2.3) is not sent
   * again; the rest, or all of it when the server rejected or was not offered 0-RTT,
   * follows as ordinary data with our Finished.
   */
  private sendEarlyDataRemainder(settings: ClientEngineSettings): void {
    const data = settings.earlyData;
    const engine = this.engine!;
    if (!data || data.length === 0) return;
    const carried = engine.outcome.earlyData === 'accepted' ? Math.min(data.length, settings.session?.maxEarlyData ?? 0) : engine.outcome.dataWithFinished;
    if (carried < data.length) engine.writePlaintext(data.subarray(carried));
  }

  /** Runs a server handshake over `via`; it completes when the client's Finished is verified. */
  async negotiateAsServer(via: RawConnection, options: ServerConfiguration = {}): Promise<void> {
    let settings = this.withInjected(serverEngineSettings(options, this.provider));
    if (this.options.editServerSettings) settings = this.options.editServerSettings(settings);
    this.begin(via);
    this.replayStore = options.antiReplay ?? defaultReplayStore;
    // With 0-RTT accepted the connection is usable at once (0.5-RTT); the client's Finished is read with the data.
    const usable = () => this.engine!.handshakeComplete || this.engine!.outcome.earlyData === 'accepted';
    await this.withTimeout(options.handshakeTimeout, () => this.handshake(TLSEngine.server(settings, { splitServerFlight: platformImmediate !== undefined }), usable));
    // The application's first turn on the connection is not the handshake's last (next-turn.ts);
    // what the handshake queued (the tickets) still waits for the application's first write.
    if (platformImmediate) await nextLoopIteration();
    this.scheduleFlush();
  }

  private replayStore: AntiReplayStore = defaultReplayStore;

  /** Answers the engine's anti-replay question (RFC 8446 section 8.2) from the store; a failing store means no 0-RTT. */
  private async settleReplayCheck(engine: TLSEngine): Promise<void> {
    const check = engine.replayCheck;
    if (!check) return;
    let fresh = false;
    try {
      fresh = await this.replayStore.recordFirstUse(check.key, check.ttlMs);
    } catch {
      fresh = false;
    }
    if (this.failure) throw this.failure;
    engine.decideEarlyData(fresh);
  }

  /**
   * On Node the server handshake pauses before each costly step (next-turn.ts) and goes on in
   * the event loop's next iteration, after its timers and IO. A complete flight leaves before
   * the pause that follows it; nothing is written in the middle of one, so it is one write.
   */
  private async giveNextTurns(engine: TLSEngine): Promise<void> {
    while (engine.awaitingTurn) {
      if (engine.outgoingAwaited) await this.flush();
      await nextLoopIteration();
      if (this.failure) throw this.failure;
      engine.continueHandshake();
    }
  }

  /** Server: bytes of accepted 0-RTT data; the first this many bytes `receiveBytes` returns were early data (RFC 8470). */
  get earlyDataReceived(): number {
    return this.engine?.earlyDataReceived ?? 0;
  }

  /** True once both Finished messages are verified (false during a 0-RTT connection's first round trip). */
  get handshakeConfirmed(): boolean {
    return this.engine?.handshakeComplete ?? false;
  }

  /** `settings` with the injected randomness and clock (tests); the shared settings object itself when none is injected. */
  private withInjected<S extends ClientEngineSettings | ServerEngineSettings>(settings: S): S {
    const { random, now } = this.options;
    if (!random && !now) return settings;
    return { ...settings, ...(random ? { random } : {}), ...(now ? { now } : {}) };
  }

  private begin(via: RawConnection): void {
    if (this.raw) throw new TLSServiceError('this TLSService already negotiated a connection; create a new one');
    this.raw = via;
  }

  private async withTimeout(timeout: number | undefined, run: () => Promise<void>): Promise<void> {
    const ms = timeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandshakeTimeoutError(`handshake did not complete within ${ms} ms`);
        this.failure ??= error;
        this.destroyRaw();
        reject(error);
      }, ms);
    });
    try {
      await Promise.race([run(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends each flight in one write and reads until `done()`. */
  private async handshake(engine: TLSEngine, done: () => boolean): Promise<void> {
    this.engine = engine;
    try {
      await this.flush();
      while (!done()) {
        const bytes = await this.raw!.receiveBytes(READ_BUFFER_SIZE);
        if (this.failure) throw this.failure;
        if (bytes.length === 0) throw new ConnectionClosedError('the peer closed the connection during the handshake');
        this.feed(bytes);
        await this.settleReplayCheck(engine);
        await this.giveNextTurns(engine);
        if (!engine.readOpen && !done()) throw new ConnectionClosedError('the peer sent close_notify during the handshake');
        // A flight goes out at once; what follows the handshake (the client's Finished,
        // the server's tickets) may leave with the first application write of this turn.
        if (!engine.handshakeComplete || engine.outgoingAwaited) await this.flush();
      }
      this.established = true;
    } catch (e) {
      await this.abort(e);
      throw this.failure ?? e;
    }
  }

  /** Feeds the engine; on a protocol error sends the queued alert and ends the connection. */
  private feed(bytes: Uint8Array): void {
    this.engine!.feed(bytes);
  }

  private async abort(e: unknown): Promise<void> {
    this.failure ??= e instanceof Error ? e : new TLSServiceError(String(e));
    const engine = this.engine;
    if (engine?.hasOutgoing && ((e instanceof TLSAlertError && e.direction === 'sent') || e instanceof CertificateVerificationError)) {
      try {
        await this.write(engine.takeOutgoing());
        // FIN behind the alert, then read and discard for a bounded time, so a peer still
        // writing reads the alert rather than a reset that could overtake it.
        this.lingering ??= lingeringClose(this.raw!);
        return;
      } catch {
        // The peer may be gone already; the error we report is the alert.
      }
    }
    this.destroyRaw();
  }

  private destroyRaw(): void {
    const raw = this.raw;
    if (!raw || this.lingering) return;
    if (raw.destroy) raw.destroy();
    else void raw.close().catch(() => undefined);
  }

  /**
   * Writes the iovec as one sendBytes, in call order: at once when no earlier write is in
   * flight (no promise hop per write), else after the one before. `sending` marks a failed
   * write as the connection's failure (an application write; see sendBytes).
   */
  private write(iovec: Uint8Array[], sending = false): Promise<void> {
    if (iovec.length === 0) return this.writeChain;
    const raw = this.raw!;
    let next: Promise<void>;
    if (this.writesInFlight === 0) {
      try {
        next = raw.sendBytes(iovec);
      } catch (e) {
        next = Promise.reject(e);
      }
    } else {
      next = this.writeChain.then(() => raw.sendBytes(iovec));
    }
    this.writesInFlight++;
    this.writeChain = next.then(
      () => {
        this.writesInFlight--;
      },
      (e: unknown) => {
        this.writesInFlight--;
        if (sending) this.failure ??= e instanceof Error ? e : new TLSServiceError(String(e));
      },
    );
    return next;
  }

  /** Sends whatever the engine has queued. */
  private flush(): Promise<void> {
    const engine = this.engine;
    this.outgoingHeld = false;
    return engine && engine.hasOutgoing ? this.write(engine.takeOutgoing()) : this.writeChain;
  }

  /**
   * What the engine queued outside a flight (the client's Finished, the server's tickets,
   * a KeyUpdate answer) leaves with the first application write of this turn; if none
   * comes, on its own at the end of the turn (setImmediate). Requests read in one turn
   * share one answer.
   * It is never held until a later write (RFC 8446 section 4.6.3).
   */
  private scheduleFlush(): void {
    if (!this.engine?.hasOutgoing) return;
    this.outgoingHeld = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate where it exists (Node); browsers and workers have only setTimeout.
    const nextTurn = platformImmediate ?? setTimeout;
    nextTurn(() => {
      this.flushScheduled = false;
      if (this.failure || this.released || this.closedByUs || !this.outgoingHeld || !this.engine?.hasOutgoing) return;
      this.flush().catch((e) => void this.abort(e));
    });
  }

  private ready(operation: string, writing = false): TLSEngine {
    if (this.failure) throw this.failure;
    if (this.released || this.closedByUs) throw new ConnectionClosedError(`${operation} after close`);
    if (!this.engine || !this.established) throw new TLSServiceError(`${operation} before negotiation completed`);
    if (writing && this.writeShutdown) throw new ConnectionClosedError(`${operation} after shutdownWrite`);
    return this.engine;
  }

  /** Encrypts and sends plaintext: packed into full records, together with anything held (Finished, tickets), in one write. */
  sendBytes(data: Uint8Array): Promise<void>;
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  sendBytes(data: ByteSource): Promise<void> {
    // Not async: the write's own promise is handed on (a failed write becomes `failure` in write()).
    let engine: TLSEngine;
    try {
      engine = this.ready('sendBytes', true);
      engine.writePlaintext(data);
    } catch (e) {
      return Promise.reject(e);
    }
    this.outgoingHeld = false;
    return this.write(engine.takeOutgoing(), true);
  }

  /** At most `count` plaintext bytes; the rest stays buffered. Empty after the peer's close_notify; TruncationError after an end without it. */
  receiveBytes(count: number): Promise<Uint8Array> {
    // Plaintext already decrypted and no earlier read to wait for: hand it out at once (a
    // bulk reader gets three of every four records this way, without a promise chain).
    if (this.readsInFlight === 0 && count > 0 && this.engine?.hasPlaintext) {
      try {
        return Promise.resolve(this.ready('receiveBytes').readPlaintext(count));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    this.readsInFlight++;
    const result = this.readChain.then(() => this.receiveOnce(count));
    const settled = (): void => {
      this.readsInFlight--;
    };
    this.readChain = result.then(settled, settled);
    return result;
  }

  private async receiveOnce(count: number): Promise<Uint8Array> {
    const engine = this.ready('receiveBytes');
    if (count <= 0) return new Uint8Array(0);
    for (;;) {
      if (engine.hasPlaintext) return engine.readPlaintext(count);
      if (this.truncation) throw this.truncation;
      if (!engine.readOpen) {
        this.endRead();
        return new Uint8Array(0);
      }
      try {
        // Anything held (a client Finished the server waits for, a KeyUpdate answer) leaves
        // at the end of this turn at the latest (scheduleFlush); the read does not wait for
        // it, so two peers writing bulk data cannot deadlock.
        const bytes = await this.raw!.receiveBytes(READ_BUFFER_SIZE);
        if (this.failure) throw this.failure;
        if (this.closedByUs || this.released) throw new ConnectionClosedError('receiveBytes after close');
        if (bytes.length === 0) {
          // RFC 8446 section 6.1: only close_notify ends the data; a bare end may be an attack.
          this.truncation = new TruncationError('noble: the peer ended the connection without close_notify');
          this.endRead();
          continue;
        }
        this.feed(bytes);
        this.scheduleFlush();
      } catch (e) {
        if (e instanceof ConnectionClosedError && (this.closedByUs || this.released)) throw e;
        await this.abort(e);
        throw this.failure ?? e;
      }
    }
  }

  /** The peer's direction has ended; once ours has too, the raw connection is released. */
  private endRead(): void {
    if (this.readDone) return;
    this.readDone = true;
    if (this.writeShutdown) this.writeShutdown.then(() => this.raw?.close(), () => undefined).catch(() => undefined);
  }

  /**
   * Write-only shutdown (RFC 8446 section 6.1): close_notify (with anything held) in one
   * write, then the raw FIN; receiveBytes goes on until the peer's close_notify. Idempotent.
   */
  shutdownWrite(): Promise<void> {
    this.writeShutdown ??= this.sendCloseNotify();
    return this.writeShutdown;
  }

  private async sendCloseNotify(): Promise<void> {
    if (this.failure && !this.released && !this.closedByUs) return; // the alert already ended our direction
    const engine = this.ready('shutdownWrite');
    engine.close();
    try {
      await this.flush();
      await this.raw!.shutdownWrite();
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new TLSServiceError(String(e));
      throw e;
    }
    if (this.readDone) await this.raw!.close();
  }

  /** Sends close_notify (with anything held, unless already sent) in one write, then closes the raw connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closedByUs || this.released) return;
    this.closedByUs = true;
    const engine = this.engine;
    const raw = this.raw;
    if (!raw) return;
    try {
      if (engine && !this.failure) {
        engine.close();
        await this.flush();
      }
    } catch {
      // The peer is gone; closing goes on.
    } finally {
      // A lingering close after our alert releases the raw connection itself, within its limits.
      if (!this.lingering) await raw.close().catch(() => undefined);
    }
  }

  /** Releases everything at once, without close_notify. */
  willDeinitConnection(): void {
    if (this.released) return;
    this.released = true;
    this.destroyRaw();
  }

  /** What was agreed; throws before negotiation completes. */
  get negotiated(): NegotiatedParameters {
    const engine = this.engine;
    if (!engine || !this.established) throw new TLSServiceError('negotiated is not available before the handshake completes');
    const o = engine.outcome;
    return {
      backend: 'noble',
      protocol: o.protocol,
      cipherSuite: o.suite?.name,
      group: o.group ? GROUP_DISPLAY_NAMES[o.group] : undefined,
      alpnProtocol: o.alpnProtocol,
      servername: o.serverName,
      peerCertificates: o.peerCertificates,
      ...(o.verifiedChain ? { verifiedChain: o.verifiedChain } : {}),
      resumed: o.resumed,
      ...(o.earlyData !== 'none' ? { earlyData: o.earlyData } : {}),
      cryptoProvider: this.provider.name,
    };
  }

  /** The session tickets received so far (client role). */
  get tickets(): TLSEngine['tickets'] {
    return this.engine?.tickets ?? [];
  }

  // --- sessions (node:tls's getSession / 'session' / isSessionReused surface) ---

  /** The newest session received, encoded for the `session` option (node:tls `getSession()`); undefined before a ticket arrives. */
  getSession(): Uint8Array | undefined {
    const newest = this.engine?.tickets.at(-1);
    return newest ? encodeSession(newest) : undefined;
  }

  /** True when the handshake resumed a session (node:tls `isSessionReused()`). */
  isSessionReused(): boolean {
    return this.engine?.outcome.resumed ?? false;
  }

  /** Calls `listener` with each session ticket as it arrives, encoded (node:tls `'session'` event); returns an unsubscribe function. */
  onSession(listener: (session: Uint8Array) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  private readonly sessionListeners = new Set<(session: Uint8Array) => void>();

  /** Engine settings hook: each ticket goes to the session listeners. */
  private announceSessions(settings: ClientEngineSettings): ClientEngineSettings {
    return {
      ...settings,
      onTicket: (ticket) => {
        if (this.sessionListeners.size === 0) return;
        const encoded = encodeSession(ticket);
        for (const listener of this.sessionListeners) listener(encoded);
      },
    };
  }

  /** Keying material exported from the session (RFC 8446 section 7.5), with node:tls's argument order. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    return this.ready('exportKeyingMaterial').exportKeyingMaterial(label, context, length);
  }

  /** Sends a KeyUpdate, asking the peer to update too when `requestPeerUpdate`. */
  async updateKeys(requestPeerUpdate = false): Promise<void> {
    const engine = this.ready('updateKeys', true);
    engine.updateKeys(requestPeerUpdate);
    await this.flush();
  }
}


/**
 * Resolves in a later iteration of Node's event loop, once its timers and IO have run: an
 * immediate queued from inside an immediate waits for the next check phase (one alone would run
 * in this iteration's check phase, before any timer).
 */
function nextLoopIteration(): Promise<void> {
  const immediate = platformImmediate!;
  return new Promise((resume) => immediate(() => immediate(resume)));
}
