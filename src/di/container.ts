/**
 * Composition root helpers: one `ContainerModule` per backend, and one call that builds
 * a container for a backend name. Nothing else in the library knows which backend runs.
 */
import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import type { TLSService } from '../tls-service.js';
import type { ClientConfiguration, ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { TOKENS } from './tokens.js';
import { NodeTLSService } from '../../adapters/node-tls/index.js';
import { PlaintextService } from '../../adapters/plaintext/index.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { nobleCryptoProvider } from '../../adapters/noble/crypto/noble.js';
import { nodeCryptoProvider } from '../../adapters/noble/crypto/node.js';
import type { CryptoProvider } from '../../adapters/noble/crypto/provider.js';

/** The names of the backends this build knows. */
export const BACKEND_NAMES = ['noble', 'node-tls', 'plaintext'] as const;
/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Makes a ContainerModule that binds `TLSService` (transient: one per connection) to `create`. */
export function backendModule(name: string, create: () => TLSService): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<string>(TOKENS.BackendName).toConstantValue(name);
    bind<TLSService>(TOKENS.TLSService).toDynamicValue(() => create()).inTransientScope();
  });
}

/** The node:tls (OpenSSL) backend. */
export const nodeTLSModule = backendModule('node-tls', () => new NodeTLSService());
/** The no-encryption baseline. */
export const plaintextModule = backendModule('plaintext', () => new PlaintextService());

/** The crypto providers the noble engine can run on, by name. */
export const CRYPTO_PROVIDERS: Readonly<Record<string, CryptoProvider>> = {
  noble: nobleCryptoProvider,
  node: nodeCryptoProvider,
};

/** The pure-TypeScript TLS 1.3 engine on a crypto provider (`noble` by default, or `node`). */
export function nobleModule(crypto = 'noble'): ContainerModule {
  const provider = CRYPTO_PROVIDERS[crypto];
  if (!provider) {
    throw new ConfigurationError(`unknown crypto provider "${crypto}" (known: ${Object.keys(CRYPTO_PROVIDERS).join(', ')})`);
  }
  return backendModule('noble', () => new NobleTLSService({ provider }));
}

/** The module for a backend name (and crypto provider, for noble); throws ConfigurationError for an unknown one. */
export function moduleFor(backend: string, crypto?: string): ContainerModule {
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
  /** Configuration used for outgoing connections. */
  client?: ClientConfiguration;
  /** Configuration used for accepted connections. */
  server?: ServerConfiguration;
  /** The crypto provider for backends that have a choice (noble: `noble` or `node`). */
  crypto?: string;
}

/** Builds a container with the backend's module and the given configurations bound. */
export function createContainer(backend: string | ContainerModule, options: ContainerOptions = {}): Container {
  const container = new Container();
  container.loadSync(typeof backend === 'string' ? moduleFor(backend, options.crypto) : backend);
  container.bind<ClientConfiguration>(TOKENS.ClientConfiguration).toConstantValue(options.client ?? {});
  container.bind<ServerConfiguration>(TOKENS.ServerConfiguration).toConstantValue(options.server ?? {});
  return container;
}

/** A fresh TLSService from the container (never shared between connections). */
export function serviceFrom(container: Container): TLSService {
  return container.get<TLSService>(TOKENS.TLSService);
}
