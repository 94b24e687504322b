/**
 * Turns node:tls-style `ClientConfiguration` / `ServerConfiguration` into engine
 * settings: certificate chain and key through the X.509 module, trust anchors and the
 * peer verifier, server name, ALPN, cipher suites and groups. Parsed inputs are cached
 * per configuration object, so a server does not re-parse its PEMs per connection.
 */
import { CertificateVerificationError, ConfigurationError } from '../../src/errors.js';
import { certificateList, nameList, tls12SuitesIn, tls13SuitesIn, type ClientConfiguration, type CommonConfiguration, type ServerConfiguration } from '../../src/configuration.js';
import { ContentCache } from '../../src/content-cache.js';
import type { CryptoProvider, NamedGroupName, PrivateKey, SignatureSchemeName } from '../../src/crypto/provider.js';
import { signatureSchemeByName } from '../../src/crypto/signature-schemes.js';
import {
  parseCertificate,
  parseCertificateChain,
  parsePrivateKey,
  revocationListsFrom,
  trustAnchorsFrom,
  type CertificateRevocationList,
  verifyCertificateChainSync,
  type Certificate,
  type Purpose,
} from '../../src/x509/index.js';
import type { PeerVerifier } from './handshake-context.js';
import type { ClientEngineSettings, CommonEngineSettings, ServerEngineSettings } from './settings.js';
import { enabledVersions } from './tls12/versions.js';
import { tls12SuiteByName } from './tls12/suites.js';
import { cipherSuiteByName, DEFAULT_GROUPS, type CipherSuite } from './suites.js';
import { decodeSession } from './session.js';
import { TicketKeyRing } from '../../src/ticket-keys.js';
import { SettingsMemo } from './settings-memo.js';

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
  /** CRLs every certificate below the anchor is checked against (the `crl` option). */
  readonly crls?: readonly CertificateRevocationList[];
  /** Most intermediates between the leaf and the anchor (the `maxDepth` option). */
  readonly maxDepth?: number;
  /** Replaces the host-name check (servers only): returns an Error to reject the leaf (DER). */
  readonly checkServerIdentity?: ((hostname: string, leaf: Uint8Array) => Error | undefined) | undefined;
}

/** A PeerVerifier that builds a path to a trust anchor, checks validity at the engine clock and, for servers, the host name. */
export function certificateVerifier(options: VerifierOptions): PeerVerifier {
  return (chain, context) => {
    // As node:tls: a client without a servername checks the name 'localhost'; never no name at all.
    const hostname = options.purpose === 'serverAuth' ? (context.serverName ?? 'localhost') : undefined;
    const custom = hostname === undefined ? undefined : options.checkServerIdentity;
    const path = verifyCertificateChainSync({
      leaf: chain[0]!,
      intermediates: chain.slice(1),
      trustAnchors: options.trustAnchors,
      hostname: custom ? undefined : hostname,
      at: new Date(context.now),
      purpose: options.purpose,
      provider: options.provider,
      minimumRsaModulusBits: options.minimumRsaModulusBits,
      crl: options.crls,
      maxDepth: options.maxDepth,
    });
    const rejection = custom?.(hostname!, chain[0]!);
    if (rejection) {
      throw new CertificateVerificationError('hostname_mismatch', `checkServerIdentity rejected the certificate: ${rejection.message}`, { cause: rejection });
    }
    return { publicKey: path[0]!.publicKey, verifiedChain: path.map((certificate) => certificate.der) };
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
const revocationLists = new ContentCache<readonly CertificateRevocationList[]>();
/** Default ticket keys: one self-rotating random ring per server identity, so servers with other certificates never resume each other's tickets. */
const defaultTicketKeys = new ContentCache<TicketKeyRing>();
/** Rings made from 48-byte `ticketKeys`, by content. */
const fixedTicketKeys = new ContentCache<TicketKeyRing>();

function ticketKeysOf(options: ServerConfiguration, provider: CryptoProvider): TicketKeyRing {
  const given = options.ticketKeys;
  if (given instanceof TicketKeyRing) return given;
  if (given !== undefined) {
    if (given.length !== 48) throw new ConfigurationError(`ticketKeys must be 48 bytes, not ${given.length}`);
    return fixedTicketKeys.get([given], () => TicketKeyRing.fixed(given));
  }
  return defaultTicketKeys.get([certificateList(options.cert), options.key], () => TicketKeyRing.generated(provider.random));
}
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

/** The verifier for the peer's chain, from `ca`, `crl` and `maxDepth`. */
function peerVerifier(options: CommonConfiguration, purpose: Purpose, provider: CryptoProvider): PeerVerifier {
  const { crl, maxDepth } = options;
  if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 0)) throw new ConfigurationError('maxDepth must be a whole number, 0 or more');
  const crls = crl === undefined ? undefined : revocationLists.get([certificateList(crl)], () => revocationListsFrom(crl));
  const checkServerIdentity = purpose === 'serverAuth' ? (options as ClientConfiguration).checkServerIdentity : undefined;
  return certificateVerifier({ trustAnchors: trustAnchorsOf(options), purpose, provider, crls, maxDepth, checkServerIdentity });
}

/** DEFAULT_GROUPS that each provider implements, worked out once per provider. */
const defaultGroups = new WeakMap<CryptoProvider, readonly NamedGroupName[]>();

function defaultGroupsOf(provider: CryptoProvider): readonly NamedGroupName[] {
  let groups = defaultGroups.get(provider);
  if (!groups) defaultGroups.set(provider, (groups = Object.freeze(DEFAULT_GROUPS.filter((g) => provider.group(g)))));
  return groups;
}

function commonSettings(options: CommonConfiguration, provider: CryptoProvider): Omit<CommonEngineSettings, 'certificateChain' | 'privateKey'> {
  let cipherSuites: CipherSuite[] | undefined;
  const ciphersSuites = options.ciphers === undefined ? [] : tls13SuitesIn(options.ciphers);
  const suiteNames = nameList(options.cipherSuites) ?? (ciphersSuites.length > 0 ? ciphersSuites : undefined);
  if (suiteNames) {
    cipherSuites = suiteNames.map((name) => {
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
  // The TLS 1.2 suites `ciphers` names by their OpenSSL names, in that order (others are ignored).
  const tls12Names = options.ciphers === undefined ? [] : tls12SuitesIn(options.ciphers).suites;
  const tls12CipherSuites = tls12Names.length > 0 ? tls12Names.map((name) => {
    const suite = tls12SuiteByName(name);
    if (!suite) throw new ConfigurationError(`unsupported TLS 1.2 cipher suite ${name}`);
    return suite;
  }) : undefined;
  return {
    provider,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
    cipherSuites,
    ...(tls12CipherSuites ? { tls12CipherSuites } : {}),
    ...(options.signatureAlgorithms ? { signatureSchemes: signatureSchemesOf(options.signatureAlgorithms) } : {}),
    groups: groups ?? defaultGroupsOf(provider),
    alpnProtocols: options.ALPNProtocols,
    keylog: options.keylog,
    ...(options.recordSizeLimit !== undefined ? { recordSizeLimit: options.recordSizeLimit } : {}),
  };
}

/** `signatureAlgorithms` as scheme names; an unknown name is a ConfigurationError. */
function signatureSchemesOf(names: readonly string[]): SignatureSchemeName[] {
  return names.map((name) => {
    const scheme = signatureSchemeByName(name);
    if (!scheme) throw new ConfigurationError(`unsupported signature algorithm ${name} in sigalgs`);
    return scheme;
  });
}

function pskModesOf(options: CommonConfiguration) {
  const modes = options.pskKeyExchangeModes;
  if (modes && (modes.length === 0 || modes.some((m) => m !== 'psk_ke' && m !== 'psk_dhe_ke'))) {
    throw new ConfigurationError('pskKeyExchangeModes lists psk_ke and/or psk_dhe_ke');
  }
  return modes ? { pskModes: modes } : {};
}

/** Settings built per configuration content and provider, so per-connection copies of one configuration share them (settings-memo.ts). */
const serverSettingsMemo = new SettingsMemo<ServerConfiguration, ServerEngineSettings>();
const clientSettingsMemo = new SettingsMemo<ClientConfiguration, ClientEngineSettings>();

/** Engine settings for a client. */
export function clientEngineSettings(options: ClientConfiguration, provider: CryptoProvider): ClientEngineSettings {
  // The session, the early data and a keylog hook (per connection in the node API) change
  // with every connection: they stay out of the memo.
  const { session, earlyData, keylog, ...rest } = options;
  const settings = clientSettingsMemo.get(provider, rest, () => buildClientEngineSettings(rest, provider));
  if (!session && !earlyData && !keylog) return settings;
  return {
    ...settings,
    ...(session ? { session: decodeSession(session) } : {}),
    ...(earlyData ? { earlyData } : {}),
    ...(keylog ? { keylog } : {}),
  };
}

function buildClientEngineSettings(options: Omit<ClientConfiguration, 'session' | 'earlyData' | 'keylog'>, provider: CryptoProvider): ClientEngineSettings {
  const identity = identityOf(options);
  const verifyServer =
    options.rejectUnauthorized === false
      ? acceptAnyCertificate
      : peerVerifier(options, 'serverAuth', provider);
  return {
    ...commonSettings(options, provider),
    serverName: options.servername,
    verifyServer,
    ...pskModesOf(options),
    ...(identity ? { certificateChain: identity.chain, privateKey: identity.key } : {}),
  };
}

/** Engine settings for a server; `cert` and `key` are required. */
export function serverEngineSettings(options: ServerConfiguration, provider: CryptoProvider): ServerEngineSettings {
  // A keylog hook is per connection in the node API (tls-server.ts): it stays out of the memo.
  const { keylog, ...rest } = options;
  const settings = serverSettingsMemo.get(provider, rest, () => buildServerEngineSettings(rest, provider));
  return keylog ? { ...settings, keylog } : settings;
}

function buildServerEngineSettings(options: Omit<ServerConfiguration, 'keylog'>, provider: CryptoProvider): ServerEngineSettings {
  const identity = identityOf(options);
  if (!identity) throw new ConfigurationError('a server needs cert and key');
  const requested = options.requestCert === true;
  const strict = options.rejectUnauthorized !== false;
  return {
    ...commonSettings(options, provider),
    certificateChain: identity.chain,
    privateKey: identity.key,
    ...additionalCredentialsOf(options),
    ...(options.ALPNCallback ? { selectAlpn: alpnSelector(options.ALPNCallback) } : {}),
    clientAuthentication: requested ? (strict ? 'require' : 'request') : 'none',
    ticketKeys: ticketKeysOf(options, provider),
    ...(options.ticketCount !== undefined ? { ticketCount: ticketCountOf(options.ticketCount) } : {}),
    ...(options.sessionTimeout !== undefined ? { ticketLifetimeSeconds: Math.min(Math.max(0, Math.floor(options.sessionTimeout)), 604800) } : {}),
    ...pskModesOf(options),
    ...(options.maxEarlyData !== undefined ? { maxEarlyData: maxEarlyDataOf(options.maxEarlyData) } : {}),
    verifyClient: requested
      ? strict
        ? peerVerifier(options, 'clientAuth', provider)
        : acceptAnyCertificate
      : undefined,
  };
}

/** node:tls's `ALPNCallback` as the engine's selector. */
function alpnSelector(callback: NonNullable<ServerConfiguration['ALPNCallback']>): NonNullable<ServerEngineSettings['selectAlpn']> {
  return (offered, servername) => callback({ servername, protocols: [...offered] });
}

/** `additionalIdentities`, parsed (and cached) like `cert`/`key`. */
function additionalCredentialsOf(options: ServerConfiguration): Pick<ServerEngineSettings, 'additionalCredentials'> {
  const extra = options.additionalIdentities ?? [];
  if (extra.length === 0) return {};
  const additionalCredentials = extra.map((pair) => {
    const parsed = identityOf(pair)!;
    return { certificateChain: parsed.chain, privateKey: parsed.key };
  });
  return { additionalCredentials };
}

/** The largest `maxEarlyData` accepted: 1 MiB of early data per connection. */
export const MAX_EARLY_DATA_LIMIT = 1 << 20;

function maxEarlyDataOf(size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_EARLY_DATA_LIMIT) {
    throw new ConfigurationError(`maxEarlyData must be an integer from 0 to ${MAX_EARLY_DATA_LIMIT}`);
  }
  return size;
}

/** The most NewSessionTickets one handshake may send. */
export const MAX_TICKET_COUNT = 16;

function ticketCountOf(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > MAX_TICKET_COUNT) {
    throw new ConfigurationError(`ticketCount must be an integer from 0 to ${MAX_TICKET_COUNT}`);
  }
  return count;
}
