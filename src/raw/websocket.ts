/**
 * `WebSocketRawConnection`: a RawConnection over an open WebSocket (the browser's, a
 * Worker's, or the `ws` package's in Node), carrying TLS records as binary messages.
 * Same discipline as TCP: one `sendBytes` (an iovec too) is ONE message, as one writev
 * is one TCP write (split only above WEBSOCKET_MAX_MESSAGE_BYTES); reads take up to `max` bytes from every message queued so far.
 * The socket is passed in, so this file imports nothing and runs in browsers.
 */
import { ConnectionClosedError } from '../errors.js';
import { concatBytes, type ByteSource, type RawConnection } from '../raw-connection.js';
import { PendingReads } from './pending-reads.js';

/** The part of the WebSocket API used here; the browser's WebSocket and `ws`'s both have it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; wasClean: boolean; reason?: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  addEventListener(type: 'open', listener: () => void): void;
  /** `ws` only: stop reading from the socket (flow control); browsers have no such call. */
  pause?(): void;
  /** `ws` only: resume reading. */
  resume?(): void;
  /** `ws` only: drop the connection without a closing handshake. */
  terminate?(): void;
}

/** WebSocket readyState values (RFC 6455 / WHATWG). */
const OPEN = 1;
/** Close code of a normal closure (RFC 6455 section 7.4.1). */
const NORMAL_CLOSURE = 1000;

/** Received bytes queued above this pause a socket that can be paused (`ws`). */
export const WEBSOCKET_READ_HIGH_WATER_MARK = 256 * 1024;
/** Received bytes queued above this end the connection where the socket cannot be paused (browsers). */
export const WEBSOCKET_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** `sendBytes` resolves only once the socket's own send buffer is below this. */
export const WEBSOCKET_SEND_HIGH_WATER_MARK = 1024 * 1024;
/** One message carries at most this many bytes; a larger send is split (the relay's message cap). */
export const WEBSOCKET_MAX_MESSAGE_BYTES = 1024 * 1024;
/** How often a full send buffer is polled (the WebSocket API has no drain event). */
const DRAIN_POLL_MS = 5;

/** A RawConnection over one open WebSocket. */
export class WebSocketRawConnection implements RawConnection {
  private readonly reads = new PendingReads(() => this.maybeResume());
  private paused = false;
  private closing: Promise<void> | undefined;
  private writeShutdown: Promise<void> | undefined;

  /** Wraps `socket`, which must be open already (see `openWebSocket`). */
  constructor(
    /** The WebSocket (for diagnostics; do not read from it directly). */
    readonly socket: WebSocketLike,
    /** A description of the peer, e.g. the URL. */
    readonly remoteAddress?: string,
  ) {
    if (socket.readyState !== OPEN) throw new ConnectionClosedError('the WebSocket is not open');
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => this.onMessage(event.data));
    socket.addEventListener('close', (event) => {
      if (event.wasClean) this.onEnd();
      else this.fail(new ConnectionClosedError(`WebSocket closed abnormally (code ${event.code})`));
    });
    socket.addEventListener('error', () => this.fail(new ConnectionClosedError('WebSocket failed')));
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.reads.buffered;
  }

  /** Sends the bytes (an iovec joined) as one binary message; resolves once the socket's send buffer is below the high-water mark. */
  async sendBytes(data: ByteSource): Promise<void> {
    if (this.reads.error) throw this.reads.error;
    if (this.closing || this.writeShutdown || this.socket.readyState !== OPEN) throw new ConnectionClosedError('sendBytes after close');
    const message = concatBytes(data);
    for (let offset = 0; offset < message.length; offset += WEBSOCKET_MAX_MESSAGE_BYTES) {
      this.socket.send(message.subarray(offset, offset + WEBSOCKET_MAX_MESSAGE_BYTES));
    }
    while (this.socket.bufferedAmount > WEBSOCKET_SEND_HIGH_WATER_MARK) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      if (this.reads.error) throw this.reads.error;
      if (this.socket.readyState !== OPEN) throw new ConnectionClosedError('WebSocket closed while sending');
    }
  }

  /** Resolves with 1..max bytes (joined across messages), or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array> {
    return this.reads.receive(max);
  }

  /**
   * Starts the closing handshake (code 1000) and keeps reading what arrives before the
   * peer's Close. A WebSocket has no half-close (RFC 6455 section 5.5.1): the peer answers
   * our Close with its own, so what it would send after that is lost. Idempotent.
   */
  shutdownWrite(): Promise<void> {
    this.writeShutdown ??= (async () => {
      if (this.socket.readyState === OPEN) this.socket.close(NORMAL_CLOSURE);
    })();
    return this.writeShutdown;
  }

  /** Starts the closing handshake (code 1000) and resolves once it is sent; later incoming data is discarded. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.release();
      await this.shutdownWrite();
    })();
    return this.closing;
  }

  /** Drops the connection at once (`ws`: terminate; browsers: close); idempotent. */
  destroy(): void {
    this.release();
    this.closing ??= Promise.resolve();
    if (this.socket.terminate) this.socket.terminate();
    else if (this.socket.readyState === OPEN) this.socket.close(NORMAL_CLOSURE);
  }

  private release(): void {
    this.reads.release();
    this.maybeResume();
  }

  private onMessage(data: unknown): void {
    if (this.reads.released || this.reads.ended || this.reads.error) return;
    if (!(data instanceof ArrayBuffer)) {
      this.fail(new ConnectionClosedError('a text WebSocket message where TLS records were expected'));
      this.destroy();
      return;
    }
    this.reads.push(new Uint8Array(data));
    if (this.reads.buffered > WEBSOCKET_READ_HIGH_WATER_MARK && this.socket.pause && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (this.reads.buffered > WEBSOCKET_MAX_QUEUED_BYTES) {
      this.fail(new ConnectionClosedError(`more than ${WEBSOCKET_MAX_QUEUED_BYTES} received bytes unread`));
      this.destroy();
    }
  }

  private onEnd(): void {
    this.reads.end();
  }

  private fail(error: Error): void {
    this.reads.fail(error);
  }

  private maybeResume(): void {
    if (this.paused && (this.reads.released || this.reads.buffered <= WEBSOCKET_READ_HIGH_WATER_MARK / 2)) {
      this.paused = false;
      this.socket.resume?.();
    }
  }
}

/** A WebSocket constructor: the browser's `WebSocket` or `ws`'s default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Opens a WebSocket to `url` with `Socket` and wraps it; rejects with ConnectionClosedError if it cannot open. */
export function openWebSocket(Socket: WebSocketConstructor, url: string): Promise<WebSocketRawConnection> {
  return new Promise((resolve, reject) => {
    const socket = new Socket(url);
    socket.binaryType = 'arraybuffer';
    let settled = false;
    socket.addEventListener('error', () => {
      if (!settled) reject(new ConnectionClosedError(`cannot open WebSocket ${url}`));
      settled = true;
    });
    socket.addEventListener('close', (event) => {
      if (!settled) reject(new ConnectionClosedError(`WebSocket ${url} closed before it opened (code ${event.code})`));
      settled = true;
    });
    socket.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      resolve(new WebSocketRawConnection(socket, url));
    });
  });
}
