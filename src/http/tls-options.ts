/**
 * Splits the TLS part out of an HTTP plug-in's options and merges it over the
 * configuration bound in the container, so HTTP-only keys (`keepAlive`, `maxSockets`,
 * `allowHTTP2`, ...) never reach a backend.
 */
import type { Container } from 'inversify';
import type { ClientConfiguration, CommonConfiguration, ServerConfiguration } from '../configuration.js';
import { TOKENS } from '../di/tokens.js';

/** Every HTTP plug-in takes the container that picks the backend. */
export interface ContainerOption {
  /** The DI container whose `TLSService` binding (the backend) runs each connection. */
  readonly container: Container;
}

const commonKeys: readonly (keyof CommonConfiguration)[] = [
  'cert',
  'key',
  'ca',
  'ALPNProtocols',
  'minVersion',
  'maxVersion',
  'cipherSuites',
  'groups',
  'handshakeTimeout',
  'keylog',
  'pskKeyExchangeModes',
];
const clientKeys: readonly (keyof ClientConfiguration)[] = [...commonKeys, 'servername', 'rejectUnauthorized', 'session'];
const serverKeys: readonly (keyof ServerConfiguration)[] = [
  ...commonKeys,
  'requestCert',
  'rejectUnauthorized',
  'ticketKeys',
  'ticketCount',
  'sessionTimeout',
  'maxEarlyData',
  'antiReplay',
];

function pick<T extends object>(source: object, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const key of keys) {
    const value = (source as Partial<T>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

function bound<T>(container: Container, token: symbol): T | undefined {
  return container.isBound(token) ? container.get<T>(token) : undefined;
}

/** The container's ClientConfiguration with the TLS keys of `options` laid over it. */
export function clientConfigurationFrom(container: Container, options: object): ClientConfiguration {
  const base = bound<ClientConfiguration>(container, TOKENS.ClientConfiguration) ?? {};
  return { ...pick<ClientConfiguration>(base, clientKeys), ...pick<ClientConfiguration>(options, clientKeys) };
}

/** The container's ServerConfiguration with the TLS keys of `options` laid over it. */
export function serverConfigurationFrom(container: Container, options: object): ServerConfiguration {
  const base = bound<ServerConfiguration>(container, TOKENS.ServerConfiguration) ?? {};
  return { ...pick<ServerConfiguration>(base, serverKeys), ...pick<ServerConfiguration>(options, serverKeys) };
}

/**
 * The name a host's certificate is checked against: the host itself, IP literals
 * included (they are matched against iPAddress SANs; backends never put them in SNI).
 */
export function servernameFor(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
