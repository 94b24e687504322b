/**
 * `TLSTransport`: what a node:tls TLSSocket runs over, on one of two paths. A plain TCP
 * connection lends its net.Socket to TLSSocket, so OpenSSL does the IO in C++
 * (native-transport.ts); any other RawConnection (in memory, a counting decorator, a
 * WebSocket) is adapted to a Duplex (raw-duplex.ts). The service sees the same
 * behaviour on both: an abort alert ahead of OpenSSL's next flight, a lingering close
 * after a fatal alert, and truncation told apart from close_notify.
 */
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { TruncationError } from '../../src/errors.js';
import type { RawConnection } from '../../src/raw-connection.js';
import { TCPRawConnection } from '../../src/raw/tcp.js';
import { NativeSocketTransport } from './native-transport.js';
import { RawConnectionDuplex } from './raw-duplex.js';

/** The transport under one TLSSocket. */
export interface TLSTransport {
  /** What the TLSSocket wraps: the lent net.Socket, or a Duplex over the RawConnection. */
  readonly stream: Duplex;
  /**
   * The stream whose 'data' events carry the peer's bytes through JS (the Duplex path), or
   * undefined on the native path, where OpenSSL reads them in C++ and JS never sees them.
   */
  readonly incoming: Duplex | undefined;
  /**
   * Wires the transport to the TLSSocket made over it, before any IO. `lingerOnDestroy`
   * is asked when the TLSSocket is destroyed: true when a fatal alert went out, so the
   * connection lingers (see src/raw/lingering-close.ts) rather than reset.
   */
  attach(socket: tls.TLSSocket, lingerOnDestroy: () => boolean): void;
  /**
   * Sends `bytes` (our fatal alert) ahead of anything OpenSSL writes after this call,
   * then ends the connection with a lingering close once the TLSSocket is destroyed.
   * Must be called synchronously from a TLSSocket event ('keylog', 'secureConnect').
   */
  abortWith(bytes: Uint8Array): void;
  /** From now on, notes whether the transport ends before OpenSSL has seen close_notify. */
  watchEnd(): void;
  /**
   * Asked when the TLSSocket's stream ends: a TruncationError when the transport ended
   * before close_notify (RFC 8446 section 6.1), ConnectionClosedError for a reset, else undefined.
   */
  endError(): Error | undefined;
}

/** The error of a transport end without close_notify. */
export function truncation(): TruncationError {
  return new TruncationError('node-tls: the peer ended the connection without close_notify');
}

/** The native path for a TCP connection whose socket is still untouched, the Duplex path otherwise. */
export function transportFor(via: RawConnection): TLSTransport {
  if (via instanceof TCPRawConnection) {
    const native = NativeSocketTransport.lend(via);
    if (native) return native;
  }
  return new RawConnectionDuplex(via);
}
