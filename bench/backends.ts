/**
 * The backends the benchmarks compare (every name in BACKEND_NAMES, so a backend joins
 * the tables as soon as the container knows it) and the configurations they run with:
 * the test CA and its ECDSA P-256 localhost leaf, as in the Sandwich study.
 */
import type { Container } from 'inversify';
import type { ClientConfiguration, ServerConfiguration } from '../src/configuration.js';
import { BACKEND_NAMES, createContainer, type BackendName, type ContainerOptions, type CryptoProviderName } from '../src/di/container.js';
import { localhostECDSA, testCA } from '../test/fixtures/certs.js';

/** The plaintext baseline's name. */
export const PLAINTEXT = 'plaintext';
/** The node:tls (OpenSSL) backend's name, the other reference of every ratio. */
export const NODE_TLS = 'node-tls';

/** The noble engine on the node:crypto provider, measured beside noble's default provider. */
export const NOBLE_ON_NODE_CRYPTO = 'noble+node-crypto';

/** A bench backend label: a BACKEND_NAMES entry, or the noble engine with another crypto provider. */
function containerArguments(label: string): { backend: BackendName; crypto?: CryptoProviderName } {
  if (label === NOBLE_ON_NODE_CRYPTO) return { backend: 'noble', crypto: 'node' };
  // 'noble' in the tables is the engine on its pure-TypeScript provider (the container's default is node:crypto).
  return label === 'noble' ? { backend: 'noble', crypto: 'noble' } : { backend: label as BackendName };
}

/**
 * Every backend this build knows, plaintext and node-tls first (the references); with
 * `variants`, noble also on the node crypto provider (`noble+node-crypto`).
 */
export function benchBackends(options: { variants?: boolean } = {}): string[] {
  const names: string[] = [...BACKEND_NAMES];
  if (options.variants !== false && names.includes('noble')) names.push(NOBLE_ON_NODE_CRYPTO);
  const rank = (name: string): number => (name === PLAINTEXT ? 0 : name === NODE_TLS ? 1 : 2);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** True when the backend encrypts (everything but plaintext). */
export function isTLS(backend: string): boolean {
  return backend !== PLAINTEXT;
}

/** The client configuration of every benchmark: trust the test CA, connect to localhost. */
export function benchClientConfiguration(extra: ClientConfiguration = {}): ClientConfiguration {
  return { ca: testCA, servername: 'localhost', ...extra };
}

/** The server configuration of every benchmark: the ECDSA P-256 localhost leaf. */
export function benchServerConfiguration(extra: ServerConfiguration = {}): ServerConfiguration {
  return { cert: localhostECDSA.cert, key: localhostECDSA.key, ...extra };
}

/** A container for `backend` with the benchmark configurations bound. */
export function benchContainer(label: string, options: ContainerOptions = {}): Container {
  const { backend, crypto } = containerArguments(label);
  return createContainer(backend, {
    client: benchClientConfiguration(options.client),
    server: benchServerConfiguration(options.server),
    ...(crypto ? { crypto } : {}),
  });
}
