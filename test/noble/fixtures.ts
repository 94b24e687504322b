/**
 * Test certificates (generated once with openssl, committed under test/fixtures/noble/):
 * a P-256 test CA and leaves for localhost with ECDSA P-256/P-384, Ed25519 and RSA-2048
 * keys, plus a client certificate. Also engine settings built from them.
 */
import { readFileSync } from 'node:fs';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { clientEngineSettings, serverEngineSettings } from '../../adapters/noble/config.js';
import type { ClientEngineSettings, ServerEngineSettings } from '../../adapters/noble/settings.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';

const dir = new URL('../../../test/fixtures/noble/', import.meta.url);

/** A fixture file's text. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

/** Certificate kinds with fixtures. */
export type CertificateKind = 'ecdsa' | 'ecdsa384' | 'ed25519' | 'rsa';

/** The test CA certificate (PEM). */
export const caPem = fixture('ca.pem');

/** cert + key for a server of `kind`. */
export function serverIdentity(kind: CertificateKind = 'ecdsa'): { cert: string; key: string } {
  return { cert: fixture(`${kind}.pem`), key: fixture(`${kind}-key.pem`) };
}

/** cert + key of the test client. */
export const clientIdentity = { cert: fixture('client.pem'), key: fixture('client-key.pem') };

/** Client engine settings trusting the test CA for `localhost`. */
export function testClientSettings(extra: ClientConfiguration = {}, engine: Partial<ClientEngineSettings> = {}): ClientEngineSettings {
  return { ...clientEngineSettings({ ca: caPem, servername: 'localhost', ...extra }, nobleCryptoProvider), ...engine };
}

/** Server engine settings with a certificate of `kind`. */
export function testServerSettings(
  kind: CertificateKind = 'ecdsa',
  extra: ServerConfiguration = {},
  engine: Partial<ServerEngineSettings> = {},
): ServerEngineSettings {
  return { ...serverEngineSettings({ ...serverIdentity(kind), ca: caPem, ...extra }, nobleCryptoProvider), ...engine };
}
