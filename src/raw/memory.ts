/**
 * `memoryPair`: two connected in-memory RawConnections for tests. Writes reach the peer
 * asynchronously (setImmediate, in order) like a network; `fragment` caps every read to
 * shake out framing bugs; buffering is bounded so large transfers apply backpressure.
 */
import { ConnectionClosedError } from '../errors.js';
import { byteLength, concatBytes, type ByteSource, type RawConnection } from '../raw-connection.js';
import { ByteQueue } from './byte-queue.js';

/** Options of an in-memory pair. */
export interface MemoryPairOptions {
  /** Every read returns at most this many bytes (down to 1). */
  readonly fragment?: number;
  /** A label for `remoteAddress` (`<name>:a` / `<name>:b`). */
  readonly name?: string;
  /** `sendBytes` waits while the peer holds more than this many unread bytes (default 1 MiB). */
  readonly bufferLimit?: number;
}

const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

interface PendingRead {
  readonly max: number;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** One end of an in-memory pair. */
class MemoryRawConnection implements RawConnection {
  peer!: MemoryRawConnection;
  private readonly inbound = new ByteQueue();
  private readonly pendingReads: PendingRead[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  /** Bytes sent to us and not yet read (including those still in flight). */
  private unread = 0;
  private peerEnded = false;
  private reset: Error | undefined;
  private closed = false;
  /** True once our write side is shut (shutdownWrite or close): the peer has been told end of stream. */
  private writeShut = false;

  constructor(
    readonly remoteAddress: string,
    private readonly fragment: number,
    private readonly bufferLimit: number,
  ) {}

  sendBytes(data: ByteSource): Promise<void> {
    if (this.closed) return Promise.reject(new ConnectionClosedError('sendBytes after close'));
    if (this.writeShut) return Promise.reject(new ConnectionClosedError('sendBytes after shutdownWrite'));
    if (this.reset) return Promise.reject(this.reset);
    const length = byteLength(data);
    if (length === 0) return Promise.resolve();
    // Copy now: the caller may reuse its buffers once we resolve, as with a socket.
    const bytes = data instanceof Uint8Array ? data.slice() : concatBytes(data.map((b) => b.slice()));
    const peer = this.peer;
    peer.unread += length;
    setImmediate(() => peer.deliver(bytes));
    return peer.waitForSpace();
  }

  receiveBytes(max: number): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max < 1) {
      return Promise.reject(new RangeError(`receiveBytes: max must be a positive integer, got ${max}`));
    }
    if (this.closed) return Promise.reject(new ConnectionClosedError('receiveBytes after close'));
    return new Promise((resolve, reject) => {
      this.pendingReads.push({ max, resolve, reject });
      this.serve();
    });
  }

  shutdownWrite(): Promise<void> {
    if (this.writeShut || this.reset) return Promise.resolve();
    this.writeShut = true;
    // After every delivery already scheduled, like a FIN behind the data.
    const peer = this.peer;
    setImmediate(() => peer.onPeerEnd());
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    void this.shutdownWrite();
    this.closed = true;
    this.discardInbound();
    for (const read of this.pendingReads.splice(0)) read.resolve(new Uint8Array(0));
    return Promise.resolve();
  }

  destroy(): void {
    if (!this.closed) {
      const error = new ConnectionClosedError('connection destroyed');
      this.reset = error;
      for (const read of this.pendingReads.splice(0)) read.reject(error);
      this.closed = true;
    }
    this.discardInbound();
    const peer = this.peer;
    setImmediate(() => peer.onPeerReset());
  }

  private deliver(bytes: Uint8Array): void {
    if (this.closed || this.reset) {
      this.unread -= bytes.length;
      this.wakeWriters();
      return;
    }
    this.inbound.push(bytes);
    this.serve();
  }

  private onPeerEnd(): void {
    this.peerEnded = true;
    this.serve();
  }

  private onPeerReset(): void {
    if (this.reset) return;
    // After the peer's end our reads have already been told end of stream; the reset still fails our sends.
    this.reset = new ConnectionClosedError('connection reset by peer');
    if (!this.peerEnded) this.discardInbound();
    this.serve();
  }

  private serve(): void {
    while (this.pendingReads.length > 0) {
      const read = this.pendingReads[0]!;
      if (this.inbound.length > 0) {
        this.pendingReads.shift();
        const bytes = this.inbound.take(Math.min(read.max, this.fragment));
        this.unread -= bytes.length;
        read.resolve(bytes);
      } else if (this.peerEnded) {
        this.pendingReads.shift();
        read.resolve(new Uint8Array(0));
      } else if (this.reset) {
        this.pendingReads.shift();
        read.reject(this.reset);
      } else {
        break;
      }
    }
    this.wakeWriters();
  }

  private waitForSpace(): Promise<void> {
    if (this.unread <= this.bufferLimit || this.closed || this.reset) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  private wakeWriters(): void {
    if (this.unread > this.bufferLimit && !this.closed && !this.reset) return;
    for (const wake of this.spaceWaiters.splice(0)) wake();
  }

  private discardInbound(): void {
    this.unread -= this.inbound.length;
    this.inbound.clear();
    this.wakeWriters();
  }
}

/** Creates two connected in-memory RawConnections: what one sends, the other receives. */
export function memoryPair(options: MemoryPairOptions = {}): [RawConnection, RawConnection] {
  const fragment = options.fragment ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(fragment) || fragment < 1) throw new RangeError(`fragment must be a positive integer, got ${fragment}`);
  const limit = options.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const name = options.name ?? 'memory';
  const a = new MemoryRawConnection(`${name}:b`, fragment, limit);
  const b = new MemoryRawConnection(`${name}:a`, fragment, limit);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
