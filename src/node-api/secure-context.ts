/**
 * `createSecureContext(options)`: node:tls's function, for `SNICallback` and
 * `server.setSecureContext`. The options are checked at once (ConfigurationError); the
 * context keeps them and derives the configuration each backend negotiates with.
 */
import type { ServerConfiguration } from '../configuration.js';
import { serverConfigurationFromNode, type NodeServerOptions, type NodeTLSOptions } from './options.js';

/** A checked set of TLS options, as `tls.createSecureContext` returns (`context` is the context itself). */
export class SecureContext {
  private readonly configurations = new Map<string, ServerConfiguration>();

  constructor(
    /** The options it was made from. */
    readonly options: NodeTLSOptions,
    backend = options.backend ?? 'noble',
  ) {
    this.configurations.set(backend, serverConfigurationFromNode(options as NodeServerOptions, backend, false));
  }

  /** node:tls gives the native context here; ours is the object itself. */
  get context(): this {
    return this;
  }

  /** The server configuration for `backend` (checked once per backend). */
  serverConfiguration(backend: string): ServerConfiguration {
    let configuration = this.configurations.get(backend);
    if (!configuration) {
      configuration = serverConfigurationFromNode(this.options as NodeServerOptions, backend, false);
      this.configurations.set(backend, configuration);
    }
    return configuration;
  }
}

/** Like `tls.createSecureContext(options)`: checks the options now; throws ConfigurationError. */
export function createSecureContext(options: NodeTLSOptions = {}): SecureContext {
  return new SecureContext(options);
}
