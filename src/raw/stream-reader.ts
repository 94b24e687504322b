/**
 * `StreamReader`: `receiveBytes(max)` over a Node Readable (a net.Socket, a TLSSocket).
 * Chunks from 'data' are queued without copying; the stream is paused while the queue
 * is above a high-water mark and resumed once reads drain it.
 */
import type { Readable } from 'node:stream';
import { ConnectionClosedError } from '../errors.js';
import { PendingReads } from './pending-reads.js';

/** How a StreamReader buffers and reports errors. */
export interface StreamReaderOptions {
  /** Pause the stream while more than this many bytes are queued (default 256 KiB). */
  readonly highWaterMark?: number;
  /** Turns a stream error into the error pending and later reads reject with. */
  readonly mapError?: (error: unknown) => Error;
  /** Asked at the stream's end: an error makes the end a failure (e.g. a TLS end without close_notify). */
  readonly endError?: () => Error | undefined;
}

/** The default queue limit before the stream is paused. */
export const DEFAULT_READ_HIGH_WATER_MARK = 256 * 1024;

/** What a stream error becomes when the owner gives no `mapError`. */
function defaultMapError(error: unknown): Error {
  return new ConnectionClosedError(`connection failed: ${describe(error)}`, { cause: error });
}

/** An end of stream is clean when the owner gives no `endError`. */
function noEndError(): Error | undefined {
  return undefined;
}

/** The reader listening on each stream, for the shared listeners below. */
const readers = new WeakMap<Readable, StreamReader>();

/**
 * The stream listeners, shared by every reader (an idle connection holds no closures of
 * its own for them): the stream calls them with itself as `this`.
 */
const listeners = {
  data(this: Readable, chunk: Uint8Array | string): void {
    readers.get(this)?.onData(chunk);
  },
  end(this: Readable): void {
    readers.get(this)?.onEnd();
  },
  error(this: Readable, error: unknown): void {
    readers.get(this)?.onError(error);
  },
  close(this: Readable): void {
    readers.get(this)?.onClose();
  },
} as const;

/** Pull-style reads over a push-style Readable, with bounded buffering. */
export class StreamReader {
  private readonly reads = new PendingReads(() => this.maybeResume());
  private readonly highWaterMark: number;
  private readonly mapError: (error: unknown) => Error;
  private readonly endError: () => Error | undefined;
  private paused = false;

  constructor(
    private readonly stream: Readable,
    options: StreamReaderOptions = {},
  ) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_READ_HIGH_WATER_MARK;
    this.mapError = options.mapError ?? defaultMapError;
    this.endError = options.endError ?? noEndError;
    readers.set(stream, this);
    for (const [event, listener] of Object.entries(listeners)) stream.on(event, listener);
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.reads.buffered;
  }

  /** True once the peer's end of stream was seen. */
  get hasEnded(): boolean {
    return this.reads.ended;
  }

  /** The error that ended reading, if any. */
  get error(): Error | undefined {
    return this.reads.error;
  }

  /** Resolves with 1..max bytes, or an empty array at end of stream. */
  receiveBytes(max: number): Promise<Uint8Array> {
    return this.reads.receive(max);
  }

  /** Stops reading for the owner: pending reads see end of stream, later ones ConnectionClosedError; further data is discarded. */
  release(): void {
    if (this.reads.released) return;
    this.reads.release();
    this.resume();
  }

  /** Fails pending and later reads with `error` (unless reading already ended cleanly). */
  fail(error: Error): void {
    this.reads.fail(error);
  }

  /** 'data': queue the chunk, pausing the stream above the high-water mark. */
  onData(chunk: Uint8Array | string): void {
    if (this.reads.released) return;
    this.reads.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    if (this.reads.buffered > this.highWaterMark && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
  }

  /** 'end': the peer's end of stream (a failure when `endError` says so). */
  onEnd(): void {
    if (this.reads.error) return;
    const error = this.endError();
    if (error) this.fail(error);
    else this.reads.end();
  }

  /** 'error': fail reads with the mapped error. */
  onError(error: unknown): void {
    this.fail(this.mapError(error));
  }

  /** 'close': a close before the end of stream fails reads still waiting. */
  onClose(): void {
    // Only built when a reader can still see it (an error captures a stack trace).
    const { ended, error, released } = this.reads;
    if (!ended && !error && !released) this.fail(new ConnectionClosedError('connection closed before the end of the stream'));
  }

  private maybeResume(): void {
    if (this.paused && this.reads.buffered <= this.highWaterMark / 2) this.resume();
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
