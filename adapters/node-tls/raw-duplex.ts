/**
 * `RawConnectionDuplex`: a Node Duplex over any RawConnection, so node:tls can run over
 * an in-memory pair or a counting decorator as well as a socket. `_read` pulls
 * receiveBytes, `_writev` is ONE raw sendBytes(iovec), `_final` is the raw write-only
 * shutdown (node:tls ends the transport's write side after its close_notify, and keeps
 * reading: RFC 8446 section 6.1 half-close). Destroying it after a fatal alert lingers.
 */
import { Duplex } from 'node:stream';
import type { RawConnection } from '../../src/raw-connection.js';
import { lingeringClose } from '../../src/raw/lingering-close.js';

/** The default size of each raw read. */
export const DEFAULT_RAW_READ_SIZE = 64 * 1024;

/** A Duplex whose reads and writes are calls on a RawConnection. */
export class RawConnectionDuplex extends Duplex {
  /** Called before every write reaches the raw connection (it may call `abortWith`). */
  beforeWrite: (() => void) | undefined;
  /** Asked when the duplex is destroyed: true when a fatal alert went out, so the raw connection lingers instead of a reset. */
  lingerOnDestroy: (() => boolean) | undefined;
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
    if (this.closeRequested) {
      callback();
      return;
    }
    this.raw.shutdownWrite().then(() => callback(), () => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.closeRequested) {
      this.closeRequested = true;
      if (this.lingerOnDestroy?.()) void lingeringClose(this.raw);
      else if (this.writableFinished) void this.raw.close().catch(() => undefined); // our FIN is out: no reset
      else if (this.raw.destroy) this.raw.destroy();
      else this.raw.close().catch(() => undefined);
    }
    callback(error);
  }

  /**
   * Sends `bytes` (our final alert) then closes the raw connection with a lingering
   * close; every later write is dropped. Used to abort a handshake in place of the next flight.
   */
  abortWith(bytes: Uint8Array): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    const send = bytes.length > 0 ? this.raw.sendBytes(bytes) : Promise.resolve();
    void send.catch(() => undefined).then(() => lingeringClose(this.raw));
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
}
