/**
 * `StreamReader`: `receiveBytes(max)` over a Node Readable (a net.Socket, a TLSSocket).
 * Chunks from 'data' are queued without copying; the stream is paused while the queue
 * is above a high-water mark and resumed once reads drain it.
 */
import type { Readable } from 'node:stream';
import { ConnectionClosedError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';

/** How a StreamReader buffers and reports errors. */
export interface StreamReaderOptions {
  /** Pause the stream while more than this many bytes are queued (default 256 KiB). */
  readonly highWaterMark?: number;
  /** Turns a stream error into the error pending and later reads reject with. */
  readonly mapError?: (error: unknown) => Error;
  /** Asked at the stream's end: an error makes the end a failure (e.g. a TLS end without close_notify). */
  readonly endError?: () => Error | undefined;
}

interface PendingRead {
  readonly max: number;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** The default queue limit before the stream is paused. */
export const DEFAULT_READ_HIGH_WATER_MARK = 256 * 1024;

/** Pull-style reads over a push-style Readable, with bounded buffering. */
export class StreamReader {
  private readonly queue = new ByteQueue();
  private readonly pending: PendingRead[] = [];
  private readonly highWaterMark: number;
  private readonly mapError: (error: unknown) => Error;
  private readonly endError: () => Error | undefined;
  private ended = false;
  private failure: Error | undefined;
  private released = false;
  private paused = false;

  constructor(
    private readonly stream: Readable,
    options: StreamReaderOptions = {},
  ) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_READ_HIGH_WATER_MARK;
    this.mapError =
      options.mapError ?? ((error) => new ConnectionClosedError(`connection failed: ${describe(error)}`, { cause: error }));
    this.endError = options.endError ?? (() => undefined);
    stream.on('data', (chunk: Uint8Array | string) => this.onData(chunk));
    stream.on('end', () => this.onEnd());
    stream.on('error', (error: unknown) => this.fail(this.mapError(error)));
    stream.on('close', () => {
      if (!this.ended) this.fail(new ConnectionClosedError('connection closed before the end of the stream'));
    });
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** True once the peer's end of stream was seen. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** The error that ended reading, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max < 1) {
      return Promise.reject(new RangeError(`receiveBytes: max must be a positive integer, got ${max}`));
    }
    if (this.released) return Promise.reject(new ConnectionClosedError('receiveBytes after close'));
    if (this.pending.length === 0) {
      const ready = this.takeReady(max);
      if (ready) return ready;
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ max, resolve, reject });
    });
  }

  /** Stops reading for the owner: pending reads see end of stream, later ones ConnectionClosedError; further data is discarded. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.queue.clear();
    for (const read of this.pending.splice(0)) read.resolve(new Uint8Array(0));
    this.resume();
  }

  /** Fails pending and later reads with `error` (unless reading already ended cleanly). */
  fail(error: Error): void {
    if (this.failure || this.ended) return;
    this.failure = error;
    this.serve();
  }

  private takeReady(max: number): Promise<Uint8Array> | undefined {
    if (this.queue.length > 0) {
      const bytes = this.queue.take(max);
      this.maybeResume();
      return Promise.resolve(bytes);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(new Uint8Array(0));
    return undefined;
  }

  private onData(chunk: Uint8Array | string): void {
    if (this.released) return;
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    this.queue.push(bytes);
    this.serve();
    if (this.queue.length > this.highWaterMark && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private onEnd(): void {
    if (this.failure) return;
    const error = this.endError();
    if (error) {
      this.fail(error);
      return;
    }
    this.ended = true;
    this.serve();
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
      } else if (this.ended) {
        this.pending.shift();
        read.resolve(new Uint8Array(0));
      } else {
        break;
      }
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.paused && this.queue.length <= this.highWaterMark / 2) this.resume();
  }

  private resume(): void {
    this.paused = false;
    this.stream.resume();
  }
}

/** A short description of an unknown error (code and message). */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
