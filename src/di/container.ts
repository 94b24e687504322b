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

/** The names of the backends this build knows. */
export const BACKEND_NAMES = ['noble', 'node-tls', 'plaintext'] as const;
/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The names of the crypto providers the noble engine runs on. */
export const CRYPTO_PROVIDER_NAMES = ['node', 'noble'] as const;
/** A crypto provider name: `node` (node:crypto, the default on Node) or `noble` (pure TypeScript). */
export type CryptoProviderName = (typeof CRYPTO_PROVIDER_NAMES)[number];

/** The crypto provider the noble backend uses when none is named: node:crypto, as rustls defaults to its native provider. */
export const DEFAULT_CRYPTO_PROVIDER: CryptoProviderName = 'node';

/** Makes a ContainerModule that binds `TLSService` (transient: one per connection) to `create`. */
export function backendModule(name: string, create: () => TLSService): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<string>(TOKENS.BackendName).toConstantValue(name);
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
export function nobleModule(crypto: CryptoProviderName | string = DEFAULT_CRYPTO_PROVIDER): ContainerModule {
  const provider = Object.hasOwn(CRYPTO_PROVIDERS, crypto) ? CRYPTO_PROVIDERS[crypto as CryptoProviderName] : undefined;
  if (!provider) {
    throw new ConfigurationError(`unknown crypto provider "${crypto}" (known: ${CRYPTO_PROVIDER_NAMES.join(', ')})`);
  }
  return backendModule('noble', () => new NobleTLSService({ provider }));
}

/** The module for a backend name (and crypto provider, for noble); throws ConfigurationError for an unknown one. */
export function moduleFor(backend: BackendName | string, crypto?: CryptoProviderName | string): ContainerModule {
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
      throw new ConfigurationError(`unknown backend "${backend}" (known: ${BACKEND_NAMES.join(', ')})`);
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
