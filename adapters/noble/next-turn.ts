/**
 * A pause in the server handshake (RFC 8446 section 4: ServerHello .. Finished is one flight,
 * but nothing in it needs to be computed in one step). The engine is sans-IO and synchronous,
 * so without pauses the longest stretch it holds the event loop is the whole flight: reading
 * the ClientHello, the key exchange, the key schedule, the CertificateVerify signature and
 * sealing the records. With `splitServerFlight` the server stops in `AwaitNextTurn` before each
 * costly step (the key exchange; the signature; once the flight is queued, the client's
 * Finished and the tickets, worked out while the flight travels) and its caller resumes it a
 * turn of the event loop later, so other connections run in between. Records that arrive
 * meanwhile wait; the flight still leaves in one write (nothing is written in the middle of
 * it, and a complete flight is marked `outgoingAwaited` so it leaves before the last pause).
 */
import { TLSAlertError } from '../../src/errors.js';
import type { HandshakeContext, HandshakeState } from './handshake-context.js';

/** A state that waits for its caller's next turn (`TLSEngine.continueHandshake`) before the handshake goes on. */
export class AwaitNextTurn implements HandshakeState {
  readonly name = 'AwaitNextTurn';
  constructor(private readonly proceed: (ctx: HandshakeContext) => HandshakeState) {}

  handle(): HandshakeState {
    throw TLSAlertError.sent('unexpected_message', 'handshake message while the server flight is being computed');
  }

  /** Continues the handshake where it paused. */
  resume(ctx: HandshakeContext): HandshakeState {
    return this.proceed(ctx);
  }
}
