/**
 * `writeVectored`: writes an iovec to a Node Writable as ONE vectored write (cork, write
 * each, uncork) and resolves when the stream has flushed it, so callers never buffer
 * more than one call's worth in user space.
 */
import type { Writable } from 'node:stream';

/** Writes `buffers` corked so the stream sees one writev; resolves on the last write's callback. */
export function writeVectored(stream: Writable, buffers: readonly Uint8Array[], mapError: (error: unknown) => Error): Promise<void> {
  const parts = buffers.filter((b) => b.length > 0);
  if (parts.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      stream.off('close', onClose);
      if (error) reject(mapError(error));
      else resolve();
    };
    const onClose = (): void => done(stream.errored ?? new Error('stream closed during write'));
    stream.once('close', onClose);
    stream.cork();
    try {
      for (let i = 0; i < parts.length; i++) stream.write(parts[i]!, i === parts.length - 1 ? done : undefined);
    } finally {
      stream.uncork();
    }
  });
}
