/**
 * `ReplayRawConnection`: a RawConnection that first hands out bytes already read from
 * another one (the peeked ClientHello), then reads from it. The backend sees the stream
 * from its first byte, and the peek costs no extra IO call.
 */
import type { ByteSource, RawConnection } from '../raw-connection.js';

/** Serves `prefix`, then `inner`'s bytes; everything else goes to `inner`. */
export class ReplayRawConnection implements RawConnection {
  private prefix: Uint8Array;

  constructor(
    /** The connection the prefix was read from (HTTP plug-ins find the TCP socket through it). */
    readonly inner: RawConnection,
    prefix: Uint8Array,
  ) {
    this.prefix = prefix;
  }

  /** The inner connection's descriptor. */
  get fileDescriptor(): number | undefined {
    return this.inner.fileDescriptor;
  }

  /** The inner connection's peer address. */
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }

  /** Sends on the inner connection. */
  sendBytes(data: ByteSource): Promise<void> {
    return this.inner.sendBytes(data);
  }

  /** The replayed bytes first (up to `max`), then the inner connection's. */
  receiveBytes(max: number): Promise<Uint8Array> {
    if (this.prefix.length === 0) return this.inner.receiveBytes(max);
    const out = this.prefix.subarray(0, max);
    this.prefix = this.prefix.subarray(out.length);
    return Promise.resolve(out);
  }

  /** Ends the inner connection's write side. */
  shutdownWrite(): Promise<void> {
    return this.inner.shutdownWrite();
  }

  /** Closes the inner connection. */
  close(): Promise<void> {
    this.prefix = new Uint8Array(0);
    return this.inner.close();
  }

  /** Tears the inner connection down. */
  destroy(): void {
    this.prefix = new Uint8Array(0);
    if (this.inner.destroy) this.inner.destroy();
    else void this.inner.close().catch(() => undefined);
  }
}
