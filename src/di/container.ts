/**
 * Composition root helpers: one `ContainerModule` per backend, and one call that builds
 * a container for a backend name. Nothing else in the library knows which backend runs.
 * The TLSService binding lays the container's bound configurations under each
 * negotiation's options (see ConfiguredService), so there is one way to configure.
 */
import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import type { TLSService } from '../tls-service.js';
import type { ClientConfiguration, ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { TOKENS } from './tokens.js';
import { ConfiguredService } from './configured-service.js';
import { NodeTLSService } from '../../adapters/node-tls/index.js';
import { PlaintextService } from '../../adapters/plaintext/index.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { nobleCryptoProvider } from '../crypto/noble.js';
import { nodeCryptoProvider } from '../crypto/node.js';
import type { CryptoProvider } from '../crypto/provider.js';

import { BACKEND_NAMES, CRYPTO_PROVIDER_NAMES, isBackendName, isCryptoProviderName, type BackendName, type CryptoProviderName } from '../names.js';

export { BACKEND_NAMES, CRYPTO_PROVIDER_NAMES, isBackendName, isCryptoProviderName, type BackendName, type CryptoProviderName };

/** The crypto provider the noble backend uses when none is named: node:crypto, as rustls defaults to its native provider. */
export const DEFAULT_CRYPTO_PROVIDER: CryptoProviderName = 'node';

/** Makes a ContainerModule that binds `TLSService` (transient: one per connection) to `create`. */
export function backendModule(name: BackendName, create: () => TLSService): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<BackendName>(TOKENS.BackendName).toConstantValue(name);
    bind<TLSService>(TOKENS.TLSService)
      .toDynamicValue((context) => {
        const client = context.get<ClientConfiguration>(TOKENS.ClientConfiguration, { optional: true });
        const server = context.get<ServerConfiguration>(TOKENS.ServerConfiguration, { optional: true });
        const service = create();
        return client || server ? new ConfiguredService(service, { client, server }) : service;
      })
      .inTransientScope();
  });
}

/** The node:tls (OpenSSL) backend. */
export const nodeTLSModule = backendModule('node-tls', () => new NodeTLSService());
/** The no-encryption baseline. */
export const plaintextModule = backendModule('plaintext', () => new PlaintextService());

/** The crypto providers the noble engine can run on, by name. */
export const CRYPTO_PROVIDERS: Readonly<Record<CryptoProviderName, CryptoProvider>> = {
  noble: nobleCryptoProvider,
  node: nodeCryptoProvider,
};

/** The TLS 1.3 engine on a crypto provider (`node`, the default, or `noble` for pure TypeScript). */
export function nobleModule(crypto: CryptoProviderName = DEFAULT_CRYPTO_PROVIDER): ContainerModule {
  // Checked at run time too, for callers that bypass the types (plain JavaScript, parsed input).
  const provider = isCryptoProviderName(crypto) ? CRYPTO_PROVIDERS[crypto] : undefined;
  if (!provider) {
    throw new ConfigurationError(`unknown crypto provider "${crypto}" (known: ${CRYPTO_PROVIDER_NAMES.join(', ')})`);
  }
  return backendModule('noble', () => new NobleTLSService({ provider }));
}

/** The module for a backend name (and crypto provider, for noble); throws ConfigurationError for an unknown one. */
export function moduleFor(backend: BackendName, crypto?: CryptoProviderName): ContainerModule {
  if (crypto !== undefined && backend !== 'noble') {
    throw new ConfigurationError(`a crypto provider choice applies to the noble backend only, not "${backend}"`);
  }
  switch (backend) {
    case 'noble':
      return nobleModule(crypto);
    case 'node-tls':
      return nodeTLSModule;
    case 'plaintext':
      return plaintextModule;
    default:
      throw new ConfigurationError(`unknown backend "${String(backend)}" (known: ${BACKEND_NAMES.join(', ')})`);
  }
}

/** Options for `createContainer`. */
export interface ContainerOptions {
  /** Configuration used for outgoing connections (the defaults under each connection's own options). */
  client?: ClientConfiguration;
  /** Configuration used for accepted connections (the defaults under each connection's own options). */
  server?: ServerConfiguration;
  /** The crypto provider for the noble backend: `node` (default) or `noble`. */
  crypto?: CryptoProviderName;
}

/** Builds a container with the backend's module and the given configurations bound. */
export function createContainer(backend: BackendName | ContainerModule, options: ContainerOptions = {}): Container {
  const container = new Container();
  container.loadSync(typeof backend === 'string' ? moduleFor(backend, options.crypto) : backend);
  if (options.client) container.bind<ClientConfiguration>(TOKENS.ClientConfiguration).toConstantValue(options.client);
  if (options.server) container.bind<ServerConfiguration>(TOKENS.ServerConfiguration).toConstantValue(options.server);
  return container;
}

/** A fresh TLSService from the container (never shared between connections). */
export function serviceFrom(container: Container): TLSService {
  return container.get<TLSService>(TOKENS.TLSService);
}
