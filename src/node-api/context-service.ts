/**
 * `ServerContextService`: the TLSService decorator node-style servers put around each
 * connection's backend service. It negotiates with the server's current configuration
 * (so `setSecureContext` affects the next connection) and, with an `SNICallback`, reads
 * the ClientHello's server_name first and lets the callback choose the context, the same
 * way on every backend.
 */
import type { ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import type { RawConnection } from '../raw-connection.js';
import type { TLSService } from '../tls-service.js';
import { ConfiguredService } from '../di/configured-service.js';
import { peekServerName } from './client-hello.js';
import type { NodeServerOptions } from './options.js';
import { SecureContext } from './secure-context.js';

/** What a server tells its connections' services. */
export interface ServerContextSource {
  /** The backend's name (for deriving SecureContext configurations). */
  readonly backend: string;
  /** The configuration new connections negotiate with now. */
  current(): ServerConfiguration;
  /** node:tls's SNICallback, if the server has one. */
  readonly SNICallback?: NodeServerOptions['SNICallback'] | undefined;
  /** Per-connection additions (e.g. the keylog hook of this connection). */
  perConnection?(via: RawConnection): Partial<ServerConfiguration>;
}

/** Asks the SNICallback for a context; resolves with its server configuration, or undefined for the default. */
function contextFor(source: ServerContextSource, servername: string): Promise<ServerConfiguration | undefined> {
  return new Promise((resolve, reject) => {
    source.SNICallback!(servername, (error, context) => {
      if (error) reject(error);
      else if (context === undefined || context === null) resolve(undefined);
      else if (context instanceof SecureContext) resolve(context.serverConfiguration(source.backend));
      else reject(new ConfigurationError('SNICallback must call back with a context from tlsservice createSecureContext()'));
    });
  });
}

/** A backend service that negotiates with the server's current (or SNI-chosen) configuration. */
export class ServerContextService extends ConfiguredService {
  constructor(
    inner: TLSService,
    private readonly source: ServerContextSource,
  ) {
    super(inner, {});
  }

  /** Server role: the current configuration, or the one SNICallback picks for the ClientHello's name. */
  override async negotiateAsServer(via: RawConnection, options: ServerConfiguration = {}): Promise<void> {
    let configuration: ServerConfiguration = { ...options, ...this.source.current(), ...this.source.perConnection?.(via) };
    let raw = via;
    if (this.source.SNICallback) {
      try {
        const peeked = await peekServerName(via);
        raw = peeked.raw;
        const chosen = peeked.servername === null ? undefined : await contextFor(this.source, peeked.servername);
        if (chosen) configuration = { ...configuration, ...chosen };
      } catch (error) {
        raw.destroy?.();
        throw error;
      }
    }
    return super.negotiateAsServer(raw, configuration);
  }
}
