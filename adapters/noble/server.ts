/**
 * The TLS 1.3 server handshake (RFC 8446 sections 4.1-4.4, 2): one small state per
 * expected message, with the steps named as the RFC names them: readClientHello,
 * chooseParameters, sendHelloRetryRequest, sendServerHello, sendServerParameters,
 * sendServerCertificate, sendServerFinished, readClientCertificate,
 * readClientCertificateVerify, readClientFinished, sendNewSessionTickets.
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  KeyExchangeError,
  NamedGroup,
  SignatureScheme,
  type NamedGroupName,
  type PublicKey,
  type SignatureSchemeName,
} from './crypto/provider.js';
import {
  decodeCertificate,
  decodeCertificateVerify,
  decodeClientHello,
  decodeFinished,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeNewSessionTicket,
  encodeServerHello,
  frameHandshake,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  type ClientHello,
  type HandshakeMessage,
  type NewSessionTicket,
} from './codec/handshake.js';
import {
  decodeAlpn,
  decodeClientKeyShares,
  decodeCookie,
  decodePskModes,
  decodeServerName,
  decodeSupportedVersionsList,
  decodeU16List,
  encodeAlpn,
  encodeCookie,
  encodeSelectedGroup,
  encodeSelectedVersion,
  encodeServerKeyShare,
  encodeU16List,
  ExtensionType,
  findExtension,
  TLS13,
  type Extension,
  type KeyShareEntry,
} from './codec/extensions.js';
import {
  bytesEqual,
  certificateVerifyContent,
  chooseSigningScheme,
  expectType,
  verifyPeerChain,
  verifyPeerSignature,
  type HandshakeContext,
  type HandshakeState,
} from './handshake-context.js';
import { KeySchedule } from './key-schedule.js';
import type { CipherSuite } from './suites.js';
import type { ServerEngineSettings } from './settings.js';
import { TrafficState } from './traffic.js';

/** Server settings with every default filled in. */
export interface ServerPolicy {
  readonly settings: ServerEngineSettings;
  readonly suites: readonly CipherSuite[];
  readonly groups: readonly NamedGroupName[];
  readonly signatureSchemes: readonly SignatureSchemeName[];
  readonly certificateSignatureSchemes: readonly SignatureSchemeName[];
}

/** What the first ClientHello fixed, carried into the retried one. */
interface RetryState {
  readonly suite: CipherSuite;
  readonly group: NamedGroupName;
  readonly cookie: Uint8Array | undefined;
  readonly ccsSent: boolean;
}

/** The parameters chosen from a ClientHello. */
interface ChosenParameters {
  readonly suite: CipherSuite;
  readonly group: NamedGroupName;
  readonly clientShare: KeyShareEntry | undefined;
  readonly scheme: SignatureSchemeName;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
}

/** Keys carried from the server flight to the client's Finished. */
interface ServerFlightKeys {
  readonly schedule: KeySchedule;
  readonly clientRandom: Uint8Array;
  readonly clientHandshakeSecret: Uint8Array;
  readonly clientApplicationSecret: Uint8Array;
  readonly serverApplicationSecret: Uint8Array;
}

/** The first state of a server: awaiting ClientHello. */
export function startServer(policy: ServerPolicy): HandshakeState {
  return new ExpectClientHello(policy, undefined);
}

/** Awaits ClientHello (first, or second after HelloRetryRequest). */
class ExpectClientHello implements HandshakeState {
  readonly name = 'ExpectClientHello';
  constructor(private readonly policy: ServerPolicy, private readonly retry: RetryState | undefined) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.client_hello, this.name);
    ctx.allowChangeCipherSpec(true);
    const hello = decodeClientHello(message.body);
    const chosen = this.chooseParameters(ctx, hello);
    if (!chosen.clientShare) return this.sendHelloRetryRequest(ctx, message, hello, chosen);
    if (this.retry) ctx.transcript.add(message.raw);
    else {
      ctx.transcript.start(ctx.provider.hash(chosen.suite.hash));
      ctx.transcript.add(message.raw);
    }
    return this.sendServerFlight(ctx, hello, chosen);
  }

  /** readClientHello + chooseParameters (sections 4.1.1, 4.2): version, suite, group, scheme, ALPN. */
  private chooseParameters(ctx: HandshakeContext, hello: ClientHello): ChosenParameters {
    const ext = hello.extensions;
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

    const suite = this.retry?.suite ?? this.policy.suites.find((s) => hello.cipherSuites.includes(s.code));
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
    const group = this.retry?.group ?? this.policy.groups.find((g) => clientGroups.includes(NamedGroup[g]));
    if (!group) throw TLSAlertError.sent('handshake_failure', 'no key-exchange group in common');
    const clientShare = shares.find((s) => s.group === NamedGroup[group]);
    if (this.retry) {
      if (!clientShare || shares.length !== 1) {
        throw TLSAlertError.sent('illegal_parameter', 'second ClientHello lacks exactly one share for the requested group');
      }
      const cookieBody = findExtension(ext, ExtensionType.cookie);
      if (this.retry.cookie && (!cookieBody || !bytesEqual(decodeCookie(cookieBody), this.retry.cookie))) {
        throw TLSAlertError.sent('illegal_parameter', 'second ClientHello does not echo the cookie');
      }
    }

    const scheme = chooseSigningScheme(
      ctx.provider,
      this.policy.settings.privateKey,
      this.policy.signatureSchemes,
      decodeU16List(schemesBody, 'signature_algorithms'),
    );
    if (!scheme) throw TLSAlertError.sent('handshake_failure', 'no signature scheme in common for our certificate');

    let alpn: string | undefined;
    const alpnBody = findExtension(ext, ExtensionType.application_layer_protocol_negotiation);
    const ours = this.policy.settings.alpnProtocols;
    if (alpnBody) {
      const offered = decodeAlpn(alpnBody);
      if (ours?.length) {
        alpn = ours.find((p) => offered.includes(p));
        if (!alpn) throw TLSAlertError.sent('no_application_protocol', 'no ALPN protocol in common');
      }
    }
    const sniBody = findExtension(ext, ExtensionType.server_name);
    const serverName = sniBody ? decodeServerName(sniBody) : undefined;
    return { suite, group, clientShare, scheme, alpn, serverName };
  }

  /** sendHelloRetryRequest (section 4.1.4): ask for a share of our preferred group. */
  private sendHelloRetryRequest(ctx: HandshakeContext, message: HandshakeMessage, hello: ClientHello, chosen: ChosenParameters): HandshakeState {
    if (this.retry) throw TLSAlertError.sent('illegal_parameter', 'second ClientHello still lacks the requested key share');
    ctx.transcript.start(ctx.provider.hash(chosen.suite.hash));
    ctx.transcript.add(message.raw);
    ctx.transcript.replaceWithMessageHash();
    const cookie = (this.policy.settings.retryCookie ?? true) ? ctx.random(32) : undefined;
    const extensions: Extension[] = [
      { type: ExtensionType.supported_versions, data: encodeSelectedVersion(TLS13) },
      { type: ExtensionType.key_share, data: encodeSelectedGroup(NamedGroup[chosen.group]) },
    ];
    if (cookie) extensions.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
    const hrr = frameHandshake(
      HandshakeType.server_hello,
      encodeServerHello({
        random: HELLO_RETRY_REQUEST_RANDOM,
        legacySessionIdEcho: hello.legacySessionId,
        cipherSuite: chosen.suite.code,
        legacyCompressionMethod: 0,
        extensions,
      }),
    );
    ctx.transcript.add(hrr.raw);
    ctx.send(hrr);
    const ccsSent = hello.legacySessionId.length > 0;
    if (ccsSent) ctx.sendChangeCipherSpec();
    ctx.outcome.helloRetried = true;
    return new ExpectClientHello(this.policy, { suite: chosen.suite, group: chosen.group, cookie, ccsSent });
  }

  /** sendServerHello, sendServerParameters, sendServerCertificate, sendServerFinished (section 4). */
  private sendServerFlight(ctx: HandshakeContext, hello: ClientHello, chosen: ChosenParameters): HandshakeState {
    const { suite, group } = chosen;
    const s = this.policy.settings;
    const serverRandom = ctx.random(32);
    let response: { share: Uint8Array; sharedSecret: Uint8Array };
    try {
      response = ctx.provider.group(group)!.respond(chosen.clientShare!.keyExchange, ctx.random);
    } catch (e) {
      if (e instanceof KeyExchangeError) throw TLSAlertError.sent('illegal_parameter', `client key share is invalid: ${e.message}`);
      throw e;
    }
    Object.assign(ctx.outcome, { suite, group, alpnProtocol: chosen.alpn, serverName: chosen.serverName, signatureScheme: chosen.scheme });

    const serverHello = frameHandshake(
      HandshakeType.server_hello,
      encodeServerHello({
        random: serverRandom,
        legacySessionIdEcho: hello.legacySessionId,
        cipherSuite: suite.code,
        legacyCompressionMethod: 0,
        extensions: [
          { type: ExtensionType.key_share, data: encodeServerKeyShare({ group: NamedGroup[group], keyExchange: response.share }) },
          { type: ExtensionType.supported_versions, data: encodeSelectedVersion(TLS13) },
        ],
      }),
    );
    ctx.transcript.add(serverHello.raw);
    ctx.send(serverHello);
    if (hello.legacySessionId.length > 0 && !this.retry?.ccsSent) ctx.sendChangeCipherSpec();

    const schedule = new KeySchedule(ctx.provider, suite);
    schedule.deriveHandshakeSecret(response.sharedSecret);
    const hs = schedule.handshakeTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hello.random, hs.client);
    ctx.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hello.random, hs.server);
    ctx.setWriteSecret(suite, hs.server);

    this.sendEncryptedExtensions(ctx, hello, chosen);
    const auth = s.clientAuthentication ?? 'none';
    if (auth !== 'none') this.sendCertificateRequest(ctx);
    this.sendServerCertificate(ctx, chosen.scheme);

    const finished = frameHandshake(HandshakeType.finished, schedule.finishedVerifyData(hs.server, ctx.transcript.hash()));
    ctx.transcript.add(finished.raw);
    ctx.send(finished);

    schedule.deriveMasterSecret();
    const app = schedule.applicationTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_TRAFFIC_SECRET_0', hello.random, app.client);
    ctx.keylog('SERVER_TRAFFIC_SECRET_0', hello.random, app.server);
    ctx.keylog('EXPORTER_SECRET', hello.random, app.exporter);
    ctx.setWriteSecret(suite, app.server);
    ctx.enableApplicationWrites();
    ctx.setReadSecret(suite, hs.client);
    const keys: ServerFlightKeys = {
      schedule,
      clientRandom: hello.random,
      clientHandshakeSecret: hs.client,
      clientApplicationSecret: app.client,
      serverApplicationSecret: app.server,
    };
    return auth === 'none' ? new ExpectClientFinished(this.policy, keys) : new ExpectClientCertificate(this.policy, keys);
  }

  /** EncryptedExtensions (section 4.3.1): ALPN, and an empty server_name when SNI was used. */
  private sendEncryptedExtensions(ctx: HandshakeContext, hello: ClientHello, chosen: ChosenParameters): void {
    const ext: Extension[] = [];
    if (chosen.alpn) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([chosen.alpn]) });
    if (chosen.serverName !== undefined) ext.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    const edit = this.policy.settings.editExtensions;
    const shaped = edit ? edit('encrypted_extensions', ext) : ext;
    for (const e of shaped) {
      if (!hello.extensions.some((o) => o.type === e.type)) throw TLSAlertError.sent('internal_error', `EncryptedExtensions would answer unoffered extension ${e.type}`);
    }
    const message = frameHandshake(HandshakeType.encrypted_extensions, encodeEncryptedExtensions(shaped));
    ctx.transcript.add(message.raw);
    ctx.send(message);
  }

  /** CertificateRequest (section 4.3.2). */
  private sendCertificateRequest(ctx: HandshakeContext): void {
    const message = frameHandshake(
      HandshakeType.certificate_request,
      encodeCertificateRequest({
        context: new Uint8Array(0),
        extensions: [
          { type: ExtensionType.signature_algorithms, data: encodeU16List(this.policy.signatureSchemes.map((n) => SignatureScheme[n])) },
          {
            type: ExtensionType.signature_algorithms_cert,
            data: encodeU16List(this.policy.certificateSignatureSchemes.map((n) => SignatureScheme[n])),
          },
        ],
      }),
    );
    ctx.transcript.add(message.raw);
    ctx.send(message);
  }

  /** Certificate and CertificateVerify (sections 4.4.2, 4.4.3). */
  private sendServerCertificate(ctx: HandshakeContext, scheme: SignatureSchemeName): void {
    const s = this.policy.settings;
    const certificate = frameHandshake(
      HandshakeType.certificate,
      encodeCertificate({ context: new Uint8Array(0), entries: s.certificateChain.map((data) => ({ data, extensions: [] })) }),
    );
    ctx.transcript.add(certificate.raw);
    ctx.send(certificate);
    const content = certificateVerifyContent('server', ctx.transcript.hash());
    const signature = s.signer ? s.signer(scheme, content) : ctx.provider.sign(scheme, s.privateKey, content, ctx.random);
    const verify = frameHandshake(HandshakeType.certificate_verify, encodeCertificateVerify({ scheme: SignatureScheme[scheme], signature }));
    ctx.transcript.add(verify.raw);
    ctx.send(verify);
  }
}

/** Awaits the client Certificate after a CertificateRequest (section 4.4.2). */
class ExpectClientCertificate implements HandshakeState {
  readonly name = 'ExpectClientCertificate';
  constructor(private readonly policy: ServerPolicy, private readonly keys: ServerFlightKeys) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate, this.name);
    const certificate = decodeCertificate(message.body);
    if (certificate.context.length !== 0) throw TLSAlertError.sent('illegal_parameter', 'client Certificate context differs from the request');
    for (const entry of certificate.entries) {
      if (entry.extensions.length) throw TLSAlertError.sent('unsupported_extension', 'client CertificateEntry carries extensions we did not request');
    }
    ctx.transcript.add(message.raw);
    if (certificate.entries.length === 0) {
      if (this.policy.settings.clientAuthentication === 'require') {
        throw TLSAlertError.sent('certificate_required', 'client sent no certificate but one is required');
      }
      return new ExpectClientFinished(this.policy, this.keys);
    }
    const chain = certificate.entries.map((e) => e.data);
    const verifier = this.policy.settings.verifyClient;
    if (!verifier) throw TLSAlertError.sent('internal_error', 'no client certificate verifier configured');
    const publicKey = verifyPeerChain(verifier, chain, { serverName: undefined, now: ctx.now() });
    ctx.outcome.peerCertificates = chain;
    return new ExpectClientCertificateVerify(this.policy, this.keys, publicKey);
  }
}

/** Awaits the client CertificateVerify (section 4.4.3). */
class ExpectClientCertificateVerify implements HandshakeState {
  readonly name = 'ExpectClientCertificateVerify';
  constructor(private readonly policy: ServerPolicy, private readonly keys: ServerFlightKeys, private readonly publicKey: PublicKey) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate_verify, this.name);
    const cv = decodeCertificateVerify(message.body);
    const content = certificateVerifyContent('client', ctx.transcript.hash());
    verifyPeerSignature(ctx.provider, this.policy.signatureSchemes, this.publicKey, cv.scheme, cv.signature, content);
    ctx.transcript.add(message.raw);
    return new ExpectClientFinished(this.policy, this.keys);
  }
}

/** Awaits the client Finished (section 4.4.4), then sends tickets. */
class ExpectClientFinished implements HandshakeState {
  readonly name = 'ExpectClientFinished';
  constructor(private readonly policy: ServerPolicy, private readonly keys: ServerFlightKeys) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    const { schedule } = this.keys;
    const suite = schedule.suite;
    const expected = schedule.finishedVerifyData(this.keys.clientHandshakeSecret, ctx.transcript.hash());
    if (!bytesEqual(decodeFinished(message.body, suite.hashLength), expected)) {
      throw TLSAlertError.sent('decrypt_error', 'client Finished verify_data is wrong');
    }
    ctx.transcript.add(message.raw);
    ctx.allowChangeCipherSpec(false);
    ctx.setReadSecret(suite, this.keys.clientApplicationSecret);
    const resumption = schedule.resumptionMasterSecret(ctx.transcript.hash());
    this.sendNewSessionTickets(ctx);
    ctx.complete();
    return new TrafficState(
      'server',
      suite,
      schedule,
      this.keys.clientApplicationSecret,
      this.keys.serverApplicationSecret,
      resumption,
      undefined,
    );
  }

  /** NewSessionTicket (section 4.6.1). Tickets are opaque random labels until resumption lands, unless `issueTicket` makes them. */
  private sendNewSessionTickets(ctx: HandshakeContext): void {
    const s = this.policy.settings;
    const count = s.ticketCount ?? 1;
    for (let i = 0; i < count; i++) {
      const ticket = s.issueTicket ? s.issueTicket(i) : randomTicket(ctx, i, s.ticketLifetimeSeconds ?? 7200);
      ctx.send(frameHandshake(HandshakeType.new_session_ticket, encodeNewSessionTicket(ticket)));
    }
  }
}

/** A ticket that names nothing yet: random age_add and ticket, a one-byte nonce. */
function randomTicket(ctx: HandshakeContext, index: number, lifetime: number): NewSessionTicket {
  const ageBytes = ctx.random(4);
  const ageAdd = ((ageBytes[0]! << 24) >>> 0) + ((ageBytes[1]! << 16) | (ageBytes[2]! << 8) | ageBytes[3]!);
  return { lifetime, ageAdd, nonce: Uint8Array.of(index), ticket: ctx.random(32), extensions: [] };
}
