/**
 * TLS 1.2 session tickets, server side (RFC 5077): whether the ClientHello's SessionTicket
 * opens and fits (else a full handshake, never an error), the NewSessionTicket we seal
 * with the ticket key ring TLS 1.3 uses (section 3.3), and the abbreviated handshake
 * (RFC 5246 section 7.3): ServerHello, [NewSessionTicket], ChangeCipherSpec and Finished
 * in one write, then the client's ChangeCipherSpec and Finished.
 */
import { encodeServerHello, frameHandshake, HandshakeType, type ClientHello, type HandshakeMessage } from '../codec/handshake.js';
import { ExtensionType, findExtension } from '../codec/extensions.js';
import { expectType, type HandshakeContext, type HandshakeState } from '../handshake-context.js';
import type { ServerPolicy } from '../server-parameters.js';
import { acceptPeerFinished12, ExpectChangeCipherSpec, sendFinished12, sessionFromMasterSecret, type Tls12Session } from './session-keys.js';
import { ALL_TLS12_CIPHER_SUITES } from './suites.js';
import { DEFAULT_TICKET_COUNT, DEFAULT_TICKET_LIFETIME_SECONDS, MAX_TICKET_LIFETIME_SECONDS } from '../tickets.js';
import { encodeNewSessionTicket12, openTicket12, sealTicket12, ticketFits12, type Tls12TicketContents } from './tickets.js';
import { Tls12Transcript } from './transcript.js';
import { Tls12TrafficState } from './traffic.js';
import type { Extension } from '../codec/extensions.js';

/** What the server makes of the ClientHello's SessionTicket extension. */
export interface TicketDecision {
  /** The session an offered ticket resumes, if it opened and fits. */
  readonly resume: Tls12TicketContents | undefined;
  /** We send a NewSessionTicket in this handshake (announced by an empty SessionTicket in ServerHello). */
  readonly issue: boolean;
}

/**
 * The ticket decision for a ClientHello: no SessionTicket extension, no ticket keys or a
 * `ticketCount` of 0 issue nothing; an offered ticket that opens under any unexpired key and
 * fits (tickets.ts `ticketFits12`) resumes, and is re-issued when its key no longer seals.
 */
export function decideTicket12(
  ctx: HandshakeContext,
  policy: ServerPolicy,
  hello: ClientHello,
  serverName: string | undefined,
  alpnProtocol: string | undefined,
): TicketDecision {
  const s = policy.settings;
  const offered = findExtension(hello.extensions, ExtensionType.session_ticket);
  if (!offered || !s.ticketKeys) return { resume: undefined, issue: false };
  const issuing = (s.ticketCount ?? DEFAULT_TICKET_COUNT) > 0;
  const now = ctx.now();
  const opened = offered.length > 0 ? openTicket12(ctx.provider, s.ticketKeys, offered, now) : undefined;
  const fits =
    opened &&
    ticketFits12(opened.contents, {
      now,
      offeredSuites: hello.cipherSuites,
      enabledSuites: s.tls12CipherSuites ?? ALL_TLS12_CIPHER_SUITES,
      serverName,
      alpnProtocol,
      requireClientCertificate: s.clientAuthentication === 'require',
    });
  if (!fits) return { resume: undefined, issue: issuing };
  return { resume: opened.contents, issue: issuing && opened.staleKey };
}

/** The NewSessionTicket for `contents` (an empty ticket when the ring cannot seal one, RFC 5077 section 3.3). */
export function newSessionTicket12(ctx: HandshakeContext, policy: ServerPolicy, contents: Tls12TicketContents): HandshakeMessage {
  const ticket = sealTicket12(ctx.provider, policy.settings.ticketKeys!, contents, ctx.now(), ctx.random);
  return frameHandshake(
    HandshakeType.new_session_ticket,
    encodeNewSessionTicket12({ lifetimeHint: ticket ? contents.lifetimeSeconds : 0, ticket: ticket ?? new Uint8Array(0) }),
  );
}

/** The lifetime of tickets a server issues: `ticketLifetimeSeconds` or 2 hours. */
export function ticketLifetimeOf(policy: ServerPolicy): number {
  return Math.min(policy.settings.ticketLifetimeSeconds ?? DEFAULT_TICKET_LIFETIME_SECONDS, MAX_TICKET_LIFETIME_SECONDS);
}

/** The abbreviated server handshake for a resumed session, sent as one flight. */
export function resumeTls12Server(
  ctx: HandshakeContext,
  policy: ServerPolicy,
  message: HandshakeMessage,
  hello: ClientHello,
  resumed: Tls12TicketContents,
  issue: boolean,
  serverRandom: Uint8Array,
  extensions: Extension[],
): HandshakeState {
  const suite = resumed.suite;
  const transcript = new Tls12Transcript(ctx.provider, suite.hash, [message.raw]);
  Object.assign(ctx.outcome, { suite, group: undefined, signatureScheme: undefined, resumed: true, peerCertificates: resumed.peerCertificates });
  const send = (m: HandshakeMessage) => {
    transcript.add(m.raw);
    ctx.send(m);
  };
  // RFC 5077 section 3.4: accepting the ticket, we echo the client's session id.
  send(frameHandshake(HandshakeType.server_hello, encodeServerHello({
    random: serverRandom,
    legacySessionIdEcho: hello.legacySessionId,
    cipherSuite: suite.code,
    legacyCompressionMethod: 0,
    extensions,
  })));
  const session = sessionFromMasterSecret(ctx, 'server', suite, resumed.masterSecret, hello.random, serverRandom);
  // The re-issued ticket stands for the same session: same secret, same expiry.
  if (issue) send(newSessionTicket12(ctx, policy, resumed));
  ctx.sendChangeCipherSpec();
  ctx.setWriteProtection(session.write);
  sendFinished12(ctx, session, 'server', transcript);
  return new ExpectChangeCipherSpec(session, () => new ExpectAbbreviatedClientFinished(transcript, session));
}

/** Awaits the client Finished of an abbreviated handshake (RFC 5246 section 7.4.9): the handshake is complete. */
class ExpectAbbreviatedClientFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly transcript: Tls12Transcript,
    private readonly session: Tls12Session,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    acceptPeerFinished12(ctx, this.session, 'client', this.transcript, message);
    ctx.complete();
    return new Tls12TrafficState('server');
  }
}
