/**
 * The TLS 1.2 client handshake (RFC 5246 section 7.3), ECDHE with AEAD only: one small
 * state per expected message, with the steps named as RFC 5246 names them:
 * readServerHello (client-server-hello.ts), readServerCertificate,
 * readServerKeyExchange, readCertificateRequest, readServerHelloDone, then our flight
 * (client-flight.ts) in one write, [readNewSessionTicket], readChangeCipherSpec and
 * readFinished; an accepted ticket takes the abbreviated path (client-resumption.ts). The ClientHello
 * is the one client-hello.ts sends for either version; the 1.3 client hands over here
 * when the ServerHello has no supported_versions.
 */
import { TLSAlertError } from '../../../src/errors.js';
import { KeyExchangeError, NamedGroup, type ClientKeyShare, type NamedGroupName, type PublicKey } from '../../../src/crypto/provider.js';
import { HandshakeType, type HandshakeMessage, type ServerHello } from '../codec/handshake.js';
import { expectType, verifyPeerChain, type HandshakeContext, type HandshakeState } from '../handshake-context.js';
import { groupOf, offeredGroups, offeredSignatureSchemes, type ClientHelloState, type ClientPolicy } from '../client-hello.js';
import { decodeCertificate12, decodeCertificateRequest12, decodeEmpty, decodeServerKeyExchange, serverKeyExchangeSignedContent, type CertificateRequest12 } from './messages.js';
import { readServerHello12 } from './client-server-hello.js';
import { sendClientFlight12 } from './client-flight.js';
import { acceptPeerFinished12, ExpectChangeCipherSpec, verifyDigitallySigned, type Tls12Session } from './session-keys.js';
import { TLS12_GROUPS, type Tls12CipherSuite } from './suites.js';
import { Tls12Transcript } from './transcript.js';
import { Tls12TrafficState } from './traffic.js';
import { ExpectNewSessionTicket12, keepSession12, startAbbreviatedClient } from './client-resumption.js';
import type { NewSessionTicket12 } from './tickets.js';

/** What the client knows once the ServerHello is read. */
export interface Tls12ClientHandshake {
  readonly policy: ClientPolicy;
  readonly transcript: Tls12Transcript;
  readonly suite: Tls12CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  /** The ServerHello's empty SessionTicket extension promised a NewSessionTicket (RFC 5077 section 3.2). */
  readonly ticketPromised: boolean;
}

/** ...and once the ServerKeyExchange is verified: our ephemeral share and the ECDHE secret. */
export interface Tls12ClientKeyExchange extends Tls12ClientHandshake {
  readonly ephemeral: ClientKeyShare;
  readonly preMasterSecret: Uint8Array;
}

/** Continues a client handshake whose ServerHello chose TLS 1.2 (`message` as received). */
export function startTls12Client(
  ctx: HandshakeContext,
  policy: ClientPolicy,
  hello: ClientHelloState,
  message: HandshakeMessage,
  sh: ServerHello & { readonly legacyVersion: number },
): HandshakeState {
  const { suite, resumed, ticketPromised } = readServerHello12(ctx, policy, hello, sh);
  ctx.allowChangeCipherSpec(false);
  ctx.outcome.protocol = 'TLSv1.2';
  const transcript = new Tls12Transcript(ctx.provider, suite.hash, [hello.raw, message.raw]);
  if (resumed) return startAbbreviatedClient(ctx, policy, hello, sh.random, transcript, ticketPromised);
  return new ExpectServerCertificate({ policy, transcript, suite, clientRandom: hello.random, serverRandom: sh.random, ticketPromised });
}

/** The key algorithms a suite's authentication takes (RFC 8422 section 2: ECDSA suites also carry EdDSA keys). */
function keyFitsSuite(key: PublicKey, suite: Tls12CipherSuite): boolean {
  return suite.authentication === 'RSA' ? key.kind === 'rsa' : key.kind !== 'rsa';
}

/** Awaits the server Certificate (section 7.4.2) and validates the chain with the same verifier as TLS 1.3. */
class ExpectServerCertificate implements HandshakeState {
  readonly name = 'ExpectServerCertificate';
  constructor(private readonly hs: Tls12ClientHandshake) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.certificate, this.name);
    const chain = decodeCertificate12(message.body);
    if (chain.length === 0) throw TLSAlertError.sent('decode_error', 'server sent an empty Certificate');
    const s = this.hs.policy.settings;
    const publicKey = verifyPeerChain(s.verifyServer, chain, { serverName: s.serverName, now: ctx.now() }, ctx.outcome);
    if (!keyFitsSuite(publicKey, this.hs.suite)) {
      throw TLSAlertError.sent('unsupported_certificate', `a ${publicKey.kind} certificate cannot authenticate ${this.hs.suite.name}`);
    }
    ctx.outcome.peerCertificates = chain;
    this.hs.transcript.add(message.raw);
    return new ExpectServerKeyExchange(this.hs, publicKey);
  }
}

/** Awaits ServerKeyExchange (RFC 8422 section 5.4): the signed ECDHE parameters; completes the key exchange. */
class ExpectServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectServerKeyExchange';
  constructor(private readonly hs: Tls12ClientHandshake, private readonly serverKey: PublicKey) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.server_key_exchange, this.name);
    const ske = decodeServerKeyExchange(message.body);
    const group = offeredGroups(this.hs.policy).find(
      (g): g is NamedGroupName & (typeof TLS12_GROUPS)[number] => (TLS12_GROUPS as readonly string[]).includes(g) && NamedGroup[g] === ske.params.group,
    );
    if (!group) throw TLSAlertError.sent('illegal_parameter', `ServerKeyExchange uses group 0x${ske.params.group.toString(16)} we did not offer for TLS 1.2`);
    const content = serverKeyExchangeSignedContent(this.hs.clientRandom, this.hs.serverRandom, ske.paramsBytes);
    // RFC 5246 section 7.4.3: the signature uses a scheme we offered (RSASSA-PKCS1-v1_5 allowed) and the certificate's key.
    ctx.outcome.signatureScheme = verifyDigitallySigned(
      ctx,
      offeredSignatureSchemes(this.hs.policy),
      this.serverKey,
      ske.scheme,
      content,
      ske.signature,
      'ServerKeyExchange',
    );
    const ephemeral = groupOf(ctx, group).start(ctx.random);
    let preMasterSecret: Uint8Array;
    try {
      preMasterSecret = ephemeral.complete(ske.params.publicKey);
    } catch (e) {
      if (e instanceof KeyExchangeError) throw TLSAlertError.sent('illegal_parameter', `server ECDHE public key is invalid: ${e.message}`);
      throw e;
    }
    ctx.outcome.group = group;
    this.hs.transcript.add(message.raw);
    return new ExpectCertificateRequestOrServerHelloDone({ ...this.hs, ephemeral, preMasterSecret });
  }
}

/** Awaits an optional CertificateRequest (section 7.4.4) or ServerHelloDone. */
class ExpectCertificateRequestOrServerHelloDone implements HandshakeState {
  readonly name = 'ExpectCertificateRequestOrServerHelloDone';
  constructor(private readonly hs: Tls12ClientKeyExchange) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    if (message.type === HandshakeType.server_hello_done) return new ExpectServerHelloDone(this.hs, undefined).handle(ctx, message);
    expectType(message, HandshakeType.certificate_request, this.name);
    const request = decodeCertificateRequest12(message.body);
    this.hs.transcript.add(message.raw);
    return new ExpectServerHelloDone(this.hs, request);
  }
}

/** Awaits ServerHelloDone (section 7.4.5), then sends our whole flight in one write. */
class ExpectServerHelloDone implements HandshakeState {
  readonly name = 'ExpectServerHelloDone';
  constructor(private readonly hs: Tls12ClientKeyExchange, private readonly request: CertificateRequest12 | undefined) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.server_hello_done, this.name);
    decodeEmpty(message.body, 'ServerHelloDone');
    this.hs.transcript.add(message.raw);
    const session = sendClientFlight12(ctx, this.hs, this.request);
    const awaitFinished = (ticket: NewSessionTicket12 | undefined) => new ExpectChangeCipherSpec(session, () => new ExpectFinished(this.hs, session, ticket));
    return this.hs.ticketPromised ? new ExpectNewSessionTicket12(this.hs.transcript, awaitFinished) : awaitFinished(undefined);
  }
}

/** Awaits the server Finished (section 7.4.9): the handshake is complete. */
class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly hs: Tls12ClientHandshake,
    private readonly session: Tls12Session,
    private readonly ticket: NewSessionTicket12 | undefined,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    acceptPeerFinished12(ctx, this.session, 'server', this.hs.transcript, message);
    keepSession12(ctx, this.hs.policy, this.session, this.ticket, ctx.outcome.peerCertificates);
    ctx.complete();
    return new Tls12TrafficState('client');
  }
}
