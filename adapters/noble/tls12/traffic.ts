/**
 * The TLS 1.2 state after the handshake, both roles. TLS 1.2 has no post-handshake
 * messages we accept: a ClientHello to a server or a HelloRequest to a client asks for
 * renegotiation, which we never do (RFC 5746 is signalled only to say so): it is refused
 * with the no_renegotiation warning and the connection ends, as Go's crypto/tls does.
 */
import { TLSAlertError } from '../../../src/errors.js';
import { handshakeTypeName, HandshakeType, type HandshakeMessage } from '../codec/handshake.js';
import type { HandshakeContext, HandshakeState } from '../handshake-context.js';

/** Application traffic over TLS 1.2. */
export class Tls12TrafficState implements HandshakeState {
  readonly name = 'ExpectTraffic';

  constructor(private readonly role: 'client' | 'server') {}

  handle(_ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    const renegotiation = this.role === 'server' ? HandshakeType.client_hello : HandshakeType.hello_request;
    if (message.type === renegotiation) {
      throw TLSAlertError.sent('no_renegotiation', `${handshakeTypeName(message.type)} after the handshake: renegotiation is refused (RFC 5746)`);
    }
    throw TLSAlertError.sent('unexpected_message', `${handshakeTypeName(message.type)} after the TLS 1.2 handshake`);
  }
}
