/**
 * The server's choices from a ClientHello (RFC 8446 sections 4.1.1 and 4.2): protocol
 * version, cipher suite, key-exchange group (or a HelloRetryRequest), signature scheme,
 * ALPN protocol and server name, each check sending the alert the RFC names.
 */
import { TLSAlertError } from '../../src/errors.js';
import { NamedGroup, type NamedGroupName, type SignatureSchemeName } from '../../src/crypto/provider.js';
import { groupNameOf, groupParameters } from '../../src/crypto/group-parameters.js';
import type { ClientHello } from './codec/handshake.js';
import {
  decodeAlpn,
  decodeClientKeyShares,
  decodeCookie,
  decodePskModes,
  decodeServerName,
  decodeSupportedVersionsList,
  decodeU16List,
  ExtensionType,
  findExtension,
  TLS13,
  type KeyShareEntry,
} from './codec/extensions.js';
import { bytesEqual, type HandshakeContext } from './handshake-context.js';
import { chooseCredential, type ServerCredential } from './server-credentials.js';
import type { CipherSuite } from './suites.js';
import type { ServerEngineSettings } from './settings.js';

/** Server settings with every default filled in. */
export interface ServerPolicy {
  readonly settings: ServerEngineSettings;
  readonly suites: readonly CipherSuite[];
  readonly groups: readonly NamedGroupName[];
  readonly signatureSchemes: readonly SignatureSchemeName[];
  readonly certificateSignatureSchemes: readonly SignatureSchemeName[];
  /** Begin each costly step of the TLS 1.3 server handshake in a turn of its own (next-turn.ts). */
  readonly splitServerFlight?: boolean;
}

/** What the first ClientHello fixed, carried into the retried one. */
export interface RetryState {
  /** The first ClientHello: the second must repeat it except where section 4.1.2 allows changes. */
  readonly firstHello: ReceivedClientHello;
  readonly suite: CipherSuite;
  readonly group: NamedGroupName;
  readonly cookie: Uint8Array | undefined;
  readonly ccsSent: boolean;
}

/** A decoded ClientHello with its legacy_version. */
export type ReceivedClientHello = ClientHello & { readonly legacyVersion: number };

/** The parameters chosen from a ClientHello. */
export interface ChosenParameters {
  readonly suite: CipherSuite;
  readonly group: NamedGroupName;
  readonly clientShare: KeyShareEntry | undefined;
  readonly scheme: SignatureSchemeName;
  /** The certificate/key pair presented (one of ours whose key can sign `scheme`). */
  readonly credential: ServerCredential;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
}

/**
 * RFC 8446 section 4.2.8: a key_exchange has the length its group defines (section 4.2.8.1
 * for FFDHE, 4.2.8.2 for ECDHE, the hybrid draft for X25519MLKEM768). A share of a group we
 * know with any other length, an empty one included, is illegal_parameter, before any crypto
 * runs; an empty share of a group we do not know breaks key_exchange<1..2^16-1> (decode_error).
 */
function checkKeyShareLengths(shares: readonly KeyShareEntry[]): void {
  for (const share of shares) {
    const name = groupNameOf(share.group);
    const length = share.keyExchange.length;
    if (name === undefined) {
      if (length === 0) throw TLSAlertError.sent('decode_error', `empty key_share for group 0x${share.group.toString(16)}`);
      continue;
    }
    const expected = groupParameters[name].clientShareLength;
    if (length !== expected) throw TLSAlertError.sent('illegal_parameter', `${name} key_share is ${length} bytes, not ${expected}`);
  }
}

/**
 * The server's key-exchange group for a first ClientHello, or undefined when none is in
 * common. In order:
 * 1. X25519MLKEM768 when the client sent a share for it (as Chrome, Go and rustls servers do).
 * 2. Among our groups the client supports, ECDHE and the hybrid before FFDHE: FFDHE is used
 *    only when no other group is in common (so an FFDHE-only client still connects, as with
 *    OpenSSL), and an FFDHE share never wins over an ECDHE group we could retry for.
 * 3. Within that tier, the first of our groups (in our preference order) for which the client
 *    sent a share, so no HelloRetryRequest is needed (rustls, Go, OpenSSL).
 * 4. Otherwise our most preferred group of the tier, which the caller asks for with a
 *    HelloRetryRequest.
 * Unlike Go we do not retry to reach the hybrid when the client sent only a classical share:
 * many clients (ours by default) list it without a share, and a retry costs a round trip.
 */
export function chooseGroup(
  ours: readonly NamedGroupName[],
  clientGroups: readonly number[],
  shares: readonly KeyShareEntry[],
): NamedGroupName | undefined {
  const common = ours.filter((g) => clientGroups.includes(NamedGroup[g]));
  const hasShare = (g: NamedGroupName) => shares.some((s) => s.group === NamedGroup[g]);
  if (common.includes('X25519MLKEM768') && hasShare('X25519MLKEM768')) return 'X25519MLKEM768';
  const curves = common.filter((g) => groupParameters[g].family !== 'ffdhe');
  const tier = curves.length > 0 ? curves : common;
  return tier.find(hasShare) ?? tier[0];
}

/** readClientHello + chooseParameters (sections 4.1.1, 4.2): version, suite, group, scheme, ALPN. */
export function chooseParameters(
  ctx: HandshakeContext,
  policy: ServerPolicy,
  retry: RetryState | undefined,
  hello: ReceivedClientHello,
): ChosenParameters {
  const ext = hello.extensions;
  // Appendix D.5: a legacy_version of SSL 3.0 or older is refused outright.
  if (hello.legacyVersion <= 0x0300) {
    throw TLSAlertError.sent('protocol_version', `ClientHello.legacy_version 0x${hello.legacyVersion.toString(16).padStart(4, '0')} is SSL 3.0 or older`);
  }
  if (retry) checkRetriedHello(retry, hello);
  const versionsBody = findExtension(ext, ExtensionType.supported_versions);
  if (!versionsBody || !decodeSupportedVersionsList(versionsBody).includes(TLS13)) {
    throw TLSAlertError.sent('protocol_version', 'client does not offer TLS 1.3');
  }
  if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
    throw TLSAlertError.sent('illegal_parameter', 'legacy_compression_methods is not [null]');
  }
  const pskIndex = ext.findIndex((e) => e.type === ExtensionType.pre_shared_key);
  if (pskIndex >= 0 && pskIndex !== ext.length - 1) throw TLSAlertError.sent('illegal_parameter', 'pre_shared_key is not the last extension');
  if (pskIndex >= 0 && !findExtension(ext, ExtensionType.psk_key_exchange_modes)) {
    throw TLSAlertError.sent('missing_extension', 'pre_shared_key without psk_key_exchange_modes');
  }
  const modesBody = findExtension(ext, ExtensionType.psk_key_exchange_modes);
  if (modesBody) decodePskModes(modesBody);

  const suite = retry?.suite ?? policy.suites.find((s) => hello.cipherSuites.includes(s.code));
  if (!suite) throw TLSAlertError.sent('handshake_failure', 'no cipher suite in common');
  if (!hello.cipherSuites.includes(suite.code)) throw TLSAlertError.sent('illegal_parameter', 'second ClientHello drops the chosen suite');

  const groupsBody = findExtension(ext, ExtensionType.supported_groups);
  const sharesBody = findExtension(ext, ExtensionType.key_share);
  const schemesBody = findExtension(ext, ExtensionType.signature_algorithms);
  if (!groupsBody) throw TLSAlertError.sent('missing_extension', 'ClientHello has no supported_groups');
  if (!sharesBody) throw TLSAlertError.sent('missing_extension', 'ClientHello has no key_share');
  if (!schemesBody) throw TLSAlertError.sent('missing_extension', 'ClientHello has no signature_algorithms');
  const clientGroups = decodeU16List(groupsBody, 'supported_groups');
  const shares = decodeClientKeyShares(sharesBody);
  for (const share of shares) {
    if (!clientGroups.includes(share.group)) throw TLSAlertError.sent('illegal_parameter', 'key_share for a group not in supported_groups');
  }
  checkKeyShareLengths(shares);
  const group = retry?.group ?? chooseGroup(policy.groups, clientGroups, shares);
  if (!group) throw TLSAlertError.sent('handshake_failure', 'no key-exchange group in common');
  const clientShare = shares.find((s) => s.group === NamedGroup[group]);
  if (retry) {
    if (!clientShare || shares.length !== 1) {
      throw TLSAlertError.sent('illegal_parameter', 'second ClientHello lacks exactly one share for the requested group');
    }
  }

  const signing = chooseCredential(ctx.provider, policy.settings, policy.signatureSchemes, decodeU16List(schemesBody, 'signature_algorithms'));
  if (!signing) throw TLSAlertError.sent('handshake_failure', 'no signature scheme in common for our certificate');
  const { credential, scheme } = signing;

  const sniBody = findExtension(ext, ExtensionType.server_name);
  const serverName = sniBody ? decodeServerName(sniBody) : undefined;
  let alpn: string | undefined;
  const alpnBody = findExtension(ext, ExtensionType.application_layer_protocol_negotiation);
  const ours = policy.settings.alpnProtocols;
  const select = policy.settings.selectAlpn;
  if (alpnBody) {
    const offered = decodeAlpn(alpnBody);
    if (select) {
      alpn = select(offered, serverName);
      if (alpn === undefined) throw TLSAlertError.sent('no_application_protocol', 'ALPNCallback refused every offered protocol');
      if (!offered.includes(alpn)) throw TLSAlertError.sent('internal_error', `ALPNCallback chose ${alpn}, which the client did not offer`);
    } else if (ours?.length) {
      alpn = ours.find((p) => offered.includes(p));
      if (!alpn) throw TLSAlertError.sent('no_application_protocol', 'no ALPN protocol in common');
    }
  }
  return { suite, group, clientShare, scheme, credential, alpn, serverName };
}

/** Extensions the second ClientHello may change (section 4.1.2); everything else must repeat the first. */
const CHANGEABLE_ON_RETRY: ReadonlySet<number> = new Set([
  ExtensionType.key_share,
  ExtensionType.early_data,
  ExtensionType.cookie,
  ExtensionType.pre_shared_key,
  ExtensionType.padding,
]);

/**
 * The second ClientHello after a HelloRetryRequest (section 4.1.2) repeats the first
 * except: key_share replaced, early_data removed, the cookie echoed, pre_shared_key
 * updated, padding changed. Anything else is illegal_parameter.
 */
function checkRetriedHello(retry: RetryState, second: ReceivedClientHello): void {
  const first = retry.firstHello;
  const differs = (what: string) => TLSAlertError.sent('illegal_parameter', `second ClientHello changes ${what}`);
  if (second.legacyVersion !== first.legacyVersion) throw differs('legacy_version');
  if (!bytesEqual(second.random, first.random)) throw differs('random');
  if (!bytesEqual(second.legacySessionId, first.legacySessionId)) throw differs('legacy_session_id');
  if (second.cipherSuites.length !== first.cipherSuites.length || second.cipherSuites.some((c, i) => c !== first.cipherSuites[i])) {
    throw differs('cipher_suites');
  }
  if (!bytesEqual(second.legacyCompressionMethods, first.legacyCompressionMethods)) throw differs('legacy_compression_methods');
  if (findExtension(second.extensions, ExtensionType.early_data)) {
    throw TLSAlertError.sent('illegal_parameter', 'second ClientHello still offers early_data');
  }
  const fixed = (hello: ClientHello) => hello.extensions.filter((e) => !CHANGEABLE_ON_RETRY.has(e.type));
  const a = fixed(first);
  const b = fixed(second);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.type !== y.type) throw differs('its extension list');
    if (!bytesEqual(x.data, y.data)) throw differs(`extension ${x.type}`);
  }
  const cookieBody = findExtension(second.extensions, ExtensionType.cookie);
  if (retry.cookie) {
    if (!cookieBody || !bytesEqual(decodeCookie(cookieBody), retry.cookie)) {
      throw TLSAlertError.sent('illegal_parameter', 'second ClientHello does not echo the cookie');
    }
  } else if (cookieBody) {
    throw TLSAlertError.sent('illegal_parameter', 'second ClientHello carries a cookie the HelloRetryRequest did not send');
  }
}
