/**
 * 0-RTT early data (RFC 8446 sections 2.3, 4.2.10, 8): which resumptions may carry it,
 * the bytes a server accepted (kept apart from 1-RTT data, so an application can tell
 * them apart: RFC 8470), and the anti-replay decision a server waits for. The decision
 * is asynchronous (a Redis store answers over the network) yet the engine is sans-IO, so
 * the server's handshake pauses in `AwaitReplayDecision` until the caller reports it.
 */
import { TLSAlertError } from '../../src/errors.js';
import { ByteQueue } from '../../src/raw/byte-queue.js';
import { ExtensionType, findExtension } from './codec/extensions.js';
import type { ClientHello } from './codec/handshake.js';
import type { HandshakeContext, HandshakeState } from './handshake-context.js';
import { TICKET_AGE_TOLERANCE_MS, type AcceptedPsk, type PskOffer } from './psk.js';
import type { CipherSuite } from './suites.js';

/** What became of early data on this connection. */
export type EarlyDataStatus = 'none' | 'accepted' | 'rejected';

/** A ClientHello the server must check against its anti-replay store before accepting 0-RTT (section 8.2). */
export interface ReplayCheck {
  /** A value unique to this ClientHello: its PSK binder. */
  readonly key: Uint8Array;
  /** How long it must be remembered: the freshness window within which a replay would be accepted. */
  readonly ttlMs: number;
}

/** How long a ClientHello is remembered: twice the ticket age tolerance (section 8.2). */
export const REPLAY_WINDOW_MS = 2 * TICKET_AGE_TOLERANCE_MS;

/** A state that waits for the caller's anti-replay answer before the handshake goes on. */
export class AwaitReplayDecision implements HandshakeState {
  readonly name = 'AwaitReplayDecision';
  constructor(
    /** What to look up. */
    readonly replayCheck: ReplayCheck,
    private readonly proceed: (ctx: HandshakeContext, fresh: boolean) => HandshakeState,
  ) {}

  handle(): HandshakeState {
    throw TLSAlertError.sent('unexpected_message', 'handshake message while the server decides on early data');
  }

  /** Continues the handshake: accept 0-RTT when the ClientHello was fresh, else reject it. */
  decide(ctx: HandshakeContext, fresh: boolean): HandshakeState {
    return this.proceed(ctx, fresh);
  }
}

/** The server's conditions for 0-RTT (section 4.2.10): a first-identity PSK whose ticket allows it, same suite and ALPN, a fresh age, no HelloRetryRequest. */
export function earlyDataAcceptable(
  hello: ClientHello,
  psk: AcceptedPsk | undefined,
  suite: CipherSuite,
  maxEarlyData: number,
  retried: boolean,
): psk is AcceptedPsk {
  if (!findExtension(hello.extensions, ExtensionType.early_data) || !psk || retried || maxEarlyData <= 0) return false;
  return psk.index === 0 && psk.contents.maxEarlyData > 0 && psk.contents.suite === suite && psk.ageSkewMs <= TICKET_AGE_TOLERANCE_MS;
}

/** The client's conditions for 0-RTT: data to send, a ticket that allows it, its suite offered. */
export function earlyDataOffered(offer: PskOffer | undefined, data: Uint8Array | undefined, suites: readonly CipherSuite[]): boolean {
  return !!offer && !!data && data.length > 0 && offer.session.maxEarlyData > 0 && suites.includes(offer.session.suite);
}

/** Early data a server accepted: buffered apart from 1-RTT data and capped at max_early_data_size. */
export class EarlyDataReceiver {
  private limit = 0;
  private open = false;
  private received = 0;
  private readonly queue = new ByteQueue();

  /** Starts accepting up to `limit` bytes (after a ServerHello accepting 0-RTT). */
  accept(limit: number): void {
    this.open = true;
    this.limit = limit;
  }

  /** Stops at EndOfEarlyData. */
  end(): void {
    this.open = false;
  }

  /** True between acceptance and EndOfEarlyData. */
  get accepting(): boolean {
    return this.open;
  }

  /** Takes one early application_data record; unexpected_message past the limit (section 4.2.10). */
  receive(fragment: Uint8Array): void {
    this.received += fragment.length;
    if (this.received > this.limit) {
      throw TLSAlertError.sent('unexpected_message', `early data exceeds max_early_data_size ${this.limit}`);
    }
    if (fragment.length > 0) this.queue.push(fragment);
  }

  /** Bytes of early data accepted so far. */
  get total(): number {
    return this.received;
  }

  /** Early bytes not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Up to `max` early bytes (never mixed with 1-RTT bytes). */
  take(max: number): Uint8Array {
    return this.queue.take(max);
  }
}
