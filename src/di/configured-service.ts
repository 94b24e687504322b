/**
 * `ConfiguredService`: a TLSService decorator that lays the container's bound
 * ClientConfiguration / ServerConfiguration under the options each negotiation is
 * given. The container's TLSService binding returns one, so `Connection`, `Listener` and
 * the HTTP plug-ins all see the container's configuration the same way.
 */
import type { ClientConfiguration, ServerConfiguration } from '../configuration.js';
import type { ByteSource, RawConnection } from '../raw-connection.js';
import { hasSessions, type NegotiatedParameters, type SessionSource, type TLSService } from '../tls-service.js';

/** Defaults a ConfiguredService applies: per-call options win over them. */
export interface ConfigurationDefaults {
  readonly client?: ClientConfiguration | undefined;
  readonly server?: ServerConfiguration | undefined;
}

/** A TLSService that negotiates with the container's configuration beneath the caller's options. */
export class ConfiguredService implements TLSService, SessionSource {
  constructor(
    /** The backend's own service. */
    readonly inner: TLSService,
    private readonly defaults: ConfigurationDefaults,
  ) {}

  /** The inner backend's name. */
  get backend(): string {
    return this.inner.backend;
  }

  /** Negotiates as the client with the container's client configuration under `options`. */
  negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    return this.inner.negotiateAsClient(via, { ...this.defaults.client, ...definedOnly(options) });
  }

  /** Negotiates as the server with the container's server configuration under `options`. */
  negotiateAsServer(via: RawConnection, options: ServerConfiguration = {}): Promise<void> {
    return this.inner.negotiateAsServer(via, { ...this.defaults.server, ...definedOnly(options) });
  }

  sendBytes(data: Uint8Array): Promise<void>;
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  /** Sends through the inner service. */
  sendBytes(data: ByteSource): Promise<void> {
    return this.inner.sendBytes(data);
  }

  /** Receives through the inner service. */
  receiveBytes(count: number): Promise<Uint8Array> {
    return this.inner.receiveBytes(count);
  }

  /** Write-only shutdown of the inner service (close_notify; reading goes on). */
  shutdownWrite(): Promise<void> {
    return this.inner.shutdownWrite();
  }

  /** Closes the inner service. */
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Releases the inner service. */
  willDeinitConnection(): void {
    this.inner.willDeinitConnection();
  }

  /** What the inner service agreed. */
  get negotiated(): NegotiatedParameters {
    return this.inner.negotiated;
  }

  /** The inner service's newest session, where it has resumption. */
  getSession(): Uint8Array | undefined {
    return hasSessions(this.inner) ? this.inner.getSession() : undefined;
  }

  /** True when the inner service resumed a session. */
  isSessionReused(): boolean {
    return hasSessions(this.inner) ? this.inner.isSessionReused() : this.inner.negotiated.resumed;
  }

  /** Session announcements of the inner service (none where it has no resumption). */
  onSession(listener: (session: Uint8Array) => void): () => void {
    return hasSessions(this.inner) ? this.inner.onSession(listener) : () => undefined;
  }

  /** Server: bytes of accepted 0-RTT data, where the inner service takes early data. */
  get earlyDataReceived(): number | undefined {
    const value = (this.inner as { earlyDataReceived?: unknown }).earlyDataReceived;
    return typeof value === 'number' ? value : undefined;
  }

  /** Keying material from the inner service (RFC 5705 / RFC 8446 section 7.5), where it can export it. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const inner = this.inner as { exportKeyingMaterial?: (length: number, label: string, context?: Uint8Array) => Uint8Array };
    if (!inner.exportKeyingMaterial) throw new TypeError(`the ${this.backend} backend cannot export keying material`);
    return inner.exportKeyingMaterial(length, label, context);
  }
}

/** `options` without its undefined values, so an absent option does not hide a default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}
