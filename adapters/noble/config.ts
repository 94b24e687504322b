/**
 * Turns node:tls-style `ClientConfiguration` / `ServerConfiguration` into engine
 * settings: certificate chain and key through the X.509 module, trust anchors and the
 * peer verifier, server name, ALPN, cipher suites and groups. Parsed inputs are cached
 * per configuration object, so a server does not re-parse its PEMs per connection.
 */
import { ConfigurationError } from '../../src/errors.js';
import { certificateList, type ClientConfiguration, type CommonConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import { ContentCache } from '../../src/content-cache.js';
import type { CryptoProvider, NamedGroupName, PrivateKey } from './crypto/provider.js';
import {
  parseCertificate,
  parseCertificateChain,
  parsePrivateKey,
  trustAnchorsFrom,
  verifyCertificateChainSync,
  type Certificate,
  type Purpose,
} from './x509/index.js';
import type { PeerVerifier } from './handshake-context.js';
import type { ClientEngineSettings, CommonEngineSettings, ServerEngineSettings } from './settings.js';
import { enabledVersions } from './tls12/versions.js';
import { cipherSuiteByName, DEFAULT_GROUPS, type CipherSuite } from './suites.js';

/** Group names accepted in `groups` (node:tls `ecdhCurve` spellings and IANA names). */
const GROUP_NAMES: Readonly<Record<string, NamedGroupName>> = {
  x25519: 'x25519',
  'p-256': 'secp256r1',
  prime256v1: 'secp256r1',
  secp256r1: 'secp256r1',
  'p-384': 'secp384r1',
  secp384r1: 'secp384r1',
  'p-521': 'secp521r1',
  secp521r1: 'secp521r1',
  x448: 'x448',
  ffdhe2048: 'ffdhe2048',
  ffdhe3072: 'ffdhe3072',
  ffdhe4096: 'ffdhe4096',
  ffdhe6144: 'ffdhe6144',
  ffdhe8192: 'ffdhe8192',
  x25519mlkem768: 'X25519MLKEM768',
};

/** The display name of a group in `NegotiatedParameters` (node:tls spelling; OpenSSL's group names for FFDHE). */
export const GROUP_DISPLAY_NAMES: Readonly<Record<NamedGroupName, string>> = {
  x25519: 'X25519',
  x448: 'X448',
  secp256r1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  ffdhe2048: 'ffdhe2048',
  ffdhe3072: 'ffdhe3072',
  ffdhe4096: 'ffdhe4096',
  ffdhe6144: 'ffdhe6144',
  ffdhe8192: 'ffdhe8192',
  X25519MLKEM768: 'X25519MLKEM768',
};

/** Options of the verifier `certificateVerifier` builds. */
export interface VerifierOptions {
  readonly trustAnchors: readonly Certificate[];
  readonly purpose: Purpose;
  readonly provider: CryptoProvider;
  /** Smallest RSA modulus accepted in certificate signatures (the X.509 default is 2048). */
  readonly minimumRsaModulusBits?: number;
}

/** A PeerVerifier that builds a path to a trust anchor, checks validity at the engine clock and, for servers, the host name. */
export function certificateVerifier(options: VerifierOptions): PeerVerifier {
  return (chain, context) => {
    const path = verifyCertificateChainSync({
      leaf: chain[0]!,
      intermediates: chain.slice(1),
      trustAnchors: options.trustAnchors,
      // As node:tls: a client without a servername checks the name 'localhost'; never no name at all.
      hostname: options.purpose === 'serverAuth' ? (context.serverName ?? 'localhost') : undefined,
      at: new Date(context.now),
      purpose: options.purpose,
      provider: options.provider,
      minimumRsaModulusBits: options.minimumRsaModulusBits,
    });
    return path[0]!.publicKey;
  };
}

/** A PeerVerifier that validates nothing and only reads the leaf's key: what `rejectUnauthorized: false` asks for. */
export const acceptAnyCertificate: PeerVerifier = (chain) => parseCertificate(chain[0]!).publicKey;

interface ParsedIdentity {
  readonly chain: Uint8Array[];
  readonly key: PrivateKey;
}

/** Parsed chains and keys, and parsed trust anchors, by configuration content: per-connection copies share them. */
const identities = new ContentCache<ParsedIdentity | null>();
const anchors = new ContentCache<readonly Certificate[]>();
let defaultAnchors: readonly Certificate[] | undefined;

function identityOf(options: CommonConfiguration): ParsedIdentity | null {
  const { cert, key } = options;
  return identities.get([certificateList(cert), key], () => {
    if (cert === undefined && key === undefined) return null;
    if (cert === undefined || key === undefined) throw new ConfigurationError('cert and key must be given together');
    const chain = parseCertificateChain(cert);
    if (chain.length === 0) throw new ConfigurationError('cert holds no certificate');
    return { chain, key: parsePrivateKey(key) };
  });
}

function trustAnchorsOf(options: CommonConfiguration): readonly Certificate[] {
  const { ca } = options;
  if (ca === undefined) return (defaultAnchors ??= trustAnchorsFrom());
  return anchors.get([certificateList(ca)], () => trustAnchorsFrom(ca));
}

function commonSettings(options: CommonConfiguration, provider: CryptoProvider): Omit<CommonEngineSettings, 'certificateChain' | 'privateKey'> {
  let cipherSuites: CipherSuite[] | undefined;
  if (options.cipherSuites) {
    cipherSuites = options.cipherSuites.map((name) => {
      const suite = cipherSuiteByName(name);
      if (!suite) throw new ConfigurationError(`unsupported cipher suite ${name}`);
      return suite;
    });
    if (cipherSuites.length === 0) throw new ConfigurationError('cipherSuites is empty');
  }
  let groups: NamedGroupName[] | undefined;
  if (options.groups) {
    groups = options.groups.map((name) => {
      const key = name.toLowerCase();
      const group = Object.hasOwn(GROUP_NAMES, key) ? GROUP_NAMES[key] : undefined;
      if (!group || !provider.group(group)) throw new ConfigurationError(`unsupported group ${name}`);
      return group;
    });
    if (groups.length === 0) throw new ConfigurationError('groups is empty');
  }
  enabledVersions(options);
  return {
    provider,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
    cipherSuites,
    groups: groups ?? DEFAULT_GROUPS.filter((g) => provider.group(g)),
    alpnProtocols: options.ALPNProtocols,
    keylog: options.keylog,
  };
}

/** Engine settings for a client. */
export function clientEngineSettings(options: ClientConfiguration, provider: CryptoProvider): ClientEngineSettings {
  const identity = identityOf(options);
  const verifyServer =
    options.rejectUnauthorized === false
      ? acceptAnyCertificate
      : certificateVerifier({ trustAnchors: trustAnchorsOf(options), purpose: 'serverAuth', provider });
  return {
    ...commonSettings(options, provider),
    serverName: options.servername,
    verifyServer,
    ...(identity ? { certificateChain: identity.chain, privateKey: identity.key } : {}),
  };
}

/** Engine settings for a server; `cert` and `key` are required. */
export function serverEngineSettings(options: ServerConfiguration, provider: CryptoProvider): ServerEngineSettings {
  const identity = identityOf(options);
  if (!identity) throw new ConfigurationError('a server needs cert and key');
  const requested = options.requestCert === true;
  const strict = options.rejectUnauthorized !== false;
  return {
    ...commonSettings(options, provider),
    certificateChain: identity.chain,
    privateKey: identity.key,
    clientAuthentication: requested ? (strict ? 'require' : 'request') : 'none',
    verifyClient: requested
      ? strict
        ? certificateVerifier({ trustAnchors: trustAnchorsOf(options), purpose: 'clientAuth', provider })
        : acceptAnyCertificate
      : undefined,
  };
}
