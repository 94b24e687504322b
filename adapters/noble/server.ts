/**
 * The TLS 1.3 server handshake (RFC 8446 sections 4.1-4.4, 2): one small state per
 * expected message, with the steps named as the RFC names them: readClientHello,
 * chooseParameters, sendHelloRetryRequest, sendServerHello, sendServerParameters,
 * sendServerCertificate, sendServerFinished, readClientCertificate,
 * readClientCertificateVerify; readClientFinished and sendNewSessionTickets are in
 * server-finished.ts. With `splitServerFlight` the costly steps (the key exchange, the
 * signature, the work ahead for the client's Finished and the tickets) each begin in a turn
 * of their own (next-turn.ts).
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  KeyExchangeError,
  NamedGroup,
  SignatureScheme,
  type PublicKey,
  type SignatureSchemeName,
} from '../../src/crypto/provider.js';
import {
  decodeCertificate,
  decodeClientHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeServerHello,
  frameHandshake,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  type ClientHello,
  type HandshakeMessage,
} from './codec/handshake.js';
import {
  decodeRecordSizeLimit,
  encodeAlpn,
  encodeCookie,
  encodeRecordSizeLimit,
  encodeSelectedGroup,
  encodeSelectedIdentity,
  encodeSelectedVersion,
  encodeServerKeyShare,
  encodeU16List,
  ExtensionType,
  findExtension,
  TLS13,
  type Extension,
} from './codec/extensions.js';
import {
  certificateVerifyContent,
  expectType,
  verifyPeerChain,
  acceptPeerCertificateVerify,
  type HandshakeContext,
  type HandshakeState,
} from './handshake-context.js';
import { KeySchedule } from './key-schedule.js';

import { startTls12Server } from './tls12/server.js';
import { chooseServerVersion, enabledVersions } from './tls12/versions.js';
import { chooseParameters, type ChosenParameters, type ReceivedClientHello, type RetryState, type ServerPolicy } from './server-parameters.js';
import { acceptPsk, DEFAULT_PSK_MODES, type AcceptedPsk } from './psk.js';
import type { ServerCredential } from './server-credentials.js';
import { AwaitReplayDecision, earlyDataAcceptable, REPLAY_WINDOW_MS } from './early-data.js';
import { AwaitNextTurn } from './next-turn.js';
import { clientFinishedAhead, ExpectClientFinished, type ServerFlightKeys } from './server-finished.js';

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
    // The version switch: a ClientHello that chooses TLS 1.2 goes to the TLS 1.2 state machine.
    if (!this.retry && chooseServerVersion(enabledVersions(this.policy.settings), hello) === 'TLSv1.2') {
      return startTls12Server(ctx, this.policy, message, hello);
    }
    const chosen = chooseParameters(ctx, this.policy, this.retry, hello);
    const psk = this.selectPsk(ctx, hello, message, chosen);
    if (!chosen.clientShare && psk?.mode !== 'psk_ke') return this.sendHelloRetryRequest(ctx, message, hello, chosen);
    if (this.retry) ctx.transcript.add(message.raw);
    else {
      ctx.transcript.start(ctx.provider.hash(chosen.suite.hash));
      ctx.transcript.add(message.raw);
    }
    if (earlyDataAcceptable(hello, psk, chosen.suite, this.policy.settings.maxEarlyData ?? 0, this.retry !== undefined)) {
      // Section 8.2: 0-RTT only for a ClientHello the anti-replay store has not seen; the caller answers.
      const clientHelloHash = ctx.transcript.hash();
      return new AwaitReplayDecision({ key: psk.binder, ttlMs: REPLAY_WINDOW_MS }, (c, fresh) =>
        this.sendServerFlight(c, hello, chosen, psk, fresh ? clientHelloHash : undefined),
      );
    }
    return this.sendServerFlight(ctx, hello, chosen, psk, undefined);
  }

  /** The offered session ticket that resumes this connection, if any (section 4.2.11); see psk.ts. */
  private selectPsk(ctx: HandshakeContext, hello: ClientHello, message: HandshakeMessage, chosen: ChosenParameters): AcceptedPsk | undefined {
    const s = this.policy.settings;
    return acceptPsk(
      {
        provider: ctx.provider,
        ring: s.ticketKeys,
        modes: s.pskModes ?? DEFAULT_PSK_MODES,
        now: ctx.now(),
        suite: chosen.suite,
        serverName: chosen.serverName,
        alpnProtocol: chosen.alpn,
        requireClientCertificate: s.clientAuthentication === 'require',
        transcriptBefore: this.retry ? ctx.transcript : undefined,
      },
      hello,
      message.raw,
    );
  }

  /** sendHelloRetryRequest (section 4.1.4): ask for a share of our preferred group. */
  private sendHelloRetryRequest(ctx: HandshakeContext, message: HandshakeMessage, hello: ReceivedClientHello, chosen: ChosenParameters): HandshakeState {
    if (this.retry) throw TLSAlertError.sent('illegal_parameter', 'second ClientHello still lacks the requested key share');
    ctx.transcript.start(ctx.provider.hash(chosen.suite.hash));
    ctx.transcript.add(message.raw);
    ctx.transcript.replaceWithMessageHash();
    const cookie = (this.policy.settings.retryCookie ?? false) ? ctx.random(32) : undefined;
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
    // Section 4.2.10: 0-RTT records may follow the first ClientHello; skip them until the second.
    if (findExtension(hello.extensions, ExtensionType.early_data)) ctx.skipEarlyData('application_data');
    return new ExpectClientHello(this.policy, { firstHello: hello, suite: chosen.suite, group: chosen.group, cookie, ccsSent });
  }

  /** sendServerHello, sendServerParameters, sendServerCertificate, sendServerFinished (section 4); a resumption skips the certificate. */
  private sendServerFlight(
    ctx: HandshakeContext,
    hello: ClientHello,
    chosen: ChosenParameters,
    psk: AcceptedPsk | undefined,
    /** Transcript-Hash(ClientHello) when 0-RTT is accepted (the client early traffic secret is derived over it). */
    acceptEarlyData: Uint8Array | undefined,
  ): HandshakeState {
    // The key exchange begins a turn of its own.
    return inTurn(ctx, this.policy, (c) => this.sendServerHello(c, hello, chosen, psk, acceptEarlyData));
  }

  /** The (EC)DHE answer, ServerHello and the handshake traffic keys (sections 4.1.3, 7.1). */
  private sendServerHello(
    ctx: HandshakeContext,
    hello: ClientHello,
    chosen: ChosenParameters,
    psk: AcceptedPsk | undefined,
    acceptEarlyData: Uint8Array | undefined,
  ): HandshakeState {
    const { suite, group } = chosen;
    const recordSizeLimitBody = findExtension(hello.extensions, ExtensionType.record_size_limit);
    const peerRecordSizeLimit = recordSizeLimitBody ? decodeRecordSizeLimit(recordSizeLimitBody) : undefined;
    const serverRandom = ctx.random(32);
    // psk_ke (section 4.2.9) has no (EC)DHE; its input to the key schedule is zeros.
    const response = psk?.mode === 'psk_ke' ? undefined : respondToKeyShare(ctx, chosen);
    Object.assign(ctx.outcome, {
      suite,
      group: response ? group : undefined,
      alpnProtocol: chosen.alpn,
      serverName: chosen.serverName,
      signatureScheme: psk ? undefined : chosen.scheme,
    });
    if (psk) resumeClientIdentity(ctx, psk);

    const extensions: Extension[] = [];
    if (response) extensions.push({ type: ExtensionType.key_share, data: encodeServerKeyShare({ group: NamedGroup[group], keyExchange: response.share }) });
    extensions.push({ type: ExtensionType.supported_versions, data: encodeSelectedVersion(TLS13) });
    if (psk) extensions.push({ type: ExtensionType.pre_shared_key, data: encodeSelectedIdentity(psk.index) });
    const serverHello = frameHandshake(
      HandshakeType.server_hello,
      encodeServerHello({
        random: serverRandom,
        legacySessionIdEcho: hello.legacySessionId,
        cipherSuite: suite.code,
        legacyCompressionMethod: 0,
        extensions,
      }),
    );
    ctx.transcript.add(serverHello.raw);
    ctx.send(serverHello);
    if (hello.legacySessionId.length > 0 && !this.retry?.ccsSent) ctx.sendChangeCipherSpec();

    const schedule = psk?.schedule ?? new KeySchedule(ctx.provider, suite);
    schedule.deriveHandshakeSecret(response?.sharedSecret ?? new Uint8Array(suite.hashLength));
    const hs = schedule.handshakeTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hello.random, hs.client);
    ctx.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hello.random, hs.server);
    ctx.setWriteSecret(suite, hs.server);

    const rest = (c: HandshakeContext) => this.sendServerAuthentication(c, hello, chosen, psk, acceptEarlyData, schedule, hs, peerRecordSizeLimit);
    // A full handshake signs: the signature begins a turn of its own (a resumption makes none).
    return psk ? rest(ctx) : inTurn(ctx, this.policy, rest);
  }

  /** The rest of the server flight: EncryptedExtensions, CertificateRequest, Certificate and CertificateVerify (full handshakes), Finished (sections 4.3, 4.4). */
  private sendServerAuthentication(
    ctx: HandshakeContext,
    hello: ClientHello,
    chosen: ChosenParameters,
    psk: AcceptedPsk | undefined,
    acceptEarlyData: Uint8Array | undefined,
    schedule: KeySchedule,
    hs: { readonly client: Uint8Array; readonly server: Uint8Array },
    peerRecordSizeLimit: number | undefined,
  ): HandshakeState {
    const suite = chosen.suite;
    const s = this.policy.settings;
    const earlyOffered = findExtension(hello.extensions, ExtensionType.early_data) !== undefined;
    ctx.outcome.earlyData = earlyOffered ? (acceptEarlyData ? 'accepted' : 'rejected') : 'none';
    // RFC 8449 section 4: the client's limit binds every protected record we send (from
    // EncryptedExtensions on); ours, answered there, binds the client's under its handshake keys.
    if (peerRecordSizeLimit !== undefined) ctx.limitRecordSize(peerRecordSizeLimit);
    this.sendEncryptedExtensions(ctx, hello, chosen, acceptEarlyData !== undefined);
    const auth = psk ? 'none' : (s.clientAuthentication ?? 'none');
    if (auth !== 'none') this.sendCertificateRequest(ctx);
    if (!psk) this.sendServerCertificate(ctx, chosen.credential, chosen.scheme);

    const finished = frameHandshake(HandshakeType.finished, schedule.finishedVerifyData(hs.server, ctx.transcript.hash()));
    ctx.transcript.add(finished.raw);
    ctx.send(finished);
    // The flight is complete: it leaves before any turn the handshake waits for from here on.
    ctx.markFlightAwaited();

    schedule.deriveMasterSecret();
    const app = schedule.applicationTrafficSecrets(ctx.transcript.hash());
    ctx.keylog('CLIENT_TRAFFIC_SECRET_0', hello.random, app.client);
    ctx.keylog('SERVER_TRAFFIC_SECRET_0', hello.random, app.server);
    ctx.keylog('EXPORTER_SECRET', hello.random, app.exporter);
    ctx.setExporterSecret(suite, app.exporter);
    ctx.setWriteSecret(suite, app.server);
    ctx.enableApplicationWrites();
    const keys: ServerFlightKeys = {
      schedule,
      clientRandom: hello.random,
      clientHandshakeSecret: hs.client,
      clientApplicationSecret: app.client,
      serverApplicationSecret: app.server,
    };
    if (psk && acceptEarlyData) return this.readEarlyData(ctx, hello, psk, acceptEarlyData, keys);
    ctx.setReadSecret(suite, hs.client);
    // Section 4.2.10: we do not accept 0-RTT, so records under the client's early keys are skipped.
    if (earlyOffered) ctx.skipEarlyData('undecryptable');
    if (auth !== 'none') return new ExpectClientCertificate(this.policy, keys);
    // Split: the client's Finished and the tickets are worked out in a turn of their own while the flight travels.
    if (!this.policy.splitServerFlight) return new ExpectClientFinished(this.policy, keys, undefined);
    return new AwaitNextTurn((c) => new ExpectClientFinished(this.policy, keys, clientFinishedAhead(c, this.policy, keys)));
  }

  /** 0-RTT accepted (section 4.2.10): read under client_early_traffic_secret until EndOfEarlyData. */
  private readEarlyData(ctx: HandshakeContext, hello: ClientHello, psk: AcceptedPsk, clientHelloHash: Uint8Array, keys: ServerFlightKeys): HandshakeState {
    const secret = psk.schedule.clientEarlyTrafficSecret(clientHelloHash);
    ctx.keylog('CLIENT_EARLY_TRAFFIC_SECRET', hello.random, secret);
    ctx.setReadSecret(psk.schedule.suite, secret);
    ctx.acceptEarlyData(psk.contents.maxEarlyData);
    return new ExpectEndOfEarlyData(this.policy, keys);
  }

  /** EncryptedExtensions (section 4.3.1): ALPN, an empty server_name when SNI was used, early_data when 0-RTT is accepted. */
  private sendEncryptedExtensions(ctx: HandshakeContext, hello: ClientHello, chosen: ChosenParameters, earlyData: boolean): void {
    const ext: Extension[] = [];
    if (earlyData) ext.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    if (chosen.alpn) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([chosen.alpn]) });
    if (chosen.serverName !== undefined) ext.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    if (ctx.outcome.peerRecordSizeLimit !== undefined) ext.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(ctx.recordSizeLimit) });
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
  private sendServerCertificate(ctx: HandshakeContext, credential: ServerCredential, scheme: SignatureSchemeName): void {
    const s = this.policy.settings;
    const certificate = certificateMessage(credential.certificateChain);
    ctx.transcript.add(certificate.raw);
    ctx.send(certificate);
    const content = certificateVerifyContent('server', ctx.transcript.hash());
    // The signer stands in for the key of the main pair only.
    const signer = credential.privateKey === s.privateKey ? s.signer : undefined;
    const signature = signer ? signer(scheme, content) : ctx.provider.sign(scheme, credential.privateKey, content, ctx.random);
    const verify = frameHandshake(HandshakeType.certificate_verify, encodeCertificateVerify({ scheme: SignatureScheme[scheme], signature }));
    ctx.transcript.add(verify.raw);
    ctx.send(verify);
  }
}

/** Awaits EndOfEarlyData (section 4.5) while accepted 0-RTT data arrives; then the client's handshake keys. */
class ExpectEndOfEarlyData implements HandshakeState {
  readonly name = 'ExpectEndOfEarlyData';
  constructor(private readonly policy: ServerPolicy, private readonly keys: ServerFlightKeys) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.end_of_early_data, this.name);
    if (message.body.length !== 0) throw TLSAlertError.sent('decode_error', 'EndOfEarlyData is not empty');
    ctx.transcript.add(message.raw);
    ctx.endEarlyData();
    ctx.setReadSecret(this.keys.schedule.suite, this.keys.clientHandshakeSecret);
    return new ExpectClientFinished(this.policy, this.keys, undefined);
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
      return new ExpectClientFinished(this.policy, this.keys, undefined);
    }
    const chain = certificate.entries.map((e) => e.data);
    const verifier = this.policy.settings.verifyClient;
    if (!verifier) throw TLSAlertError.sent('internal_error', 'no client certificate verifier configured');
    const publicKey = verifyPeerChain(verifier, chain, { serverName: undefined, now: ctx.now() }, ctx.outcome);
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
    acceptPeerCertificateVerify(ctx, 'client', this.policy.signatureSchemes, this.publicKey, message);
    return new ExpectClientFinished(this.policy, this.keys, undefined);
  }
}

/** `step` now, or in the caller's next turn when the server flight is split (next-turn.ts). */
function inTurn(ctx: HandshakeContext, policy: ServerPolicy, step: (ctx: HandshakeContext) => HandshakeState): HandshakeState {
  return policy.splitServerFlight ? new AwaitNextTurn(step) : step(ctx);
}

/** The Certificate message of each chain, built once: every full handshake sends the same bytes (nothing writes to them). */
const certificateMessages = new WeakMap<readonly Uint8Array[], HandshakeMessage>();

/** Certificate (section 4.4.2) for `chain`, with an empty context and no entry extensions. */
function certificateMessage(chain: readonly Uint8Array[]): HandshakeMessage {
  let message = certificateMessages.get(chain);
  if (!message) {
    message = frameHandshake(
      HandshakeType.certificate,
      encodeCertificate({ context: new Uint8Array(0), entries: chain.map((data) => ({ data, extensions: [] })) }),
    );
    certificateMessages.set(chain, message);
  }
  return message;
}

/** The server's (EC)DHE answer to the client's key share; illegal_parameter for a bad share. */
function respondToKeyShare(ctx: HandshakeContext, chosen: ChosenParameters): { share: Uint8Array; sharedSecret: Uint8Array } {
  try {
    return ctx.provider.group(chosen.group)!.respond(chosen.clientShare!.keyExchange, ctx.random);
  } catch (e) {
    if (e instanceof KeyExchangeError) throw TLSAlertError.sent('illegal_parameter', `client key share is invalid: ${e.message}`);
    throw e;
  }
}

/** A resumed connection's client identity is the one in the ticket (section 2.2): no Certificate is exchanged. */
function resumeClientIdentity(ctx: HandshakeContext, psk: AcceptedPsk): void {
  ctx.outcome.resumed = true;
  ctx.outcome.peerCertificates = psk.contents.peerCertificates;
}
