/**
 * The TLS part of an HTTP plug-in's options: node:tls option names read and checked by
 * the node-api normalizer (so HTTP-only keys like `keepAlive` or `allowHTTP2` never reach
 * a backend), and the container that picks the backend: the one given, or one built for
 * `backend` (default `noble`).
 */
import type { Container } from 'inversify';
import type { ClientConfiguration, ServerConfiguration } from '../configuration.js';
import { createContainer, type BackendName } from '../di/container.js';
import { TOKENS } from '../di/tokens.js';
import {
  clientConfigurationFromNode, serverConfigurationFromNode, type BackendChoice, type NodeClientOptions, type NodeServerOptions,
} from '../node-api/options.js';
import { peerCertificateOf } from '../node-api/peer-certificate.js';

/** Every plug-in takes a backend name (default `noble`) or the DI container that picks it. */
export type ContainerOption = BackendChoice;

/** The backend used when neither `backend` nor `container` is given. */
export const DEFAULT_BACKEND: BackendName = 'noble';

/** Containers built for a backend name (and crypto provider), shared by every plug-in that names it. */
const containers = new Map<string, Container>();

/** The container the options name, or a shared one for their `backend` (default noble). */
export function containerFrom(options: BackendChoice): Container {
  if (options.container) return options.container;
  const backend = options.backend ?? DEFAULT_BACKEND;
  const key = `${backend}/${options.crypto ?? ''}`;
  let container = containers.get(key);
  if (!container) {
    container = createContainer(backend, options.crypto ? { crypto: options.crypto } : {});
    containers.set(key, container);
  }
  return container;
}

/** The backend's name for these options (asked of the container when there is one). */
export function backendOf(options: BackendChoice): string {
  if (options.container) {
    return options.container.isBound(TOKENS.BackendName) ? options.container.get<string>(TOKENS.BackendName) : 'unknown';
  }
  return options.backend ?? DEFAULT_BACKEND;
}

/** The checked client configuration in `options` (node:tls names). */
export function clientConfigurationFrom(options: object): ClientConfiguration {
  return clientConfigurationFromNode(options as NodeClientOptions, backendOf(options as BackendChoice), peerCertificateOf);
}

/** The checked server configuration in `options` (node:tls names); `identityRequired` false for servers that get one later. */
export function serverConfigurationFrom(options: object, identityRequired = true): ServerConfiguration {
  return serverConfigurationFromNode(options as NodeServerOptions, backendOf(options as BackendChoice), identityRequired);
}

/**
 * The name a host's certificate is checked against: the host itself, IP literals
 * included (they are matched against iPAddress SANs; backends never put them in SNI).
 */
export function servernameFor(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
