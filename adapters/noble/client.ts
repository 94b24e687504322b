/**
 * The TLS 1.3 client handshake (RFC 8446 sections 4.1-4.4, 2): one small state per
 * expected message, each with `handle(message)` returning the next state, and the
 * steps named as the RFC names them: sendClientHello, processServerHello,
 * processHelloRetryRequest, readEncryptedExtensions, readServerCertificate,
 * readServerCertificateVerify, readServerFinished, sendClientFinished.
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  KeyExchangeError,
  NamedGroup,
  type ClientKeyShare,
  type PublicKey,
  SignatureScheme,
} from '../../src/crypto/provider.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeEncryptedExtensions,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateVerify,
  frameHandshake,
  HandshakeType,
  isHelloRetryRequest,
  type HandshakeMessage,
  type ServerHello,
} from './codec/handshake.js';
import {
  decodeAlpn,
  decodeCookie,
  decodeRecordSizeLimit,
  decodeSelectedGroup,
  decodeSelectedIdentity,
  decodeSelectedVersion,
  decodeServerKeyShare,
  decodeU16List,
  ExtensionType,
  findExtension,
  TLS12,
  TLS13,
} from './codec/extensions.js';
import {
  bytesEqual,
  certificateVerifyContent,
  checkResponseExtensions,
  chooseSigningScheme,
  expectType,
  verifyPeerChain,
  acceptPeerCertificateVerify,
  acceptPeerFinished,
  type HandshakeContext,
  type HandshakeState,
} from './handshake-context.js';
import { KeySchedule } from './key-schedule.js';
import { cipherSuiteByCode, type CipherSuite } from './suites.js';
import { TrafficState } from './traffic.js';

import { groupOf, sendClientHello, type ClientHelloState, type ClientPolicy } from './client-hello.js';
import { pskOfferFor, type PskOffer } from './psk.js';
import { earlyDataOffered } from './early-data.js';
import { startTls12Client } from './tls12/client.js';
import { tls12TicketOffer } from './tls12/client-resumption.js';

export type { ClientPolicy } from './client-hello.js';

/** Keys and facts carried through the encrypted part of the handshake. */
interface ServerParameters {
  readonly hello: ClientHelloState;
  readonly schedule: KeySchedule;
  readonly clientHandshakeSecret: Uint8Array;
  readonly serverHandshakeSecret: Uint8Array;
  /** The PSK the server accepted: the server authenticates by it, not by a certificate. */
  readonly psk: PskOffer | undefined;
}

/** A CertificateRequest from the server. */
interface CertificateRequestInfo {
  readonly context: Uint8Array;
  readonly schemes: readonly number[];
}

/** Sends the first ClientHello and returns the state awaiting ServerHello. */
export function startClient(ctx: HandshakeContext, policy: ClientPolicy): HandshakeState {
  const random = ctx.random(32);
  const tls13 = policy.versions.tls13;
  const ticket12 = tls12TicketOffer(policy, ctx.now());
  // A TLS 1.2-only hello has no key shares and no PSK; its session id is empty unless it
  // offers a TLS 1.2 ticket, whose acceptance the server signals by echoing it (RFC 5077 section 3.4).
  const middlebox = tls13 && (policy.settings.middleboxCompatibility ?? true);
  const sessionId = middlebox || ticket12 ? ctx.random(32) : new Uint8Array(0);
  const shares = tls13 ? policy.keyShareGroups.map((g) => groupOf(ctx, g).start(ctx.random)) : [];
  const psk = tls13 ? pskOfferFor(ctx.provider, policy.settings.session, policy.suites, policy.settings.serverName, ctx.now()) : undefined;
  const earlyData = earlyDataOffered(psk, policy.settings.earlyData, policy.suites);
  let hello = sendClientHello(ctx, policy, { random, sessionId, shares, retried: false, retrySuite: undefined, ccsSent: false, psk, earlyData, ticket12 });
  if (earlyData) hello = sendEarlyData(ctx, policy, hello, psk!);
  ctx.allowChangeCipherSpec(true);
  return new ExpectServerHello(policy, hello);
}

/** 0-RTT (section 2.3): [change_cipher_spec], then the data under client_early_traffic_secret, right after the ClientHello. */
function sendEarlyData(ctx: HandshakeContext, policy: ClientPolicy, hello: ClientHelloState, psk: PskOffer): ClientHelloState {
  const suite = psk.session.suite;
  const middlebox = policy.settings.middleboxCompatibility ?? true;
  // Appendix D.4: with early data the change_cipher_spec goes right after the ClientHello.
  if (middlebox) ctx.sendChangeCipherSpec();
  const secret = psk.schedule.clientEarlyTrafficSecret(ctx.provider.hash(suite.hash).digest(hello.raw));
  ctx.keylog('CLIENT_EARLY_TRAFFIC_SECRET', hello.random, secret);
  ctx.setWriteSecret(suite, secret);
  const data = policy.settings.earlyData!;
  ctx.sendEarlyData(data.subarray(0, psk.session.maxEarlyData));
  ctx.outcome.earlyData = 'rejected'; // until EncryptedExtensions says otherwise
  return { ...hello, ccsSent: middlebox || hello.ccsSent };
}


/** Awaits ServerHello or HelloRetryRequest. */
class ExpectServerHello implements HandshakeState {
  readonly name = 'ExpectServerHello';
  constructor(private readonly policy: ClientPolicy, private readonly hello: ClientHelloState) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.server_hello, this.name);
    const sh = decodeServerHello(message.body);
    // No supported_versions: the server chose TLS 1.2 or below (RFC 8446 section 4.2.1).
    if (!findExtension(sh.extensions, ExtensionType.supported_versions)) return startTls12Client(ctx, this.policy, this.hello, message, sh);
    const suite = this.checkServerHello(sh);
    if (isHelloRetryRequest(sh)) return this.processHelloRetryRequest(ctx, message, sh, suite);
    return this.processServerHello(ctx, message, sh, suite);
  }

  /** The checks ServerHello and HelloRetryRequest share (section 4.1.3). */
  private checkServerHello(sh: ServerHello & { legacyVersion: number }): CipherSuite {
    const versionBody = findExtension(sh.extensions, ExtensionType.supported_versions)!;
    if (!this.policy.versions.tls13) throw TLSAlertError.sent('unsupported_extension', 'server sent supported_versions to a TLS 1.2-only ClientHello');
    if (decodeSelectedVersion(versionBody) !== TLS13) throw TLSAlertError.sent('illegal_parameter', 'server selected a version we did not offer');
    if (sh.legacyVersion !== TLS12) throw TLSAlertError.sent('protocol_version', 'ServerHello legacy_version is not 0x0303');
    if (!bytesEqual(sh.legacySessionIdEcho, this.hello.sessionId)) {
      throw TLSAlertError.sent('illegal_parameter', 'legacy_session_id_echo differs from our session id');
    }
    if (sh.legacyCompressionMethod !== 0) throw TLSAlertError.sent('illegal_parameter', 'legacy_compression_method is not 0');
    const suite = cipherSuiteByCode(sh.cipherSuite);
    if (!suite || !this.policy.suites.includes(suite)) {
      throw TLSAlertError.sent('illegal_parameter', `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`);
    }
    if (this.hello.retrySuite && this.hello.retrySuite !== suite) {
      throw TLSAlertError.sent('illegal_parameter', 'ServerHello cipher suite differs from the HelloRetryRequest');
    }
    return suite;
  }

  /** HelloRetryRequest (section 4.1.4): answer with a second ClientHello for the group asked. */
  private processHelloRetryRequest(ctx: HandshakeContext, message: HandshakeMessage, hrr: ServerHello, suite: CipherSuite): HandshakeState {
    if (this.hello.retried) throw TLSAlertError.sent('unexpected_message', 'second HelloRetryRequest');
    checkResponseExtensions(
      hrr.extensions,
      [...this.hello.extensions, { type: ExtensionType.cookie, data: new Uint8Array(0) }],
      [ExtensionType.key_share, ExtensionType.cookie, ExtensionType.supported_versions],
      'HelloRetryRequest',
    );
    const keyShareBody = findExtension(hrr.extensions, ExtensionType.key_share);
    const cookieBody = findExtension(hrr.extensions, ExtensionType.cookie);
    const cookie = cookieBody ? decodeCookie(cookieBody) : undefined;
    let shares = this.hello.shares;
    if (keyShareBody) {
      const code = decodeSelectedGroup(keyShareBody);
      const group = this.policy.groups.find((g) => NamedGroup[g] === code);
      if (!group) throw TLSAlertError.sent('illegal_parameter', `HelloRetryRequest selects group 0x${code.toString(16)} we did not offer`);
      if (shares.some((k) => k.group === group)) {
        throw TLSAlertError.sent('illegal_parameter', 'HelloRetryRequest selects a group we already sent a share for');
      }
      shares = [groupOf(ctx, group).start(ctx.random)];
    } else if (!cookie) {
      throw TLSAlertError.sent('illegal_parameter', 'HelloRetryRequest would not change the ClientHello');
    }
    ctx.outcome.helloRetried = true;
    ctx.transcript.start(ctx.provider.hash(suite.hash));
    ctx.transcript.replaceWithMessageHash();
    ctx.transcript.add(message.raw);
    const middlebox = this.policy.settings.middleboxCompatibility ?? true;
    // The second hello offers the PSK only if it fits the suite the server chose (section 4.1.4).
    const psk = this.hello.psk?.session.suite.hash === suite.hash ? this.hello.psk : undefined;
    // A HelloRetryRequest rejects 0-RTT; the second hello goes out unprotected (section 4.2.10).
    if (this.hello.earlyData) ctx.clearWriteKeys();
    const ccsSent = this.hello.ccsSent || middlebox;
    if (middlebox && !this.hello.ccsSent) ctx.sendChangeCipherSpec();
    const hello = sendClientHello(
      ctx,
      this.policy,
      { random: this.hello.random, sessionId: this.hello.sessionId, shares, retried: true, retrySuite: suite, ccsSent, psk, earlyData: false, ticket12: this.hello.ticket12 },
      cookie,
    );
    return new ExpectServerHello(this.policy, hello);
  }

  /** ServerHello (section 4.1.3): finish the key exchange and switch to handshake keys. */
  private processServerHello(ctx: HandshakeContext, message: HandshakeMessage, sh: ServerHello, suite: CipherSuite): HandshakeState {
    checkResponseExtensions(
      sh.extensions,
      this.hello.extensions,
      [ExtensionType.key_share, ExtensionType.supported_versions, ExtensionType.pre_shared_key],
      'ServerHello',
    );
    const psk = this.acceptedPsk(sh, suite);
    const keyShareBody = findExtension(sh.extensions, ExtensionType.key_share);
    let shared: Uint8Array;
    let group: ClientKeyShare['group'] | undefined;
    if (!keyShareBody) {
      // psk_ke (section 4.2.9): no (EC)DHE, its input to the key schedule is zeros.
      if (!psk || !(this.policy.settings.pskModes ?? []).includes('psk_ke')) throw TLSAlertError.sent('missing_extension', 'ServerHello has no key_share');
      shared = new Uint8Array(suite.hashLength);
    } else {
      const serverShare = decodeServerKeyShare(keyShareBody);
      const ours = this.hello.shares.find((k) => NamedGroup[k.group] === serverShare.group);
      if (!ours) throw TLSAlertError.sent('illegal_parameter', 'ServerHello key_share is for a group we sent no share for');
      try {
        shared = ours.complete(serverShare.keyExchange);
      } catch (e) {
        if (e instanceof KeyExchangeError) throw TLSAlertError.sent('illegal_parameter', `server key share is invalid: ${e.message}`);
        throw e;
      }
      group = ours.group;
    }
    ctx.outcome.suite = suite;
    ctx.outcome.group = group;
    ctx.outcome.resumed = psk !== undefined;
    ctx.transcript.start(ctx.provider.hash(suite.hash));
    ctx.transcript.add(message.raw);
    const schedule = new KeySchedule(ctx.provider, suite, psk?.session.psk);
    schedule.deriveHandshakeSecret(shared);
    const secrets = schedule.handshakeTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.hello.random, secrets.client);
    ctx.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.hello.random, secrets.server);
    ctx.setReadSecret(suite, secrets.server);
    // With 0-RTT in flight our write keys stay the early ones until EncryptedExtensions tells (section 4.2.10).
    if (!(psk && this.hello.earlyData)) ctx.setWriteSecret(suite, secrets.client);
    return new ExpectEncryptedExtensions(this.policy, {
      hello: this.hello,
      schedule,
      clientHandshakeSecret: secrets.client,
      serverHandshakeSecret: secrets.server,
      psk,
    });
  }

  /** The PSK the server selected (section 4.2.11), checked against what we offered; undefined for a full handshake. */
  private acceptedPsk(sh: ServerHello, suite: CipherSuite): PskOffer | undefined {
    const body = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    if (!body) return undefined;
    const offer = this.hello.psk;
    if (!offer || decodeSelectedIdentity(body) !== 0) throw TLSAlertError.sent('illegal_parameter', 'server selected a PSK we did not offer');
    if (offer.session.suite.hash !== suite.hash) throw TLSAlertError.sent('illegal_parameter', "server chose a suite whose hash is not the PSK's");
    return offer;
  }
}

/** Awaits EncryptedExtensions (section 4.3.1). */
class ExpectEncryptedExtensions implements HandshakeState {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(private readonly policy: ClientPolicy, private readonly params: ServerParameters) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.encrypted_extensions, this.name);
    const extensions = decodeEncryptedExtensions(message.body);
    checkResponseExtensions(
      extensions,
      this.params.hello.extensions,
      [
        ExtensionType.server_name,
        ExtensionType.max_fragment_length,
        ExtensionType.supported_groups,
        ExtensionType.use_srtp,
        ExtensionType.heartbeat,
        ExtensionType.application_layer_protocol_negotiation,
        ExtensionType.client_certificate_type,
        ExtensionType.server_certificate_type,
        ExtensionType.record_size_limit,
        ExtensionType.early_data,
      ],
      'EncryptedExtensions',
    );
    const alpnBody = findExtension(extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpnBody) {
      const chosen = decodeAlpn(alpnBody);
      if (chosen.length !== 1 || !this.policy.settings.alpnProtocols?.includes(chosen[0]!)) {
        throw TLSAlertError.sent('illegal_parameter', 'server chose an ALPN protocol we did not offer');
      }
      ctx.outcome.alpnProtocol = chosen[0];
    }
    ctx.outcome.serverName = findExtension(this.params.hello.extensions, ExtensionType.server_name) ? this.policy.settings.serverName : undefined;
    // RFC 8449 section 4: the server's limit binds our protected records from here on, ours its.
    const recordSizeLimit = findExtension(extensions, ExtensionType.record_size_limit);
    if (recordSizeLimit) ctx.limitRecordSize(decodeRecordSizeLimit(recordSizeLimit));
    ctx.transcript.add(message.raw);
    this.readEarlyDataAnswer(ctx, extensions);
    if (this.params.psk) return this.resumeServerIdentity(ctx, this.params.psk);
    return new ExpectCertificateOrCertificateRequest(this.policy, this.params);
  }

  /** 0-RTT accepted or not (section 4.2.10): an early_data answer only for a hello that offered it, with the session's suite. */
  private readEarlyDataAnswer(ctx: HandshakeContext, extensions: readonly { type: number }[]): void {
    const accepted = extensions.some((e) => e.type === ExtensionType.early_data);
    const { hello, psk } = this.params;
    if (accepted && (!psk || psk.session.suite !== ctx.outcome.suite)) {
      throw TLSAlertError.sent('illegal_parameter', 'server accepted early data for a session it did not resume with its suite');
    }
    if (accepted) ctx.outcome.earlyData = 'accepted';
    else if (hello.earlyData && psk) ctx.setWriteSecret(this.params.schedule.suite, this.params.clientHandshakeSecret);
  }

  /** A resumed handshake has no Certificate (section 2.2): the server's chain is the one verified when the session was made. */
  private resumeServerIdentity(ctx: HandshakeContext, psk: PskOffer): HandshakeState {
    ctx.outcome.peerCertificates = psk.session.peerCertificates;
    return new ExpectServerFinished(this.policy, this.params, undefined);
  }
}

/** Awaits CertificateRequest or the server Certificate (section 4.3.2). */
class ExpectCertificateOrCertificateRequest implements HandshakeState {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  constructor(private readonly policy: ClientPolicy, private readonly params: ServerParameters) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    if (message.type === HandshakeType.certificate) {
      return new ExpectServerCertificate(this.policy, this.params, undefined).handle(ctx, message);
    }
    expectType(message, HandshakeType.certificate_request, this.name);
    const request = decodeCertificateRequest(message.body);
    if (request.context.length !== 0) throw TLSAlertError.sent('illegal_parameter', 'handshake CertificateRequest has a context');
    const schemesBody = findExtension(request.extensions, ExtensionType.signature_algorithms);
    if (!schemesBody) throw TLSAlertError.sent('missing_extension', 'CertificateRequest has no signature_algorithms');
    ctx.transcript.add(message.raw);
    return new ExpectServerCertificate(this.policy, this.params, {
      context: request.context,
      schemes: decodeU16List(schemesBody, 'signature_algorithms'),
    });
  }
}

/** Awaits the server Certificate (section 4.4.2) and validates the chain. */
class ExpectServerCertificate implements HandshakeState {
  readonly name = 'ExpectServerCertificate';
  constructor(
    private readonly policy: ClientPolicy,
    private readonly params: ServerParameters,
    private readonly request: CertificateRequestInfo | undefined,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate, this.name);
    const certificate = decodeCertificate(message.body);
    if (certificate.context.length !== 0) throw TLSAlertError.sent('illegal_parameter', 'server Certificate has a request context');
    if (certificate.entries.length === 0) throw TLSAlertError.sent('decode_error', 'server sent an empty Certificate');
    for (const entry of certificate.entries) checkResponseExtensions(entry.extensions, this.params.hello.extensions, [5, 18], 'CertificateEntry');
    const chain = certificate.entries.map((e) => e.data);
    const publicKey = verifyPeerChain(this.policy.settings.verifyServer, chain, {
      serverName: this.policy.settings.serverName,
      now: ctx.now(),
    }, ctx.outcome);
    ctx.outcome.peerCertificates = chain;
    ctx.transcript.add(message.raw);
    return new ExpectServerCertificateVerify(this.policy, this.params, this.request, publicKey);
  }
}

/** Awaits the server CertificateVerify (section 4.4.3). */
class ExpectServerCertificateVerify implements HandshakeState {
  readonly name = 'ExpectServerCertificateVerify';
  constructor(
    private readonly policy: ClientPolicy,
    private readonly params: ServerParameters,
    private readonly request: CertificateRequestInfo | undefined,
    private readonly publicKey: PublicKey,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate_verify, this.name);
    ctx.outcome.signatureScheme = acceptPeerCertificateVerify(ctx, 'server', this.policy.signatureSchemes, this.publicKey, message);
    return new ExpectServerFinished(this.policy, this.params, this.request);
  }
}

/** Awaits the server Finished (section 4.4.4), then sends the client's flight. */
class ExpectServerFinished implements HandshakeState {
  readonly name = 'ExpectServerFinished';
  constructor(
    private readonly policy: ClientPolicy,
    private readonly params: ServerParameters,
    private readonly request: CertificateRequestInfo | undefined,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    const { schedule, hello } = this.params;
    const suite = schedule.suite;
    acceptPeerFinished(ctx, 'server', schedule, this.params.serverHandshakeSecret, message);
    schedule.deriveMasterSecret();
    const app = schedule.applicationTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_TRAFFIC_SECRET_0', hello.random, app.client);
    ctx.keylog('SERVER_TRAFFIC_SECRET_0', hello.random, app.server);
    ctx.keylog('EXPORTER_SECRET', hello.random, app.exporter);
    ctx.setExporterSecret(suite, app.exporter);
    ctx.setReadSecret(suite, app.server);
    ctx.allowChangeCipherSpec(false);
    this.sendClientFlight(ctx);
    ctx.setWriteSecret(suite, app.client);
    const resumption = schedule.resumptionMasterSecret(ctx.transcript.hash());
    ctx.complete();
    return new TrafficState('client', suite, schedule, app.client, app.server, resumption, this.policy.settings.serverName);
  }

  /** The client's second flight: [CCS], [Certificate, CertificateVerify], Finished (section 4.4). */
  private sendClientFlight(ctx: HandshakeContext): void {
    const { schedule, hello } = this.params;
    const middlebox = this.policy.settings.middleboxCompatibility ?? true;
    if (middlebox && !hello.ccsSent) ctx.sendChangeCipherSpec();
    if (ctx.outcome.earlyData === 'accepted') this.sendEndOfEarlyData(ctx);
    if (this.request) this.sendClientCertificate(ctx, this.request);
    const verifyData = schedule.finishedVerifyData(this.params.clientHandshakeSecret, ctx.transcript.hash());
    const finished = frameHandshake(HandshakeType.finished, verifyData);
    ctx.transcript.add(finished.raw);
    ctx.send(finished);
  }

  /** EndOfEarlyData (section 4.5) under the early keys, then our handshake keys for Finished. */
  private sendEndOfEarlyData(ctx: HandshakeContext): void {
    const end = frameHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
    ctx.transcript.add(end.raw);
    ctx.send(end);
    ctx.setWriteSecret(this.params.schedule.suite, this.params.clientHandshakeSecret);
  }

  /** Certificate (empty when we have none the server can accept) and CertificateVerify. */
  private sendClientCertificate(ctx: HandshakeContext, request: CertificateRequestInfo): void {
    const s = this.policy.settings;
    const scheme =
      s.certificateChain?.length && s.privateKey
        ? chooseSigningScheme(ctx.provider, s.privateKey, this.policy.signatureSchemes, request.schemes)
        : undefined;
    const chain = scheme ? s.certificateChain! : [];
    const certificate = frameHandshake(
      HandshakeType.certificate,
      encodeCertificate({ context: request.context, entries: chain.map((data) => ({ data, extensions: [] })) }),
    );
    ctx.transcript.add(certificate.raw);
    ctx.send(certificate);
    if (!scheme) return;
    const content = certificateVerifyContent('client', ctx.transcript.hash());
    const signature = s.signer ? s.signer(scheme, content) : ctx.provider.sign(scheme, s.privateKey!, content, ctx.random);
    const verify = frameHandshake(HandshakeType.certificate_verify, encodeCertificateVerify({ scheme: SignatureScheme[scheme], signature }));
    ctx.transcript.add(verify.raw);
    ctx.send(verify);
  }
}
