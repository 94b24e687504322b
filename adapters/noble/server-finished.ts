/**
 * The TLS 1.3 server's last handshake step (RFC 8446 sections 4.4.4, 4.6.1): reading the
 * client's Finished, then sending the NewSessionTickets. With no client certificate the
 * expected Finished and the tickets can be worked out ahead, while the flight travels
 * (`clientFinishedAhead`, used by server.ts when the flight is split, next-turn.ts).
 */
import { encodeNewSessionTicket, frameHandshake, HandshakeType, type HandshakeMessage } from './codec/handshake.js';
import { acceptExpectedFinished, acceptPeerFinished, expectType, type HandshakeContext, type HandshakeState } from './handshake-context.js';
import type { KeySchedule } from './key-schedule.js';
import type { ServerPolicy } from './server-parameters.js';
import { DEFAULT_TICKET_COUNT, DEFAULT_TICKET_LIFETIME_SECONDS, newSessionTicket, RESUMED_TICKET_COUNT } from './tickets.js';
import { TrafficState } from './traffic.js';

/** Keys carried from the server flight to the client's Finished. */
export interface ServerFlightKeys {
  readonly schedule: KeySchedule;
  readonly clientRandom: Uint8Array;
  readonly clientHandshakeSecret: Uint8Array;
  readonly clientApplicationSecret: Uint8Array;
  readonly serverApplicationSecret: Uint8Array;
}

/**
 * The client's Finished and our tickets, worked out before the Finished arrives (RFC 8446
 * section 4.6.1: a server that did not ask for a client certificate knows the rest of the
 * transcript); the transcript already holds the Finished we expect.
 */
export interface ClientFinishedAhead {
  /** The verify_data the client's Finished must carry. */
  readonly verifyData: Uint8Array;
  /** The NewSessionTickets to send once it does. */
  readonly tickets: readonly HandshakeMessage[];
}

/** Awaits the client Finished (section 4.4.4), then sends tickets. */
export class ExpectClientFinished implements HandshakeState {
  readonly name = 'ExpectClientFinished';
  constructor(
    private readonly policy: ServerPolicy,
    private readonly keys: ServerFlightKeys,
    /** The expected Finished and the tickets when worked out ahead; else they are worked out here. */
    private readonly ahead: ClientFinishedAhead | undefined,
  ) {}

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    expectType(message, HandshakeType.finished, this.name);
    const { schedule } = this.keys;
    const suite = schedule.suite;
    if (this.ahead) acceptExpectedFinished('client', suite, this.ahead.verifyData, message);
    else acceptPeerFinished(ctx, 'client', schedule, this.keys.clientHandshakeSecret, message);
    ctx.allowChangeCipherSpec(false);
    ctx.setReadSecret(suite, this.keys.clientApplicationSecret);
    const tickets = this.ahead?.tickets ?? newSessionTickets(ctx, this.policy, schedule, schedule.resumptionMasterSecret(ctx.transcript.hash()));
    for (const ticket of tickets) ctx.send(ticket);
    ctx.complete();
    return new TrafficState(
      'server',
      suite,
      schedule,
      this.keys.clientApplicationSecret,
      this.keys.serverApplicationSecret,
      undefined, // its tickets are sent: the server keeps no resumption secret
      undefined,
    );
  }
}

/**
 * Works out the client's Finished and our tickets before the Finished arrives (RFC 8446
 * section 4.6.1's note: with no client certificate the server knows the rest of the
 * transcript). Only the expected Finished enters the transcript; a client whose Finished
 * differs fails with decrypt_error and its tickets are never sent.
 */
export function clientFinishedAhead(ctx: HandshakeContext, policy: ServerPolicy, keys: ServerFlightKeys): ClientFinishedAhead {
  const { schedule } = keys;
  const verifyData = schedule.finishedVerifyData(keys.clientHandshakeSecret, ctx.transcript.hash());
  ctx.transcript.add(frameHandshake(HandshakeType.finished, verifyData).raw);
  return { verifyData, tickets: newSessionTickets(ctx, policy, schedule, schedule.resumptionMasterSecret(ctx.transcript.hash())) };
}

/**
 * NewSessionTicket (section 4.6.1): `ticketCount` tickets (at most RESUMED_TICKET_COUNT after a
 * resumption) sealed under the ticket keys (tickets.ts), or made by `issueTicket`.
 */
function newSessionTickets(ctx: HandshakeContext, policy: ServerPolicy, schedule: KeySchedule, resumptionSecret: Uint8Array): HandshakeMessage[] {
  const s = policy.settings;
  const configured = s.ticketCount ?? DEFAULT_TICKET_COUNT;
  const count = ctx.outcome.resumed ? Math.min(configured, RESUMED_TICKET_COUNT) : configured;
  const messages: HandshakeMessage[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = Uint8Array.of(i);
    const ticket = s.issueTicket
      ? s.issueTicket(i)
      : s.ticketKeys &&
        newSessionTicket({
          provider: ctx.provider,
          ring: s.ticketKeys,
          random: ctx.random,
          now: ctx.now(),
          psk: schedule.resumptionPsk(resumptionSecret, nonce),
          nonce,
          suite: schedule.suite,
          lifetimeSeconds: s.ticketLifetimeSeconds ?? DEFAULT_TICKET_LIFETIME_SECONDS,
          maxEarlyData: s.maxEarlyData ?? 0,
          serverName: ctx.outcome.serverName,
          alpnProtocol: ctx.outcome.alpnProtocol,
          peerCertificates: ctx.outcome.peerCertificates,
        });
    if (ticket) messages.push(frameHandshake(HandshakeType.new_session_ticket, encodeNewSessionTicket(ticket)));
  }
  return messages;
}
