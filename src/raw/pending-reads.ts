/**
 * `PendingReads`: pull-style `receiveBytes(max)` over bytes pushed from events, the core
 * the Node stream reader and the WebSocket connection share (no Node import, so it runs in
 * browsers). Pushed bytes queue without copying; reads are served in order; an end or a
 * failure reaches every pending and later read. The owner applies flow control in
 * `onTaken`, which runs whenever reads have taken bytes from the queue.
 */
import { ConnectionClosedError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';

interface PendingRead {
  readonly max: number;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** Queued bytes, waiting reads, and how reading ended. */
export class PendingReads {
  private readonly queue = new ByteQueue();
  private readonly pending: PendingRead[] = [];
  private endedFlag = false;
  private failure: Error | undefined;
  private releasedFlag = false;

  constructor(private readonly onTaken: () => void = () => undefined) {}

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** True once the end of stream was seen (cleanly). */
  get ended(): boolean {
    return this.endedFlag;
  }

  /** The error that ended reading, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** True once the owner stopped reading (see `release`). */
  get released(): boolean {
    return this.releasedFlag;
  }

  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receive(max: number): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max < 1) {
      return Promise.reject(new RangeError(`receiveBytes: max must be a positive integer, got ${max}`));
    }
    if (this.releasedFlag) return Promise.reject(new ConnectionClosedError('receiveBytes after close'));
    if (this.pending.length === 0) {
      if (this.queue.length > 0) {
        const bytes = this.queue.take(max);
        this.onTaken();
        return Promise.resolve(bytes);
      }
      if (this.failure) return Promise.reject(this.failure);
      if (this.endedFlag) return Promise.resolve(new Uint8Array(0));
    }
    return new Promise((resolve, reject) => this.pending.push({ max, resolve, reject }));
  }

  /** Queues received bytes (kept, not copied) and serves waiting reads; ignored once released. */
  push(bytes: Uint8Array): void {
    if (this.releasedFlag) return;
    this.queue.push(bytes);
    this.serve();
  }

  /** The end of stream: later reads get what is queued, then an empty array. Ignored after a failure. */
  end(): void {
    if (this.failure) return;
    this.endedFlag = true;
    this.serve();
  }

  /** Fails pending and later reads with `error` (unless reading already ended cleanly). */
  fail(error: Error): void {
    if (this.failure || this.endedFlag) return;
    this.failure = error;
    this.serve();
  }

  /** Stops reading for the owner: pending reads see end of stream, later ones ConnectionClosedError; queued and later bytes are dropped. */
  release(): void {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    this.queue.clear();
    for (const read of this.pending.splice(0)) read.resolve(new Uint8Array(0));
  }

  private serve(): void {
    while (this.pending.length > 0) {
      const read = this.pending[0]!;
      if (this.queue.length > 0) {
        this.pending.shift();
        read.resolve(this.queue.take(read.max));
      } else if (this.failure) {
        this.pending.shift();
        read.reject(this.failure);
      } else if (this.endedFlag) {
        this.pending.shift();
        read.resolve(new Uint8Array(0));
      } else {
        break;
      }
    }
    this.onTaken();
  }
}
