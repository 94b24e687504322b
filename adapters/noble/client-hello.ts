/**
 * The client's ClientHello (RFC 8446 section 4.1.2): the extensions we offer, shaped by
 * `editExtensions` when a test or an experiment asks, framed, hashed and queued. Used for
 * the first hello and for the second one after a HelloRetryRequest.
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  NamedGroup,
  SignatureScheme,
  type ClientKeyShare,
  type KeyExchangeGroup,
  type NamedGroupName,
  type SignatureSchemeName,
} from '../../src/crypto/provider.js';
import { encodeClientHello, frameHandshake, HandshakeType } from './codec/handshake.js';
import {
  encodeAlpn,
  encodeClientKeyShares,
  encodeCookie,
  encodePskModes,
  encodeRecordSizeLimit,
  encodeServerName,
  encodeSupportedVersionsList,
  encodeU16List,
  ExtensionType,
  TLS12,
  TLS13,
  type Extension,
} from './codec/extensions.js';
import type { HandshakeContext } from './handshake-context.js';
import { bindClientHello, DEFAULT_PSK_MODES, pskExtension, pskModeCode, type PskOffer } from './psk.js';
import type { CipherSuite } from './suites.js';
import type { ClientEngineSettings } from './settings.js';
import type { ResumableSession } from './session.js';
import { encodeEmptyRenegotiationInfo, encodeUncompressedPointFormats } from './tls12/messages.js';
import { tls12SignatureSchemes } from './tls12/session-keys.js';
import { TLS12_GROUPS, type Tls12CipherSuite } from './tls12/suites.js';
import type { EnabledVersions } from './tls12/versions.js';

/** Client settings with every default filled in. */
export interface ClientPolicy {
  readonly settings: ClientEngineSettings;
  readonly suites: readonly CipherSuite[];
  readonly groups: readonly NamedGroupName[];
  readonly keyShareGroups: readonly NamedGroupName[];
  readonly signatureSchemes: readonly SignatureSchemeName[];
  readonly certificateSignatureSchemes: readonly SignatureSchemeName[];
  /** The protocol versions offered (minVersion/maxVersion). */
  readonly versions: EnabledVersions;
  /** The TLS 1.2 suites offered when TLS 1.2 is enabled, after the TLS 1.3 ones. */
  readonly tls12Suites: readonly Tls12CipherSuite[];
}

/** The groups a ClientHello offers: every configured one with TLS 1.3, those TLS 1.2 ECDHE can use without it. */
export function offeredGroups(policy: ClientPolicy): readonly NamedGroupName[] {
  if (policy.versions.tls13) return policy.groups;
  return policy.groups.filter((g) => (TLS12_GROUPS as readonly string[]).includes(g));
}

/** The signature_algorithms a ClientHello offers: TLS 1.2 adds RSASSA-PKCS1-v1_5 (RFC 5246 section 7.4.1.4.1), which TLS 1.3 forbids in CertificateVerify. */
export function offeredSignatureSchemes(policy: ClientPolicy): readonly SignatureSchemeName[] {
  return policy.versions.tls12 ? tls12SignatureSchemes(policy.signatureSchemes) : policy.signatureSchemes;
}

/** What the client remembers from its ClientHello. */
export interface ClientHelloState {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly shares: readonly ClientKeyShare[];
  readonly extensions: readonly Extension[];
  readonly retried: boolean;
  readonly retrySuite: CipherSuite | undefined;
  readonly ccsSent: boolean;
  /** The session offered as a PSK, if any (section 4.2.11). */
  readonly psk: PskOffer | undefined;
  /** True when this hello offers 0-RTT data (section 4.2.10). */
  readonly earlyData: boolean;
  /** The TLS 1.2 session offered in the SessionTicket extension (RFC 5077 section 3.2), if any. */
  readonly ticket12: ResumableSession | undefined;
  /** The framed hello as sent. */
  readonly raw: Uint8Array;
}

const isIpAddress = (name: string): boolean => /^[0-9.]+$/.test(name) || name.includes(':');

/** The provider's implementation of `name`; internal_error when it lacks one we offered. */
export function groupOf(ctx: HandshakeContext, name: NamedGroupName): KeyExchangeGroup {
  const group = ctx.provider.group(name);
  if (!group) throw TLSAlertError.sent('internal_error', `the crypto provider lacks group ${name}`);
  return group;
}

/** The most distinct client configurations whose fixed extensions are kept encoded. */
const STATIC_EXTENSION_SETS = 32;
/** Encoded fixed extensions (everything before key_share) by the settings they come from. */
const staticExtensionSets = new Map<string, readonly Extension[]>();

/**
 * The extensions that depend only on the settings (server_name, groups, signature schemes,
 * ALPN, record_size_limit, versions, PSK modes), encoded once per distinct configuration; a fresh list each call,
 * its entries shared (nothing writes to extension bodies).
 */
function staticExtensions(policy: ClientPolicy, recordSizeLimit: number): Extension[] {
  const s = policy.settings;
  const { tls12, tls13 } = policy.versions;
  const modes = s.pskModes ?? DEFAULT_PSK_MODES;
  const groups = offeredGroups(policy);
  const schemes = offeredSignatureSchemes(policy);
  const id = JSON.stringify([s.serverName ?? null, groups, schemes, policy.certificateSignatureSchemes, s.alpnProtocols ?? [], modes, recordSizeLimit, tls12, tls13]);
  let set = staticExtensionSets.get(id);
  if (!set) {
    const ext: Extension[] = [];
    if (s.serverName && !isIpAddress(s.serverName)) ext.push({ type: ExtensionType.server_name, data: encodeServerName(s.serverName) });
    ext.push({ type: ExtensionType.supported_groups, data: encodeU16List(groups.map((g) => NamedGroup[g])) });
    ext.push({ type: ExtensionType.signature_algorithms, data: encodeU16List(schemes.map((n) => SignatureScheme[n])) });
    ext.push({
      type: ExtensionType.signature_algorithms_cert,
      data: encodeU16List(policy.certificateSignatureSchemes.map((n) => SignatureScheme[n])),
    });
    if (s.alpnProtocols?.length) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn(s.alpnProtocols) });
    ext.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(recordSizeLimit) });
    if (tls12) {
      // TLS 1.2 requirements (RFC 7627, RFC 5746 section 3.4, RFC 8422 section 5.1.2).
      ext.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
      ext.push({ type: ExtensionType.renegotiation_info, data: encodeEmptyRenegotiationInfo() });
      ext.push({ type: ExtensionType.ec_point_formats, data: encodeUncompressedPointFormats() });
    }
    if (tls13) {
      ext.push({ type: ExtensionType.supported_versions, data: encodeSupportedVersionsList(tls12 ? [TLS13, TLS12] : [TLS13]) });
      ext.push({ type: ExtensionType.psk_key_exchange_modes, data: encodePskModes(modes.map(pskModeCode)) });
    }
    set = Object.freeze(ext.map((e) => Object.freeze(e)));
    staticExtensionSets.set(id, set);
    if (staticExtensionSets.size > STATIC_EXTENSION_SETS) staticExtensionSets.delete(staticExtensionSets.keys().next().value!);
  }
  return [...set];
}

/** Builds, shapes and sends a ClientHello (section 4.1.2). */
export function sendClientHello(
  ctx: HandshakeContext,
  policy: ClientPolicy,
  hello: Omit<ClientHelloState, 'extensions' | 'raw'>,
  cookie?: Uint8Array,
): ClientHelloState {
  const s = policy.settings;
  const { tls13 } = policy.versions;
  const ext: Extension[] = staticExtensions(policy, ctx.recordSizeLimit);
  if (tls13) {
    ext.push({
      type: ExtensionType.key_share,
      data: encodeClientKeyShares(hello.shares.map((k) => ({ group: NamedGroup[k.group], keyExchange: k.share }))),
    });
  }
  if (cookie) ext.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
  // RFC 5077 section 3.2: a TLS 1.2 session's ticket, or an empty extension asking for one.
  if (policy.versions.tls12) ext.push({ type: ExtensionType.session_ticket, data: hello.ticket12?.ticket ?? new Uint8Array(0) });
  const extensions = s.editExtensions ? [...s.editExtensions('client_hello', ext)] : ext;
  if (hello.earlyData) extensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  // pre_shared_key goes last, after any reshaping (section 4.2.11).
  if (hello.psk) extensions.push(pskExtension(hello.psk, ctx.now()));
  const message = frameHandshake(
    HandshakeType.client_hello,
    encodeClientHello({
      random: hello.random,
      legacySessionId: hello.sessionId,
      cipherSuites: [...(tls13 ? policy.suites : []), ...(policy.versions.tls12 ? policy.tls12Suites : [])].map((x) => x.code),
      legacyCompressionMethods: Uint8Array.of(0),
      extensions,
    }),
  );
  if (hello.psk) bindClientHello(hello.psk, message.raw, (partial) => binderHash(ctx, hello, partial));
  ctx.transcript.add(message.raw);
  ctx.send(message);
  return { ...hello, extensions, raw: message.raw };
}

/** Transcript-Hash(messages before this hello + the truncated hello): after a HelloRetryRequest the transcript holds them. */
function binderHash(ctx: HandshakeContext, hello: Omit<ClientHelloState, 'extensions' | 'raw'>, partial: Uint8Array): Uint8Array {
  return hello.retried ? ctx.transcript.hashWith(partial) : ctx.provider.hash(hello.psk!.session.suite.hash).digest(partial);
}
