/**
 * `lingeringClose`: how a connection ends after we sent a fatal alert. Destroying the
 * socket at once would answer a peer that is still writing with a TCP reset, and a reset
 * can discard our alert in the peer's receive buffer before it is read (the peer sees
 * EPIPE/ECONNRESET instead of the reason). So we shut down our write side (FIN behind
 * the alert), read and discard what still comes, and destroy the connection only when
 * the peer ends, or after LINGER_MS or LINGER_BYTES, whichever comes first.
 */
import type { RawConnection } from '../raw-connection.js';

/** The longest a lingering close reads and discards before it destroys the connection (ms). */
export const LINGER_MS = 2_000;
/** The most bytes a lingering close discards before it destroys the connection. */
export const LINGER_BYTES = 256 * 1024;

/** Limits of one lingering close (tests pass smaller ones). */
export interface LingerLimits {
  /** Milliseconds to wait for the peer's end (default LINGER_MS). */
  readonly ms?: number;
  /** Bytes to discard at most (default LINGER_BYTES). */
  readonly bytes?: number;
}

/** The size of each discarding read. */
const DISCARD_READ_SIZE = 64 * 1024;

/**
 * Shuts our write side (after everything already sent), discards incoming bytes until
 * the peer ends or a limit is reached, then releases the connection: `close()` when the
 * peer ended cleanly, `destroy()` otherwise. Never rejects.
 */
export async function lingeringClose(raw: RawConnection, limits: LingerLimits = {}): Promise<void> {
  const ms = limits.ms ?? LINGER_MS;
  const maxBytes = limits.bytes ?? LINGER_BYTES;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), ms);
    // Node: do not keep the process alive for it; a browser's timer is a number without unref.
    (timer as { unref?: () => void }).unref?.();
  });
  const discard = async (): Promise<'ended' | 'limit'> => {
    await raw.shutdownWrite();
    for (let discarded = 0; discarded <= maxBytes; ) {
      const bytes = await raw.receiveBytes(DISCARD_READ_SIZE);
      if (bytes.length === 0) return 'ended';
      discarded += bytes.length;
    }
    return 'limit';
  };
  // A reset or a failed write means the peer is gone: nothing is left to wait for.
  const discarding = discard().catch(() => 'failed' as const);
  const outcome = await Promise.race([discarding, expired]);
  clearTimeout(timer);
  if (outcome === 'ended') await raw.close().catch(() => undefined);
  else if (raw.destroy) raw.destroy();
  else await raw.close().catch(() => undefined);
}
