/**
 * `CountingRawConnection`: a decorator that records every read and write of the
 * RawConnection it wraps, and prints them like the IO-efficiency study's traces
 * ("wrote 1452", "read into buffer of length 4096 -> 1452").
 */
import { asIovec, byteLength, type ByteSource, type RawConnection } from '../raw-connection.js';

/** One sendBytes call: its total length and how many buffers the iovec had. */
export interface WriteRecord {
  readonly op: 'write';
  readonly length: number;
  readonly buffers: number;
  /** Set when the write failed (the error's name). */
  readonly error?: string;
}

/** One receiveBytes call: the size asked for and the bytes returned (0 = end of stream). */
export interface ReadRecord {
  readonly op: 'read';
  readonly asked: number;
  readonly length: number;
  /** Set when the read failed (the error's name). */
  readonly error?: string;
}

/** A recorded IO call. */
export type IORecord = WriteRecord | ReadRecord;

/** Records every IO call made through it, then forwards to the wrapped connection. */
export class CountingRawConnection implements RawConnection {
  private records: IORecord[] = [];

  constructor(
    /** The connection being counted. */
    readonly inner: RawConnection,
  ) {}

  /** Every call so far, in the order they completed. */
  get calls(): readonly IORecord[] {
    return this.records;
  }

  /** The sendBytes calls. */
  get writes(): readonly WriteRecord[] {
    return this.records.filter((r): r is WriteRecord => r.op === 'write');
  }

  /** The receiveBytes calls. */
  get reads(): readonly ReadRecord[] {
    return this.records.filter((r): r is ReadRecord => r.op === 'read');
  }

  /** Forgets the calls recorded so far. */
  reset(): void {
    this.records = [];
  }

  /** The calls as study-style lines, each prefixed with `label ` when one is given. */
  trace(label?: string): string[] {
    const prefix = label === undefined ? '' : `${label} `;
    return this.records.map((r) => prefix + traceLine(r));
  }

  get fileDescriptor(): number | undefined {
    return this.inner.fileDescriptor;
  }

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }

  async sendBytes(data: ByteSource): Promise<void> {
    const length = byteLength(data);
    const buffers = asIovec(data).length;
    try {
      await this.inner.sendBytes(data);
      this.records.push({ op: 'write', length, buffers });
    } catch (error) {
      this.records.push({ op: 'write', length, buffers, error: errorName(error) });
      throw error;
    }
  }

  async receiveBytes(max: number): Promise<Uint8Array> {
    try {
      const bytes = await this.inner.receiveBytes(max);
      this.records.push({ op: 'read', asked: max, length: bytes.length });
      return bytes;
    } catch (error) {
      this.records.push({ op: 'read', asked: max, length: 0, error: errorName(error) });
      throw error;
    }
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

/** One record in the study's appendix form. */
export function traceLine(record: IORecord): string {
  if (record.op === 'write') {
    return record.error ? `wrote ${record.length} -> error ${record.error}` : `wrote ${record.length}`;
  }
  const head = `read into buffer of length ${record.asked} -> `;
  if (record.error) return `${head}error ${record.error}`;
  return record.length === 0 ? `${head}0 (end of stream)` : `${head}${record.length}`;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
