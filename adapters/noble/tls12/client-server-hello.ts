/**
 * readServerHello for a TLS 1.2 client (RFC 5246 section 7.4.1.3): the checks a ServerHello
 * that chose TLS 1.2 must pass before the handshake goes on: the version and the RFC 8446
 * section 4.1.3 downgrade sentinel, the suite, the extensions (only answers to what we
 * offered; extended master secret and secure renegotiation required), ALPN and SNI.
 */
import { TLSAlertError } from '../../../src/errors.js';
import type { ServerHello } from '../codec/handshake.js';
import { decodeAlpn, decodeRecordSizeLimit, ExtensionType, findExtension, TLS12 } from '../codec/extensions.js';
import { bytesEqual, checkResponseExtensions, type HandshakeContext } from '../handshake-context.js';
import type { ClientHelloState, ClientPolicy } from '../client-hello.js';
import { decodePointFormats, decodeRenegotiationInfo, DOWNGRADE_TLS11, DOWNGRADE_TLS12, UNCOMPRESSED_POINT_FORMAT } from './messages.js';
import { tls12SuiteByCode, type Tls12CipherSuite } from './suites.js';
import { checkServerSessionTicketExtension } from './tickets.js';

/** The extensions a TLS 1.2 ServerHello may answer with. */
const TLS12_SERVER_HELLO_EXTENSIONS: readonly number[] = [
  ExtensionType.server_name,
  ExtensionType.ec_point_formats,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.extended_master_secret,
  ExtensionType.renegotiation_info,
  ExtensionType.record_size_limit,
  ExtensionType.session_ticket,
];

/** What a TLS 1.2 ServerHello decided. */
export interface ServerHello12Choice {
  readonly suite: Tls12CipherSuite;
  /** The server accepted our ticket: an abbreviated handshake follows (RFC 5077 section 3.4). */
  readonly resumed: boolean;
  /** The server announced a NewSessionTicket before its ChangeCipherSpec (RFC 5077 section 3.2). */
  readonly ticketPromised: boolean;
}

/** Checks a ServerHello without supported_versions against our ClientHello; returns the suite it chose and whether it resumes. */
export function readServerHello12(
  ctx: HandshakeContext,
  policy: ClientPolicy,
  hello: ClientHelloState,
  sh: ServerHello & { readonly legacyVersion: number },
): ServerHello12Choice {
  if (!policy.versions.tls12) throw TLSAlertError.sent('protocol_version', 'server does not speak TLS 1.3 (no supported_versions)');
  // RFC 8996: TLS 1.0 and 1.1 are not spoken.
  if (sh.legacyVersion !== TLS12) throw TLSAlertError.sent('protocol_version', `server chose version 0x${sh.legacyVersion.toString(16).padStart(4, '0')}, below TLS 1.2`);
  // RFC 8446 section 4.1.4: after a HelloRetryRequest the server has chosen TLS 1.3.
  if (hello.retried) throw TLSAlertError.sent('illegal_parameter', 'TLS 1.2 ServerHello after a HelloRetryRequest');
  if (policy.versions.tls13) {
    // RFC 8446 section 4.1.3: a TLS 1.3 server marks a downgrade; a 1.3-capable client must abort on it.
    const tail = sh.random.subarray(24);
    if (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11)) {
      throw TLSAlertError.sent('illegal_parameter', 'ServerHello.random carries the TLS 1.3 downgrade sentinel');
    }
  }
  // 0-RTT went out under TLS 1.3 keys; a TLS 1.2 server cannot have read it (as rustls refuses it).
  if (hello.earlyData) throw TLSAlertError.sent('illegal_parameter', 'server chose TLS 1.2 after we sent TLS 1.3 early data');
  // RFC 5077 section 3.4: a server accepting our ticket echoes our session id. Without a
  // ticket offered, an echo of our (middlebox) session id claims a resumption we never offered.
  const resumed = hello.sessionId.length > 0 && bytesEqual(sh.legacySessionIdEcho, hello.sessionId);
  if (resumed && !hello.ticket12) throw TLSAlertError.sent('illegal_parameter', 'server resumed a TLS 1.2 session we did not offer');
  if (sh.legacyCompressionMethod !== 0) throw TLSAlertError.sent('illegal_parameter', 'compression_method is not null');
  const suite = tls12SuiteByCode(sh.cipherSuite);
  if (!suite || !policy.tls12Suites.includes(suite)) {
    throw TLSAlertError.sent('illegal_parameter', `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer for TLS 1.2`);
  }
  // RFC 5246 section 7.4.1.3: a resumed session keeps its cipher suite.
  if (resumed && hello.ticket12!.suite.code !== suite.code) {
    throw TLSAlertError.sent('illegal_parameter', `server resumed our ${hello.ticket12!.suite.name} session with ${suite.name}`);
  }
  readServerHelloExtensions(ctx, policy, hello, sh);
  const ticket = findExtension(sh.extensions, ExtensionType.session_ticket);
  if (ticket) checkServerSessionTicketExtension(ticket);
  ctx.outcome.suite = suite;
  return { suite, resumed, ticketPromised: ticket !== undefined };
}

/** The ServerHello extensions (RFC 5246 section 7.4.1.4): EMS and renegotiation_info required, ALPN and SNI answers recorded. */
function readServerHelloExtensions(ctx: HandshakeContext, policy: ClientPolicy, hello: ClientHelloState, sh: ServerHello): void {
  const ext = sh.extensions;
  checkResponseExtensions(ext, hello.extensions, TLS12_SERVER_HELLO_EXTENSIONS, 'TLS 1.2 ServerHello');
  // RFC 7627 section 5.3: a client that requires the extended master secret aborts without it.
  const ems = findExtension(ext, ExtensionType.extended_master_secret);
  if (!ems) throw TLSAlertError.sent('handshake_failure', 'server does not use the extended master secret (RFC 7627)');
  if (ems.length !== 0) throw TLSAlertError.sent('decode_error', 'extended_master_secret is not empty');
  // RFC 5746 section 3.4: renegotiation_info must come back with an empty renegotiated_connection.
  const renegotiation = findExtension(ext, ExtensionType.renegotiation_info);
  if (!renegotiation) throw TLSAlertError.sent('handshake_failure', 'server does not signal secure renegotiation (RFC 5746)');
  if (decodeRenegotiationInfo(renegotiation).length !== 0) throw TLSAlertError.sent('handshake_failure', 'renegotiation_info is not empty in an initial handshake');
  const formats = findExtension(ext, ExtensionType.ec_point_formats);
  if (formats && !decodePointFormats(formats).includes(UNCOMPRESSED_POINT_FORMAT)) {
    throw TLSAlertError.sent('illegal_parameter', 'ec_point_formats lacks uncompressed (RFC 8422 section 5.1.2)');
  }
  const sni = findExtension(ext, ExtensionType.server_name);
  if (sni && sni.length !== 0) throw TLSAlertError.sent('decode_error', 'ServerHello server_name is not empty');
  const alpnBody = findExtension(ext, ExtensionType.application_layer_protocol_negotiation);
  if (alpnBody) {
    const chosen = decodeAlpn(alpnBody);
    if (chosen.length !== 1 || !policy.settings.alpnProtocols?.includes(chosen[0]!)) {
      throw TLSAlertError.sent('illegal_parameter', 'server chose an ALPN protocol we did not offer');
    }
    ctx.outcome.alpnProtocol = chosen[0];
  }
  // RFC 8449 section 4: a TLS 1.2 server may answer our record_size_limit in its ServerHello.
  const recordSizeLimit = findExtension(ext, ExtensionType.record_size_limit);
  if (recordSizeLimit) ctx.limitRecordSize(decodeRecordSizeLimit(recordSizeLimit), 'TLSv1.2');
  ctx.outcome.serverName = findExtension(hello.extensions, ExtensionType.server_name) ? policy.settings.serverName : undefined;
}
