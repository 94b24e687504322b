/**
 * `NativeSocketTransport`: node:tls's native path. A TCPRawConnection lends its
 * net.Socket and TLSSocket wraps it directly, so OpenSSL reads and writes the socket in
 * C++ (no JS Duplex per record). Three things the Duplex path sees in JS happen in C++
 * here, so this module reaches them through the stream handles node:tls builds on:
 *
 * - truncation (RFC 8446 section 6.1): when OpenSSL reports the end of its stream, it
 *   is a close_notify unless the TCP handle itself has already hit end of file, which is
 *   when libuv has stopped reading without being asked to (readStart answers EALREADY
 *   while a read is in progress); a reset whose error a write took first looks the same,
 *   and an empty write then fails;
 * - the abort alert: written straight to the socket from inside the TLSSocket event, so
 *   it is in the kernel before OpenSSL flushes the flight it was deciding about;
 * - the lingering close after a fatal alert: when the TLSSocket closes its handle, we
 *   let OpenSSL go of the socket once its writes are out, take the socket back into the
 *   TCPRawConnection and run the ordinary lingeringClose on it.
 */
import type net from 'node:net';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type tls from 'node:tls';
import { LINGER_MS, lingeringClose } from '../../src/raw/lingering-close.js';
import type { TCPRawConnection } from '../../src/raw/tcp.js';
import { ConnectionClosedError } from '../../src/errors.js';
import { describe } from '../../src/raw/stream-reader.js';
import { truncation, type TLSTransport } from './transport.js';

const EMPTY = new Uint8Array(0);

/** libuv's answer to readStart on a handle already reading. */
const UV_EALREADY = -constants.errno.EALREADY;
/** How often a lingering close checks whether OpenSSL's last writes have left (ms). */
const WRITE_DRAIN_POLL_MS = 5;

/** The parts of node's stream handles (TCPWrap, TLSWrap) this module uses. */
interface StreamHandle {
  onread: (buffer?: unknown) => unknown;
  reading?: boolean;
  readonly writeQueueSize?: number;
  readStart(): number;
  readStop(): number;
  close(callback?: () => void): void;
  destroySSL?(): void;
}

function handleOf(socket: net.Socket): StreamHandle | undefined {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  return handle && typeof handle.readStart === 'function' && typeof handle.close === 'function' ? handle : undefined;
}

/** The native path: TLSSocket over the TCP connection's own net.Socket. */
export class NativeSocketTransport implements TLSTransport {
  private aborted = false;
  private watching = false;
  private endSeen = false;
  private ending: Error | undefined;
  private tlsSocket: tls.TLSSocket | undefined;
  /** OpenSSL reads the socket in C++: no JS sees the peer's bytes. */
  readonly incoming = undefined;

  private constructor(
    private readonly raw: TCPRawConnection,
    /** The lent socket TLSSocket wraps. */
    readonly stream: net.Socket,
    private readonly tcpHandle: StreamHandle,
  ) {}

  /** Borrows `raw`'s socket; undefined when it cannot be lent (see TCPRawConnection.lendSocket). */
  static lend(raw: TCPRawConnection): NativeSocketTransport | undefined {
    if (!handleOf(raw.socket)) return undefined;
    const socket = raw.lendSocket();
    const handle = socket && handleOf(socket);
    return socket && handle ? new NativeSocketTransport(raw, socket, handle) : undefined;
  }

  endError(): Error | undefined {
    return this.ending;
  }

  attach(socket: tls.TLSSocket, lingerOnDestroy: () => boolean): void {
    this.tlsSocket = socket;
    const tlsHandle = handleOf(socket);
    if (!tlsHandle) return;
    const onread = tlsHandle.onread;
    const noteEnd = (): void => this.noteEnd(tlsHandle);
    // node's stream handles call onread with one argument, the buffer (nread is in shared state).
    tlsHandle.onread = function (this: unknown, buffer: unknown): unknown {
      if (buffer === undefined) noteEnd(); // no buffer: end of stream or an error
      return onread.call(this, buffer);
    };
    const close = tlsHandle.close;
    const linger = (callback?: () => void): void => void this.linger(tlsHandle, close, callback);
    const aborted = (): boolean => this.aborted;
    tlsHandle.close = function (this: StreamHandle, callback?: () => void): void {
      if (aborted() || lingerOnDestroy()) linger(callback);
      else close.call(this, callback);
    };
  }

  abortWith(bytes: Uint8Array): void {
    if (this.aborted) return;
    this.aborted = true;
    if (bytes.length > 0 && !this.stream.destroyed) this.stream.write(bytes);
  }

  watchEnd(): void {
    this.watching = true;
  }

  /** OpenSSL reported the end of its stream (or an error): did the TCP stream end first? */
  private noteEnd(tlsHandle: StreamHandle): void {
    if (!this.watching || this.endSeen) return;
    this.endSeen = true;
    // Paused by backpressure: the TCP handle is not reading, so the end is OpenSSL's own.
    if (tlsHandle.reading === false) return;
    const answer = this.tcpHandle.readStart();
    if (answer === 0) this.tcpHandle.readStop();
    if (answer === UV_EALREADY) return;
    // The TCP stream ended first. A reset whose error a write already took reads as an end
    // too; an empty write tells them apart while our side is open (EPIPE after a reset).
    if (!this.stream.writableEnded && !this.tlsSocket?.writableEnded) {
      this.stream.write(EMPTY);
      if (this.stream.errored) {
        this.ending = new ConnectionClosedError(`node-tls: the connection was reset: ${describe(this.stream.errored)}`, { cause: this.stream.errored });
        return;
      }
    }
    this.ending = truncation();
  }

  /**
   * Stands in for TLSWrap.close after a fatal alert: once OpenSSL's writes are out, it
   * lets go of the socket, which goes back to the TCPRawConnection for a lingering close;
   * the TLSSocket's 'close' follows the socket's. If the writes do not leave within
   * LINGER_MS, or the socket is gone, the handle closes as it would have.
   */
  private async linger(tlsHandle: StreamHandle, close: (callback?: () => void) => void, callback?: () => void): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // off OpenSSL's stack
    const deadline = performance.now() + LINGER_MS;
    while ((this.tcpHandle.writeQueueSize ?? 0) > 0 && performance.now() < deadline && !this.stream.destroyed) {
      await sleep(WRITE_DRAIN_POLL_MS);
    }
    if ((this.tcpHandle.writeQueueSize ?? 0) > 0 || this.stream.destroyed || !tlsHandle.destroySSL) {
      close.call(tlsHandle, callback);
      return;
    }
    const owner = this.tlsSocket as unknown as { ssl: unknown };
    owner.ssl = null; // as TLSWrap.close does: the TLSSocket's own cleanup then skips it
    tlsHandle.destroySSL(); // OpenSSL stops listening on the TCP handle: reads reach the net.Socket again
    this.raw.reclaimSocket();
    this.tcpHandle.readStart(); // OpenSSL may have stopped the handle; EALREADY if not
    const closed = new Promise<void>((resolve) => {
      if (this.stream.destroyed) resolve();
      else this.stream.once('close', () => resolve());
    });
    await lingeringClose(this.raw, { ms: Math.max(0, deadline - performance.now()) });
    // The peer has ended and our FIN is out (or the close was cut short): nothing is left to wait for.
    if (!this.stream.destroyed) this.stream.destroy();
    await closed;
    callback?.();
  }
}
