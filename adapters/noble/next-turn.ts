/**
 * A pause inside the server flight (RFC 8446 section 4: ServerHello .. Finished is one flight,
 * but nothing in it needs to be computed in one step). The engine is sans-IO and synchronous,
 * so the longest stretch it holds the event loop is the whole flight: reading the ClientHello,
 * the key exchange, the key schedule, the CertificateVerify signature and sealing the records.
 * With `splitServerFlight` the server stops in `AwaitNextTurn` after the handshake keys and its
 * caller resumes it a turn of the event loop later, so other connections run in between; the
 * flight still leaves in one write (nothing is written while the engine waits).
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
