/**
 * TLS 1.2 session tickets, client side (RFC 5077): which stored session a ClientHello
 * offers, the NewSessionTicket the server announced (section 3.3), keeping its session
 * once the server's Finished proves it, and the abbreviated handshake (RFC 5246 section
 * 7.3: ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished from the server; our
 * ChangeCipherSpec and Finished, with our first application data, in one write).
 */
import { HandshakeType, type HandshakeMessage } from '../codec/handshake.js';
import { expectType, type HandshakeContext, type HandshakeState } from '../handshake-context.js';
import type { ClientHelloState, ClientPolicy } from '../client-hello.js';
import { sessionFresh, type ResumableSession } from '../session.js';
import { DEFAULT_TICKET_LIFETIME_SECONDS } from '../tickets.js';
import { acceptPeerFinished12, ExpectChangeCipherSpec, sendFinished12, sessionFromMasterSecret, type Tls12Session } from './session-keys.js';
import { decodeNewSessionTicket12, ticketLifetime12, type NewSessionTicket12 } from './tickets.js';
import type { Tls12CipherSuite } from './suites.js';
import type { Tls12Transcript } from './transcript.js';
import { Tls12TrafficState } from './traffic.js';

/** The TLS 1.2 session a ClientHello offers (RFC 5077 section 3.2): fresh, for this server name, of a suite we still offer. */
export function tls12TicketOffer(policy: ClientPolicy, now: number): ResumableSession | undefined {
  const session = policy.settings.session;
  if (!session || session.protocol !== 'TLSv1.2' || !policy.versions.tls12) return undefined;
  if (!sessionFresh(session, now) || session.serverName !== policy.settings.serverName) return undefined;
  return policy.tls12Suites.some((s) => s.code === session.suite.code) ? session : undefined;
}

/** Awaits the NewSessionTicket the server's empty SessionTicket extension promised (RFC 5077 section 3.3), before its ChangeCipherSpec. */
export class ExpectNewSessionTicket12 implements HandshakeState {
  readonly name = 'ExpectNewSessionTicket';
  constructor(
    private readonly transcript: Tls12Transcript,
    private readonly next: (ticket: NewSessionTicket12) => HandshakeState,
  ) {}

  handle(_ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.new_session_ticket, this.name);
    const ticket = decodeNewSessionTicket12(message.body);
    this.transcript.add(message.raw);
    return this.next(ticket);
  }
}

/**
 * Keeps the session a NewSessionTicket stands for, once the server's Finished has
 * verified (an empty ticket means the server issued none after all, section 3.3).
 */
export function keepSession12(
  ctx: HandshakeContext,
  policy: ClientPolicy,
  session: Tls12Session,
  ticket: NewSessionTicket12 | undefined,
  peerCertificates: readonly Uint8Array[],
): void {
  if (!ticket || ticket.ticket.length === 0) return;
  ctx.keepTicket({
    protocol: 'TLSv1.2',
    ticket: ticket.ticket,
    psk: session.masterSecret,
    lifetimeSeconds: ticketLifetime12(ticket.lifetimeHint, DEFAULT_TICKET_LIFETIME_SECONDS),
    ageAdd: 0,
    receivedAt: ctx.now(),
    suite: session.suite,
    serverName: policy.settings.serverName,
    alpnProtocol: ctx.outcome.alpnProtocol,
    maxEarlyData: 0,
    peerCertificates,
  });
}

/** What the abbreviated handshake carries to the server's Finished. */
interface Abbreviated {
  readonly policy: ClientPolicy;
  readonly transcript: Tls12Transcript;
  readonly session: Tls12Session;
  readonly resumed: ResumableSession;
}

/**
 * The abbreviated handshake after a ServerHello that echoed our session id (RFC 5077
 * section 3.4): the session keys come from the ticket's master secret and the new randoms;
 * the server's identity is the one the session was made with.
 */
export function startAbbreviatedClient(
  ctx: HandshakeContext,
  policy: ClientPolicy,
  hello: ClientHelloState,
  serverRandom: Uint8Array,
  transcript: Tls12Transcript,
  ticketPromised: boolean,
): HandshakeState {
  const resumed = hello.ticket12!;
  const session = sessionFromMasterSecret(ctx, 'client', resumed.suite as Tls12CipherSuite, resumed.psk, hello.random, serverRandom);
  ctx.outcome.resumed = true;
  ctx.outcome.peerCertificates = resumed.peerCertificates;
  const hs: Abbreviated = { policy, transcript, session, resumed };
  const awaitFinished = (ticket: NewSessionTicket12 | undefined) => new ExpectChangeCipherSpec(session, () => new ExpectAbbreviatedFinished(hs, ticket));
  return ticketPromised ? new ExpectNewSessionTicket12(transcript, awaitFinished) : awaitFinished(undefined);
}

/** Awaits the server Finished of an abbreviated handshake, then sends our ChangeCipherSpec and Finished (with the first data) in one write. */
class ExpectAbbreviatedFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly hs: Abbreviated,
    private readonly ticket: NewSessionTicket12 | undefined,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    const { session, transcript, policy } = this.hs;
    acceptPeerFinished12(ctx, session, 'server', transcript, message);
    ctx.sendChangeCipherSpec();
    ctx.setWriteProtection(session.write);
    sendFinished12(ctx, session, 'client', transcript);
    const data = policy.settings.earlyData;
    if (data && data.length > 0) {
      ctx.sendEarlyData(data);
      ctx.outcome.dataWithFinished = data.length;
    }
    // A TLS 1.2 ticket may be used again (unlike TLS 1.3's, RFC 8446 appendix C.4): without a
    // fresh one, the resumed session stays this connection's session (as OpenSSL's getSession).
    if (this.ticket?.ticket.length) keepSession12(ctx, policy, session, this.ticket, this.hs.resumed.peerCertificates);
    else ctx.keepTicket(this.hs.resumed);
    ctx.complete();
    return new Tls12TrafficState('client');
  }
}
