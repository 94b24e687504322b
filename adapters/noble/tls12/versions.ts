/**
 * Protocol version choice between TLS 1.2 and TLS 1.3 (RFC 8446 sections 4.1.1, 4.2.1,
 * appendix D): the versions a configuration enables (node:tls's minVersion/maxVersion,
 * default TLSv1.2 to TLSv1.3), and the server's pick from a ClientHello.
 */
import { ConfigurationError, TLSAlertError } from '../../../src/errors.js';
import type { TLSVersion } from '../../../src/configuration.js';
import { decodeSupportedVersionsList, ExtensionType, findExtension, TLS12, TLS13 } from '../codec/extensions.js';
import type { ClientHello } from '../codec/handshake.js';
import type { CommonEngineSettings } from '../settings.js';

/** The versions a configuration speaks. */
export interface EnabledVersions {
  readonly tls12: boolean;
  readonly tls13: boolean;
}

const ORDER: Readonly<Record<TLSVersion, number>> = { 'TLSv1.2': 2, 'TLSv1.3': 3 };

/** The enabled versions from minVersion/maxVersion; ConfigurationError for an unknown name or min above max. */
export function enabledVersions(settings: Pick<CommonEngineSettings, 'minVersion' | 'maxVersion'>): EnabledVersions {
  const min = settings.minVersion ?? 'TLSv1.2';
  const max = settings.maxVersion ?? 'TLSv1.3';
  if (!Object.hasOwn(ORDER, min)) throw new ConfigurationError(`minVersion ${min} is not supported (TLSv1.2 or TLSv1.3)`);
  if (!Object.hasOwn(ORDER, max)) throw new ConfigurationError(`maxVersion ${max} is not supported (TLSv1.2 or TLSv1.3)`);
  if (ORDER[min] > ORDER[max]) throw new ConfigurationError(`minVersion ${min} is above maxVersion ${max}`);
  return { tls12: ORDER[min] <= 2, tls13: ORDER[max] >= 3 };
}

/**
 * The version a server negotiates for `hello` (RFC 8446 section 4.2.1): from
 * supported_versions when present, else from legacy_version (a pre-1.3 client). Nothing
 * in common is protocol_version.
 */
export function chooseServerVersion(enabled: EnabledVersions, hello: ClientHello & { readonly legacyVersion: number }): TLSVersion {
  // Appendix D.5: a legacy_version of SSL 3.0 or older is refused outright.
  if (hello.legacyVersion <= 0x0300) {
    throw TLSAlertError.sent('protocol_version', `ClientHello.legacy_version 0x${hello.legacyVersion.toString(16).padStart(4, '0')} is SSL 3.0 or older`);
  }
  const body = findExtension(hello.extensions, ExtensionType.supported_versions);
  const offered = body ? decodeSupportedVersionsList(body) : hello.legacyVersion >= TLS12 ? [TLS12] : [];
  if (enabled.tls13 && offered.includes(TLS13)) return 'TLSv1.3';
  if (enabled.tls12 && offered.includes(TLS12)) return 'TLSv1.2';
  throw TLSAlertError.sent('protocol_version', enabled.tls13 && !enabled.tls12 ? 'client does not offer TLS 1.3' : 'client offers no protocol version we speak');
}
