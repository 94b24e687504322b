/**
 * `TCPRawConnection`: a RawConnection over a `net.Socket`. An iovec goes out as one
 * writev (cork, write each, uncork); reads are served from queued 'data' chunks with
 * bounded buffering; `shutdownWrite()` sends FIN and keeps reading (the socket is
 * half-open capable, so the peer's FIN never ends our write side); `close()` sends FIN
 * and stops reading.
 */
import * as net from 'node:net';
import { ConnectionClosedError } from '../errors.js';
import { asIovec, type ByteSource, type RawConnection } from '../raw-connection.js';
import { describe, StreamReader } from './stream-reader.js';
import { writeVectored } from './stream-writer.js';

/** Where to connect. */
export interface TCPAddress {
  readonly host: string;
  readonly port: number;
}

/** A RawConnection over one TCP socket. */
export class TCPRawConnection implements RawConnection {
  private readonly reader: StreamReader;
  private closing: Promise<void> | undefined;
  private writeShutdown: Promise<void> | undefined;

  private constructor(
    /** The underlying socket (for tests and diagnostics; do not read from it directly). */
    readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    // The peer's FIN ends only its direction (RFC 8446 section 6.1 half-close): we may still write.
    socket.allowHalfOpen = true;
    this.reader = new StreamReader(socket, {
      mapError: (error) => new ConnectionClosedError(`TCP connection failed: ${describe(error)}`, { cause: error }),
    });
  }

  /** Wraps a connected socket (e.g. one a net.Server accepted). */
  static fromSocket(socket: net.Socket): TCPRawConnection {
    return new TCPRawConnection(socket);
  }

  /** The OS file descriptor, where libuv exposes one. */
  get fileDescriptor(): number | undefined {
    const fd = (this.socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  /** `address:port` of the peer. */
  get remoteAddress(): string | undefined {
    const { remoteAddress, remotePort } = this.socket;
    return remoteAddress === undefined ? undefined : `${remoteAddress}:${remotePort}`;
  }

  /** Writes everything as one (vectored) write; resolves when the socket has flushed it. */
  sendBytes(data: ByteSource): Promise<void> {
    const socket = this.socket;
    if (this.closing || socket.destroyed || socket.writableEnded) {
      return Promise.reject(new ConnectionClosedError('sendBytes after close'));
    }
    return writeVectored(
      socket,
      asIovec(data),
      (error) => new ConnectionClosedError(`TCP write failed: ${describe(error)}`, { cause: error }),
    );
  }

  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array> {
    return this.reader.receiveBytes(max);
  }

  /** Sends FIN after everything written and resolves once flushed; reading goes on. Idempotent. */
  shutdownWrite(): Promise<void> {
    this.writeShutdown ??= endSocket(this.socket);
    return this.writeShutdown;
  }

  /** Sends FIN after everything written; resolves once flushed. Later incoming data is discarded. Idempotent. */
  close(): Promise<void> {
    this.reader.release();
    this.closing ??= this.shutdownWrite();
    return this.closing;
  }

  /** Tears the socket down at once (RST when data is unread); idempotent. */
  destroy(): void {
    this.reader.release();
    this.closing ??= Promise.resolve();
    this.socket.destroy();
  }
}

/** Ends a socket's write side (FIN after queued writes); resolves when flushed or when the socket is gone. */
function endSocket(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed || socket.writableFinished) {
      resolve();
      return;
    }
    const finish = (): void => {
      socket.off('finish', finish);
      socket.off('close', finish);
      resolve();
    };
    socket.once('finish', finish);
    socket.once('close', finish);
    socket.end();
  });
}

/** Opens a TCP connection; rejects with ConnectionClosedError carrying the cause. */
export function connectTCP(address: TCPAddress): Promise<TCPRawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port, allowHalfOpen: true });
    const onError = (error: Error): void => {
      reject(new ConnectionClosedError(`cannot connect to ${address.host}:${address.port}: ${describe(error)}`, { cause: error }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(TCPRawConnection.fromSocket(socket));
    });
  });
}
