/**
 * `NobleTLSService`: the `TLSService` of the pure-TypeScript TLS 1.3 engine. It drives
 * a sans-IO `TLSEngine` over a `RawConnection` with as few IO calls as the protocol
 * allows: each read takes up to 64 KiB and every record in it is processed; each
 * flight is one vectored `sendBytes`; the client's Finished waits for (and leaves with)
 * its first application data; the server's tickets leave with its first write.
 */
import {
  ConnectionClosedError,
  HandshakeTimeoutError,
  TLSAlertError,
  TLSServiceError,
} from '../../src/errors.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, type ClientConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import type { ByteSource, RawConnection } from '../../src/raw-connection.js';
import type { NegotiatedParameters, TLSService } from '../../src/tls-service.js';
import type { CryptoProvider, RandomSource } from './crypto/provider.js';
import { nobleCryptoProvider } from './crypto/noble.js';
import { TLSEngine } from './engine.js';
import { clientEngineSettings, GROUP_DISPLAY_NAMES, serverEngineSettings } from './config.js';
import type { ClientEngineSettings, ServerEngineSettings } from './settings.js';

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
  private peerEnded = false;
  private heldFlushScheduled = false;
  /** True while the client's Finished waits to leave with the first application data. */
  private finishedHeld = false;

  constructor(private readonly options: NobleServiceOptions = {}) {}

  private get provider(): CryptoProvider {
    return this.options.provider ?? nobleCryptoProvider;
  }

  /** Runs a client handshake over `via`. */
  async negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    let settings = { ...clientEngineSettings(options, this.provider), ...this.injected() };
    if (this.options.editClientSettings) settings = this.options.editClientSettings(settings);
    this.begin(via);
    await this.withTimeout(options.handshakeTimeout, () => this.handshake(TLSEngine.client(settings), () => this.engine!.handshakeComplete));
    this.scheduleHeldFlush();
  }

  /** Runs a server handshake over `via`; it completes when the client's Finished is verified. */
  async negotiateAsServer(via: RawConnection, options: ServerConfiguration = {}): Promise<void> {
    let settings = { ...serverEngineSettings(options, this.provider), ...this.injected() };
    if (this.options.editServerSettings) settings = this.options.editServerSettings(settings);
    this.begin(via);
    await this.withTimeout(options.handshakeTimeout, () => this.handshake(TLSEngine.server(settings), () => this.engine!.handshakeComplete));
  }

  private injected(): { random?: RandomSource; now?: () => number } {
    return {
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.now ? { now: this.options.now } : {}),
    };
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
        if (!engine.readOpen && !done()) throw new ConnectionClosedError('the peer sent close_notify during the handshake');
        // A flight goes out at once; what follows the handshake (the client's Finished,
        // the server's tickets) waits to leave with the first application write.
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
    if (engine?.hasOutgoing && e instanceof TLSAlertError && e.direction === 'sent') {
      try {
        await this.write(engine.takeOutgoing());
        // End gracefully so the alert is read before the connection goes (a reset could overtake it).
        void this.raw?.close().catch(() => undefined);
        return;
      } catch {
        // The peer may be gone already; the error we report is the alert.
      }
    }
    this.destroyRaw();
  }

  private destroyRaw(): void {
    const raw = this.raw;
    if (!raw) return;
    if (raw.destroy) raw.destroy();
    else void raw.close().catch(() => undefined);
  }

  /** Writes the iovec as one sendBytes, in call order. */
  private write(iovec: Uint8Array[]): Promise<void> {
    if (iovec.length === 0) return this.writeChain;
    const raw = this.raw!;
    const next = this.writeChain.then(() => raw.sendBytes(iovec));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  /** Sends whatever the engine has queued. */
  private flush(): Promise<void> {
    const engine = this.engine;
    this.finishedHeld = false;
    return engine && engine.hasOutgoing ? this.write(engine.takeOutgoing()) : this.writeChain;
  }

  /** The client's Finished waits for the first send or receive; if neither comes this turn, it goes alone. */
  private scheduleHeldFlush(): void {
    if (!this.engine?.hasOutgoing || this.heldFlushScheduled) return;
    this.finishedHeld = true;
    this.heldFlushScheduled = true;
    setImmediate(() => {
      this.heldFlushScheduled = false;
      if (this.failure || this.released || !this.engine?.hasOutgoing) return;
      this.flush().catch((e) => void this.abort(e));
    });
  }

  private ready(operation: string): TLSEngine {
    if (this.failure) throw this.failure;
    if (this.released || this.closedByUs) throw new ConnectionClosedError(`${operation} after close`);
    if (!this.engine || !this.established) throw new TLSServiceError(`${operation} before negotiation completed`);
    return this.engine;
  }

  /** Encrypts and sends plaintext: packed into full records, together with anything held (Finished, tickets), in one write. */
  sendBytes(data: Uint8Array): Promise<void>;
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  async sendBytes(data: ByteSource): Promise<void> {
    const engine = this.ready('sendBytes');
    engine.writePlaintext(data);
    this.finishedHeld = false;
    try {
      await this.write(engine.takeOutgoing());
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new TLSServiceError(String(e));
      throw e;
    }
  }

  /** At most `count` plaintext bytes; the rest stays buffered. Empty once the peer has closed. */
  receiveBytes(count: number): Promise<Uint8Array> {
    const result = this.readChain.then(() => this.receiveOnce(count));
    this.readChain = result.catch(() => undefined);
    return result;
  }

  private async receiveOnce(count: number): Promise<Uint8Array> {
    const engine = this.ready('receiveBytes');
    if (count <= 0) return new Uint8Array(0);
    for (;;) {
      if (engine.hasPlaintext) return engine.readPlaintext(count);
      if (!engine.readOpen || this.peerEnded) return new Uint8Array(0);
      try {
        // A held client Finished must reach the server before we wait for it to speak.
        // Tickets and KeyUpdate answers wait for our next write (RFC 8446 section 4.6.3).
        // The read does not wait for that write, so two peers writing bulk data cannot deadlock.
        if (this.finishedHeld) this.flush().catch((e) => void this.abort(e));
        const bytes = await this.raw!.receiveBytes(READ_BUFFER_SIZE);
        if (this.failure) throw this.failure;
        if (this.closedByUs || this.released) throw new ConnectionClosedError('receiveBytes after close');
        if (bytes.length === 0) {
          this.peerEnded = true;
          continue;
        }
        this.feed(bytes);
      } catch (e) {
        if (e instanceof ConnectionClosedError && (this.closedByUs || this.released)) throw e;
        await this.abort(e);
        throw this.failure ?? e;
      }
    }
  }

  /** Sends close_notify (with anything held) in one write, then closes the raw connection. Idempotent. */
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
      await raw.close().catch(() => undefined);
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
      resumed: false,
      cryptoProvider: this.provider.name,
    };
  }

  /** The session tickets received so far (client role). */
  get tickets(): TLSEngine['tickets'] {
    return this.engine?.tickets ?? [];
  }

  /** Keying material exported from the session (RFC 8446 section 7.5), with node:tls's argument order. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    return this.ready('exportKeyingMaterial').exportKeyingMaterial(label, context, length);
  }

  /** Sends a KeyUpdate, asking the peer to update too when `requestPeerUpdate`. */
  async updateKeys(requestPeerUpdate = false): Promise<void> {
    const engine = this.ready('updateKeys');
    engine.updateKeys(requestPeerUpdate);
    await this.flush();
  }
}
