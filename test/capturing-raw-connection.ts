/**
 * A RawConnection decorator for tests that look at the bytes on the wire: it keeps a copy
 * of every buffer written through it (an iovec's pieces one by one) and passes every call on.
 */
import { asIovec, type ByteSource, type RawConnection } from '../src/raw-connection.js';

/** Keeps a copy of every byte sent, so the TLS records can be counted. */
export class CapturingRawConnection implements RawConnection {
  /** Copies of the buffers written, in order. */
  readonly sent: Uint8Array[] = [];
  constructor(private readonly inner: RawConnection) {}
  sendBytes(data: ByteSource): Promise<void> {
    for (const buffer of asIovec(data)) this.sent.push(buffer.slice());
    return this.inner.sendBytes(data);
  }
  receiveBytes(max: number): Promise<Uint8Array> {
    return this.inner.receiveBytes(max);
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
