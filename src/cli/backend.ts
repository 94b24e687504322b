/**
 * Turns CLI options into what the library needs: PEM files read from disk, the
 * configuration objects, and a container for the chosen backend.
 */
import { appendFileSync, openSync, readFileSync } from 'node:fs';
import type { Container } from 'inversify';
import type { ClientConfiguration, CommonConfiguration, ServerConfiguration, TLSVersion } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { createContainer, type BackendName, type CryptoProviderName } from '../di/container.js';
import { list } from './args.js';

/** Raw option values both commands share. */
export interface CommonValues {
  backend?: string | boolean | undefined;
  crypto?: string | boolean | undefined;
  alpn?: string | boolean | undefined;
  ca?: string | boolean | undefined;
  cert?: string | boolean | undefined;
  key?: string | boolean | undefined;
  ciphersuites?: string | boolean | undefined;
  groups?: string | boolean | undefined;
  'min-version'?: string | boolean | undefined;
  'max-version'?: string | boolean | undefined;
}

/** A --min-version / --max-version value: TLSv1.2 or TLSv1.3 (node:tls spelling). */
function tlsVersion(option: string, value: string | boolean | undefined): TLSVersion | undefined {
  if (typeof value !== 'string') return undefined;
  if (value !== 'TLSv1.2' && value !== 'TLSv1.3') throw new ConfigurationError(`--${option} ${value}: expected TLSv1.2 or TLSv1.3`);
  return value;
}

/** Reads a PEM file named by an option, with an error that names the option. */
export function readPem(option: string, path: string | boolean | undefined): string | undefined {
  if (typeof path !== 'string') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`--${option} ${path}: ${(error as Error).message}`);
  }
}

/** The configuration both roles share, from the options. */
export function commonConfiguration(values: CommonValues): CommonConfiguration {
  const configuration: CommonConfiguration = {};
  const cert = readPem('cert', values.cert);
  const key = readPem('key', values.key);
  const ca = readPem('ca', values.ca);
  const alpn = list(values.alpn);
  const suites = list(values.ciphersuites);
  const groups = list(values.groups);
  if (cert) configuration.cert = cert;
  if (key) configuration.key = key;
  if (ca) configuration.ca = ca;
  if (alpn) configuration.ALPNProtocols = alpn;
  if (suites) configuration.cipherSuites = suites;
  if (groups) configuration.groups = groups;
  const minVersion = tlsVersion('min-version', values['min-version']);
  const maxVersion = tlsVersion('max-version', values['max-version']);
  if (minVersion) configuration.minVersion = minVersion;
  if (maxVersion) configuration.maxVersion = maxVersion;
  if (process.env['SSLKEYLOGFILE']) {
    const file = process.env['SSLKEYLOGFILE'];
    configuration.keylog = (line) => appendKeyLog(file, line);
  }
  return configuration;
}

/** Key-log files this process has opened (each created with mode 0600 and announced once on stderr). */
const keyLogs = new Map<string, number>();

/** Appends one NSS key-log line to `file`: created readable by its owner only, since it holds session secrets. */
function appendKeyLog(file: string, line: string): void {
  let fd = keyLogs.get(file);
  if (fd === undefined) {
    fd = openSync(file, 'a', 0o600);
    keyLogs.set(file, fd);
    console.error(`tlsservice: writing TLS session secrets to ${file} (SSLKEYLOGFILE; mode 0600): anyone with it can decrypt these connections`);
  }
  appendFileSync(fd, line.endsWith('\n') ? line : `${line}\n`);
}

/** The container for `--backend` (and `--crypto` for the noble engine). */
export function containerFor(
  values: CommonValues,
  roles: { client?: ClientConfiguration; server?: ServerConfiguration },
): Container {
  // Names are checked by moduleFor (ConfigurationError listing the known ones).
  const backend = (typeof values.backend === 'string' ? values.backend : 'node-tls') as BackendName;
  const crypto = (typeof values.crypto === 'string' ? values.crypto : undefined) as CryptoProviderName | undefined;
  return createContainer(backend, { ...roles, ...(crypto ? { crypto } : {}) });
}
