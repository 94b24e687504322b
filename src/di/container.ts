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

/** The names of the backends this build knows. */
export const BACKEND_NAMES = ['node-tls', 'plaintext'] as const;
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

const modulesByName: Record<BackendName, ContainerModule> = {
  'node-tls': nodeTLSModule,
  plaintext: plaintextModule,
};

/** The module for a backend name; throws ConfigurationError for an unknown one. */
export function moduleFor(backend: string): ContainerModule {
  const module = (modulesByName as Record<string, ContainerModule | undefined>)[backend];
  if (!module) throw new ConfigurationError(`unknown backend "${backend}" (known: ${BACKEND_NAMES.join(', ')})`);
  return module;
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
  if (options.crypto !== undefined && backend !== 'noble') {
    throw new ConfigurationError(`--crypto applies to the noble backend only, not "${String(backend)}"`);
  }
  container.loadSync(typeof backend === 'string' ? moduleFor(backend) : backend);
  container.bind<ClientConfiguration>(TOKENS.ClientConfiguration).toConstantValue(options.client ?? {});
  container.bind<ServerConfiguration>(TOKENS.ServerConfiguration).toConstantValue(options.server ?? {});
  return container;
}

/** A fresh TLSService from the container (never shared between connections). */
export function serviceFrom(container: Container): TLSService {
  return container.get<TLSService>(TOKENS.TLSService);
}
