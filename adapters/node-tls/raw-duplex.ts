/**
 * `RawConnectionDuplex`: a Node Duplex over any RawConnection, so node:tls can run over
 * an in-memory pair or a counting decorator as well as a socket. `_read` pulls
 * receiveBytes, `_writev` is ONE raw sendBytes(iovec), `_final` closes the raw side.
 */
import { Duplex } from 'node:stream';
import type { RawConnection } from '../../src/raw-connection.js';

/** The default size of each raw read. */
export const DEFAULT_RAW_READ_SIZE = 64 * 1024;

/** A Duplex whose reads and writes are calls on a RawConnection. */
export class RawConnectionDuplex extends Duplex {
  /** Called before every write reaches the raw connection (it may call `abortWith`). */
  beforeWrite: (() => void) | undefined;
  private closeRequested = false;
  private readonly readSize: number;

  constructor(
    /** The raw connection underneath. */
    readonly raw: RawConnection,
    options: { readSize?: number } = {},
  ) {
    super({ allowHalfOpen: true, decodeStrings: true });
    this.readSize = options.readSize ?? DEFAULT_RAW_READ_SIZE;
  }

  /** True once the raw connection is closing or closed by us. */
  get rawClosed(): boolean {
    return this.closeRequested;
  }

  override _read(): void {
    this.raw.receiveBytes(this.readSize).then(
      (bytes) => {
        if (this.destroyed) return;
        this.push(bytes.length === 0 ? null : bytes);
      },
      (error: unknown) => {
        if (this.closeRequested) this.push(null);
        else this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closeRaw().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.closeRequested) {
      this.closeRequested = true;
      if (this.raw.destroy) this.raw.destroy();
      else this.raw.close().catch(() => undefined);
    }
    callback(error);
  }

  /**
   * Sends `bytes` (our final alert) then closes the raw connection; every later write
   * is dropped. Used to abort a handshake in place of the next flight.
   */
  abortWith(bytes: Uint8Array): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    const send = bytes.length > 0 ? this.raw.sendBytes(bytes) : Promise.resolve();
    send.catch(() => undefined).then(() => this.raw.close().catch(() => undefined));
  }

  /** Sends `buffers` as one raw write; dropped once the raw side is closing. */
  private send(buffers: readonly Uint8Array[], callback: (error?: Error | null) => void): void {
    this.beforeWrite?.();
    if (this.closeRequested) {
      callback();
      return;
    }
    this.raw.sendBytes(buffers.length === 1 ? buffers[0]! : buffers).then(
      () => callback(),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private closeRaw(): Promise<void> {
    this.closeRequested = true;
    return this.raw.close().catch(() => undefined);
  }
}
