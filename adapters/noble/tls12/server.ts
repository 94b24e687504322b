/**
 * The TLS 1.2 server handshake (RFC 5246 section 7.3), ECDHE with AEAD only: one small
 * state per expected message, with the steps named as RFC 5246 names them:
 * readClientHello, sendServerHello, sendCertificate, sendServerKeyExchange,
 * sendCertificateRequest, sendServerHelloDone (one record, one write), then
 * readClientCertificate, readClientKeyExchange, readCertificateVerify,
 * readChangeCipherSpec, readFinished, and [sendNewSessionTicket] + sendChangeCipherSpec +
 * sendFinished together. An offered ticket that fits takes the abbreviated path
 * (server-resumption.ts).
 * Extended master secret (RFC 7627) and secure-renegotiation signalling (RFC 5746) are
 * required of the client; renegotiation itself is refused (traffic.ts).
 */
import { TLSAlertError } from '../../../src/errors.js';
import { KeyExchangeError, NamedGroup, SignatureScheme, type ClientKeyShare, type PublicKey, type SignatureSchemeName } from '../../../src/crypto/provider.js';
import { encodeServerHello, frameHandshake, HandshakeType, decodeCertificateVerify, type ClientHello, type HandshakeMessage } from '../codec/handshake.js';
import { decodeAlpn, decodeServerName, decodeU16List, encodeAlpn, ExtensionType, findExtension, type Extension } from '../codec/extensions.js';
import { expectType, verifyPeerChain, type HandshakeContext, type HandshakeState } from '../handshake-context.js';
import type { ServerPolicy } from '../server-parameters.js';
import {
  ClientCertificateType,
  decodeCertificate12,
  decodeClientKeyExchange,
  decodePointFormats,
  decodeRenegotiationInfo,
  DOWNGRADE_TLS12,
  EMPTY_RENEGOTIATION_INFO_SCSV,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeEmptyRenegotiationInfo,
  encodeServerEcdhParams,
  encodeServerKeyExchange,
  encodeUncompressedPointFormats,
  FALLBACK_SCSV,
  serverKeyExchangeSignedContent,
  UNCOMPRESSED_POINT_FORMAT,
} from './messages.js';
import {
  acceptPeerFinished12,
  chooseTls12Scheme,
  establishSession,
  ExpectChangeCipherSpec,
  sendFinished12,
  signWith,
  tls12SignatureSchemes,
  verifyDigitallySigned,
  type Tls12Session,
} from './session-keys.js';
import { ALL_TLS12_CIPHER_SUITES, TLS12_GROUPS, type Tls12CipherSuite } from './suites.js';
import { Tls12Transcript } from './transcript.js';
import { Tls12TrafficState } from './traffic.js';
import { enabledVersions } from './versions.js';
import { candidates, type ServerCredential } from '../server-credentials.js';
import { decideTicket12, newSessionTicket12, resumeTls12Server, ticketLifetimeOf } from './server-resumption.js';

/** The NamedGroup that names an ECDSA certificate's curve in supported_groups (RFC 8422 section 5.1.1). */
const CERTIFICATE_CURVE_GROUPS = { 'P-256': 'secp256r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const;

/** What the server chose from the ClientHello. */
interface Tls12Choice {
  readonly suite: Tls12CipherSuite;
  /** The certificate/key pair presented: one whose key type the suite names. */
  readonly credential: ServerCredential;
  readonly group: (typeof TLS12_GROUPS)[number];
  readonly scheme: SignatureSchemeName;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  readonly pointFormats: boolean;
}

/** Facts carried from the server flight to the client's Finished. */
interface ServerFlight {
  readonly policy: ServerPolicy;
  readonly transcript: Tls12Transcript;
  readonly suite: Tls12CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly ephemeral: ClientKeyShare;
  /** The schemes we accept in the client's CertificateVerify. */
  readonly schemes: readonly SignatureSchemeName[];
  /** We announced a NewSessionTicket (RFC 5077 section 3.2), sent before our ChangeCipherSpec. */
  readonly issueTicket: boolean;
}

/**
 * Continues a server handshake whose ClientHello chose TLS 1.2: readClientHello and the
 * whole server flight. `message` is the ClientHello as received.
 */
export function startTls12Server(ctx: HandshakeContext, policy: ServerPolicy, message: HandshakeMessage, hello: ClientHello): HandshakeState {
  ctx.allowChangeCipherSpec(false);
  ctx.outcome.protocol = 'TLSv1.2';
  const choice = readClientHello(ctx, policy, hello);
  const serverRandom = ctx.random(32);
  // RFC 8446 section 4.1.3: a server that speaks TLS 1.3 marks a TLS 1.2 ServerHello.
  if (enabledVersions(policy.settings).tls13) serverRandom.set(DOWNGRADE_TLS12, 24);
  Object.assign(ctx.outcome, { alpnProtocol: choice.alpn, serverName: choice.serverName });
  const tickets = decideTicket12(ctx, policy, hello, choice.serverName, choice.alpn);
  if (tickets.resume) {
    return resumeTls12Server(ctx, policy, message, hello, tickets.resume, tickets.issue, serverRandom, serverHelloExtensions(choice, tickets.issue));
  }
  const transcript = new Tls12Transcript(ctx.provider, choice.suite.hash, [message.raw]);
  Object.assign(ctx.outcome, { suite: choice.suite, group: choice.group, signatureScheme: choice.scheme });

  const send = (type: number, body: Uint8Array) => {
    const m = frameHandshake(type, body);
    transcript.add(m.raw);
    ctx.send(m);
  };
  send(HandshakeType.server_hello, encodeServerHello({
    random: serverRandom,
    legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: choice.suite.code,
    legacyCompressionMethod: 0,
    extensions: serverHelloExtensions(choice, tickets.issue),
  }));
  send(HandshakeType.certificate, encodeCertificate12(choice.credential.certificateChain));
  const ephemeral = ctx.provider.group(choice.group)!.start(ctx.random);
  const params = encodeServerEcdhParams({ group: NamedGroup[choice.group], publicKey: ephemeral.share });
  // The signer stands in for the key of the main pair only.
  const signer = choice.credential.privateKey === policy.settings.privateKey ? policy.settings : {};
  const signature = signWith(ctx, signer, choice.credential.privateKey, choice.scheme, serverKeyExchangeSignedContent(hello.random, serverRandom, params));
  send(HandshakeType.server_key_exchange, encodeServerKeyExchange(params, SignatureScheme[choice.scheme], signature));
  const schemes = tls12SignatureSchemes(policy.signatureSchemes);
  const auth = policy.settings.clientAuthentication ?? 'none';
  if (auth !== 'none') {
    send(HandshakeType.certificate_request, encodeCertificateRequest12({
      certificateTypes: Uint8Array.of(ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign),
      signatureSchemes: schemes.map((s) => SignatureScheme[s]),
      certificateAuthorities: new Uint8Array(0),
    }));
  }
  send(HandshakeType.server_hello_done, new Uint8Array(0));
  const flight: ServerFlight = { policy, transcript, suite: choice.suite, clientRandom: hello.random, serverRandom, ephemeral, schemes, issueTicket: tickets.issue };
  return auth === 'none' ? new ExpectClientKeyExchange(flight, undefined) : new ExpectClientCertificate(flight);
}

/** readClientHello (RFC 5246 section 7.4.1.2): suite, group, scheme, ALPN, SNI, and the extensions we require. */
function readClientHello(ctx: HandshakeContext, policy: ServerPolicy, hello: ClientHello): Tls12Choice {
  const ext = hello.extensions;
  const s = policy.settings;
  // RFC 7507: a client that fell back from a higher version we speak is under attack.
  if (hello.cipherSuites.includes(FALLBACK_SCSV) && enabledVersions(s).tls13) {
    throw TLSAlertError.sent('inappropriate_fallback', 'TLS_FALLBACK_SCSV from a client we could serve TLS 1.3');
  }
  if (!hello.legacyCompressionMethods.includes(0)) throw TLSAlertError.sent('illegal_parameter', 'compression_methods lacks null');
  // RFC 7627 section 5.1: we refuse sessions without the extended master secret.
  const ems = findExtension(ext, ExtensionType.extended_master_secret);
  if (!ems) throw TLSAlertError.sent('handshake_failure', 'client does not offer extended_master_secret (RFC 7627)');
  if (ems.length !== 0) throw TLSAlertError.sent('decode_error', 'extended_master_secret is not empty');
  // RFC 5746 section 3.6: an initial handshake signals secure renegotiation with an empty renegotiated_connection.
  const renegotiation = findExtension(ext, ExtensionType.renegotiation_info);
  if (renegotiation) {
    if (decodeRenegotiationInfo(renegotiation).length !== 0) throw TLSAlertError.sent('handshake_failure', 'renegotiation_info is not empty in an initial handshake');
  } else if (!hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV)) {
    throw TLSAlertError.sent('handshake_failure', 'client signals neither renegotiation_info nor its SCSV (RFC 5746)');
  }
  const formats = findExtension(ext, ExtensionType.ec_point_formats);
  if (formats && !decodePointFormats(formats).includes(UNCOMPRESSED_POINT_FORMAT)) {
    throw TLSAlertError.sent('illegal_parameter', 'ec_point_formats lacks uncompressed (RFC 8422 section 5.1.2)');
  }

  const groupsBody = findExtension(ext, ExtensionType.supported_groups);
  if (!groupsBody) throw TLSAlertError.sent('handshake_failure', 'client sends no supported_groups: no ECDHE group in common');
  const clientGroups = decodeU16List(groupsBody, 'supported_groups');

  const group = TLS12_GROUPS.filter((g) => policy.groups.includes(g) && ctx.provider.group(g)).find((g) => clientGroups.includes(NamedGroup[g]));
  if (!group) throw TLSAlertError.sent('handshake_failure', 'no ECDHE group in common');

  // Section 7.4.1.4.1: without signature_algorithms the client means SHA-1, which we do not sign with.
  const schemesBody = findExtension(ext, ExtensionType.signature_algorithms);
  if (!schemesBody) throw TLSAlertError.sent('handshake_failure', 'client sends no signature_algorithms (SHA-1 only)');
  const { suite, credential, scheme } = chooseSuiteAndCredential(ctx, policy, hello, clientGroups, decodeU16List(schemesBody, 'signature_algorithms'));

  let alpn: string | undefined;
  const alpnBody = findExtension(ext, ExtensionType.application_layer_protocol_negotiation);
  if (alpnBody) {
    const offered = decodeAlpn(alpnBody);
    if (s.alpnProtocols?.length) {
      alpn = s.alpnProtocols.find((p) => offered.includes(p));
      if (!alpn) throw TLSAlertError.sent('no_application_protocol', 'no ALPN protocol in common');
    }
  }
  const sniBody = findExtension(ext, ExtensionType.server_name);
  const serverName = sniBody ? decodeServerName(sniBody) : undefined;
  return { suite, credential, group, scheme, alpn, serverName, pointFormats: formats !== undefined };
}

/**
 * The suite and the certificate/key pair that agree with it (RFC 5246 section 7.4.2, RFC
 * 8422 section 5.1.1): our suites in preference order, the first the client offers for
 * which one of our pairs (non-RSA first, server-credentials.ts) has the suite's key type
 * (ECDSA suites: ECDSA and EdDSA keys; RSA suites: RSA keys), an ECDSA curve the client's
 * supported_groups name, and a signature scheme the client's signature_algorithms list.
 */
function chooseSuiteAndCredential(
  ctx: HandshakeContext,
  policy: ServerPolicy,
  hello: ClientHello,
  clientGroups: readonly number[],
  clientSchemes: readonly number[],
): { suite: Tls12CipherSuite; credential: ServerCredential; scheme: SignatureSchemeName } {
  const ours = tls12SignatureSchemes(policy.signatureSchemes);
  const pairs = candidates(policy.settings).filter((c) => {
    const key = c.privateKey;
    return key.kind !== 'ec' || clientGroups.includes(NamedGroup[CERTIFICATE_CURVE_GROUPS[key.curve]]);
  });
  const suites = (policy.settings.tls12CipherSuites ?? ALL_TLS12_CIPHER_SUITES).filter((x) => hello.cipherSuites.includes(x.code));
  if (suites.length === 0) throw TLSAlertError.sent('handshake_failure', 'no TLS 1.2 ECDHE+AEAD cipher suite in common');
  if (pairs.length === 0) throw TLSAlertError.sent('handshake_failure', "client's supported_groups lack our certificates' curves");
  for (const suite of suites) {
    for (const credential of pairs) {
      if ((credential.privateKey.kind === 'rsa') !== (suite.authentication === 'RSA')) continue;
      const scheme = chooseTls12Scheme(ctx.provider, credential.privateKey, ours, clientSchemes);
      if (scheme) return { suite, credential, scheme };
    }
  }
  throw TLSAlertError.sent('handshake_failure', 'no TLS 1.2 suite in common that one of our certificates can sign for');
}

/** ServerHello extensions: only answers to what the client sent (section 7.4.1.4); an empty SessionTicket announces a ticket. */
function serverHelloExtensions(choice: Tls12Choice, issueTicket: boolean): Extension[] {
  const ext: Extension[] = [
    { type: ExtensionType.renegotiation_info, data: encodeEmptyRenegotiationInfo() },
    { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
  ];
  if (choice.pointFormats) ext.push({ type: ExtensionType.ec_point_formats, data: encodeUncompressedPointFormats() });
  if (choice.serverName !== undefined) ext.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
  if (choice.alpn) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([choice.alpn]) });
  if (issueTicket) ext.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
  return ext;
}

/** Awaits the client Certificate after a CertificateRequest (section 7.4.6). */
class ExpectClientCertificate implements HandshakeState {
  readonly name = 'ExpectClientCertificate';
  constructor(private readonly flight: ServerFlight) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate, this.name);
    const chain = decodeCertificate12(message.body);
    this.flight.transcript.add(message.raw);
    const s = this.flight.policy.settings;
    if (chain.length === 0) {
      if (s.clientAuthentication === 'require') throw TLSAlertError.sent('handshake_failure', 'client sent no certificate but one is required');
      return new ExpectClientKeyExchange(this.flight, undefined);
    }
    if (!s.verifyClient) throw TLSAlertError.sent('internal_error', 'no client certificate verifier configured');
    const publicKey = verifyPeerChain(s.verifyClient, chain, { serverName: undefined, now: ctx.now() }, ctx.outcome);
    ctx.outcome.peerCertificates = chain;
    return new ExpectClientKeyExchange(this.flight, publicKey);
  }
}

/** Awaits ClientKeyExchange (section 7.4.7, RFC 8422 section 5.7) and derives the session. */
class ExpectClientKeyExchange implements HandshakeState {
  readonly name = 'ExpectClientKeyExchange';
  constructor(private readonly flight: ServerFlight, private readonly clientKey: PublicKey | undefined) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.client_key_exchange, this.name);
    const f = this.flight;
    const point = decodeClientKeyExchange(message.body);
    let shared: Uint8Array;
    try {
      shared = f.ephemeral.complete(point);
    } catch (e) {
      if (e instanceof KeyExchangeError) throw TLSAlertError.sent('illegal_parameter', `client ECDHE public key is invalid: ${e.message}`);
      throw e;
    }
    f.transcript.add(message.raw);
    const session = establishSession(ctx, 'server', f.suite, shared, f.transcript, f.clientRandom, f.serverRandom);
    return this.clientKey ? new ExpectCertificateVerify(f, session, this.clientKey) : new ExpectChangeCipherSpec(session, () => new ExpectFinished(f, session));
  }
}

/** Awaits the client CertificateVerify (section 7.4.8): a signature over every handshake message so far. */
class ExpectCertificateVerify implements HandshakeState {
  readonly name = 'ExpectCertificateVerify';
  constructor(private readonly flight: ServerFlight, private readonly session: Tls12Session, private readonly clientKey: PublicKey) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate_verify, this.name);
    const { scheme, signature } = decodeCertificateVerify(message.body);
    verifyDigitallySigned(ctx, this.flight.schemes, this.clientKey, scheme, this.flight.transcript.bytes(), signature, 'CertificateVerify');
    this.flight.transcript.add(message.raw);
    return new ExpectChangeCipherSpec(this.session, () => new ExpectFinished(this.flight, this.session));
  }
}

/** Awaits the client Finished (section 7.4.9), then sends ChangeCipherSpec and our Finished in one write. */
class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(private readonly flight: ServerFlight, private readonly session: Tls12Session) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    acceptPeerFinished12(ctx, this.session, 'client', this.flight.transcript, message);
    if (this.flight.issueTicket) {
      const ticket = newSessionTicket12(ctx, this.flight.policy, {
        suite: this.flight.suite,
        masterSecret: this.session.masterSecret,
        extendedMasterSecret: true,
        createdAt: ctx.now(),
        lifetimeSeconds: ticketLifetimeOf(this.flight.policy),
        serverName: ctx.outcome.serverName,
        alpnProtocol: ctx.outcome.alpnProtocol,
        peerCertificates: ctx.outcome.peerCertificates,
      });
      this.flight.transcript.add(ticket.raw);
      ctx.send(ticket);
    }
    ctx.sendChangeCipherSpec();
    ctx.setWriteProtection(this.session.write);
    sendFinished12(ctx, this.session, 'server', this.flight.transcript);
    ctx.markFlightAwaited();
    ctx.complete();
    return new Tls12TrafficState('server');
  }
}
