/**
 * `TCPRawConnection`: a RawConnection over a `net.Socket`. An iovec goes out as one
 * writev (cork, write each, uncork); reads are served from queued 'data' chunks with
 * bounded buffering; `shutdownWrite()` sends FIN and keeps reading (the socket is
 * half-open capable, so the peer's FIN never ends our write side); `close()` sends FIN
 * and stops reading. The reader is built on the first read (a connection whose socket is
 * lent to node:tls never needs one); until then the socket keeps what arrives in its own
 * buffer, and an error is caught by one shared listener that builds the reader with it.
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

/** The connection of each socket, for the shared early-error listener. */
const connections = new WeakMap<net.Socket, TCPRawConnection>();

/** 'error' before any reader exists (one function for every connection; the socket is `this`). */
function onErrorBeforeReads(this: net.Socket, error: unknown): void {
  connections.get(this)?.errorBeforeReads(error);
}

/** A RawConnection over one TCP socket. */
export class TCPRawConnection implements RawConnection {
  /** Built on the first read, or when an error arrives first (see errorBeforeReads). */
  private reader: StreamReader | undefined;
  private closing: Promise<void> | undefined;
  private writeShutdown: Promise<void> | undefined;
  /** Set while another owner does the socket's IO itself (see lendSocket). */
  private lent = false;
  private wrote = false;

  private constructor(
    /** The underlying socket (for tests and diagnostics; do not read from it directly). */
    readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    // The peer's FIN ends only its direction (RFC 8446 section 6.1 half-close): we may still write.
    socket.allowHalfOpen = true;
    connections.set(socket, this);
    socket.on('error', onErrorBeforeReads);
  }

  private static readerOf(socket: net.Socket): StreamReader {
    return new StreamReader(socket, { mapError: tcpReadError });
  }

  /** The reader, built now if no read has been asked for yet (released at once when closing). */
  private readerNow(): StreamReader {
    if (!this.reader) {
      this.reader = TCPRawConnection.readerOf(this.socket);
      if (this.closing) this.reader.release();
    }
    return this.reader;
  }

  /**
   * A socket error before any read (and while not lent): builds the reader with the
   * bytes the socket had buffered (still readable while the error is emitted), then the
   * error, so reads see both, as they would with a reader from the start.
   */
  errorBeforeReads(error: unknown): void {
    if (this.reader || this.lent) return;
    const reader = this.readerNow();
    for (let chunk: unknown = this.socket.read(); chunk !== null; chunk = this.socket.read()) reader.onData(chunk as Uint8Array);
    reader.onError(error);
  }

  /**
   * Lends the socket to an owner that does its IO itself (node:tls's native path, where
   * OpenSSL reads and writes the socket in C++). No reader was built yet, so bytes that
   * have already arrived are still in the socket's own buffer and the new owner sees the
   * stream from its first byte. Undefined once anything was read or written through this
   * connection (or an error built the reader), or it is closing. While lent, receiveBytes rejects; sendBytes writes
   * straight into the socket between the owner's writes (raw bytes, as a peer on the
   * path could), and shutdownWrite, close and destroy act on the socket.
   */
  lendSocket(): net.Socket | undefined {
    if (this.lent || this.wrote || this.closing || this.writeShutdown || this.reader || this.socket.destroyed) return undefined;
    this.socket.pause(); // not flowing: the new owner reads the socket's buffer itself
    this.lent = true;
    return this.socket;
  }

  /**
   * Takes the socket back after lendSocket, when its owner is done with it but the
   * connection goes on (a lingering close after the owner's fatal alert): reads resume
   * through this connection. The owner must no longer read the socket.
   */
  reclaimSocket(): void {
    if (!this.lent) return;
    this.lent = false;
    this.reader = TCPRawConnection.readerOf(this.socket);
    if (this.closing) this.reader.release();
    this.socket.resume(); // detach paused it; a listener added to a paused stream does not resume it
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
    this.wrote = true;
    return writeVectored(
      socket,
      asIovec(data),
      (error) => new ConnectionClosedError(`TCP write failed: ${describe(error)}`, { cause: error }),
    );
  }

  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array> {
    if (this.lent) return Promise.reject(new ConnectionClosedError('receiveBytes while the socket is lent (see lendSocket)'));
    return this.readerNow().receiveBytes(max);
  }

  /** Sends FIN after everything written and resolves once flushed; reading goes on. Idempotent. */
  shutdownWrite(): Promise<void> {
    this.writeShutdown ??= endSocket(this.socket);
    return this.writeShutdown;
  }

  /** Sends FIN after everything written; resolves once flushed. Later incoming data is discarded. Idempotent. */
  close(): Promise<void> {
    // A lent socket's reads are its owner's; else the reader (built now if need be) discards what comes.
    if (!this.lent) this.readerNow().release();
    this.closing ??= this.shutdownWrite();
    return this.closing;
  }

  /** Tears the socket down at once (RST when data is unread); idempotent. */
  destroy(): void {
    this.reader?.release();
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

/** What a socket error becomes for reads (one function for every connection). */
function tcpReadError(error: unknown): Error {
  return new ConnectionClosedError(`TCP connection failed: ${describe(error)}`, { cause: error });
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
