/**
 * `TimelineRawConnection`: a bench-only decorator that logs the reads and writes of one
 * end into a timeline shared by both ends, with the bytes, so the IO-call benchmark can
 * interleave the two ends like the study's traces and find the TLS records in each call.
 * The per-end counts themselves come from `CountingRawConnection` underneath.
 */
import { concatBytes, type ByteSource, type RawConnection } from '../src/raw-connection.js';

/** One logged call: a write (logged when issued) or a read (logged when it returned). */
export interface TimelineEntry {
  readonly end: string;
  readonly op: 'write' | 'read';
  /** For reads, the buffer size asked for; for writes, the number of iovec buffers. */
  readonly asked: number;
  readonly bytes: Uint8Array;
}

/** Logs every call of the wrapped connection into a shared timeline. */
export class TimelineRawConnection implements RawConnection {
  constructor(
    private readonly inner: RawConnection,
    /** The name of this end in the timeline, e.g. `client`. */
    readonly end: string,
    private readonly timeline: TimelineEntry[],
  ) {}

  get fileDescriptor(): number | undefined {
    return this.inner.fileDescriptor;
  }

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }

  sendBytes(data: ByteSource): Promise<void> {
    const buffers = data instanceof Uint8Array ? 1 : data.length;
    this.timeline.push({ end: this.end, op: 'write', asked: buffers, bytes: concatBytes(data).slice() });
    return this.inner.sendBytes(data);
  }

  async receiveBytes(max: number): Promise<Uint8Array> {
    const bytes = await this.inner.receiveBytes(max);
    this.timeline.push({ end: this.end, op: 'read', asked: max, bytes: bytes.slice() });
    return bytes;
  }

  shutdownWrite(): Promise<void> {
    return this.inner.shutdownWrite();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}
