/**
 * Anti-replay for 0-RTT (RFC 8446 section 8.2, "ClientHello recording"): a server
 * accepts early data only for a ClientHello whose unique value (its PSK binder) it has
 * not seen within the freshness window; anything else gets a full-handshake answer to
 * the same request. `AntiReplayStore` is the interface; `InProcessReplayStore` serves
 * one process, `RedisReplayStore` (redis.ts) a fleet.
 */
import { bytesToHex } from '@noble/hashes/utils.js';

/** Where a server records the ClientHellos whose early data it accepted. */
export interface AntiReplayStore {
  /**
   * Records `key` for `ttlMs`; true when this is its first use (accept 0-RTT), false
   * when it was recorded before (a replay). A store that cannot answer must say false.
   */
  recordFirstUse(key: Uint8Array, ttlMs: number): boolean | Promise<boolean>;
}

/** The most ClientHellos an InProcessReplayStore remembers; when full it refuses 0-RTT rather than forget. */
export const MAX_RECORDED_CLIENT_HELLOS = 100_000;

/** An AntiReplayStore in this process's memory (one server process; use Redis for several). */
export class InProcessReplayStore implements AntiReplayStore {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly limit = MAX_RECORDED_CLIENT_HELLOS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True on first use within the window. */
  recordFirstUse(key: Uint8Array, ttlMs: number): boolean {
    const now = this.now();
    const id = bytesToHex(key);
    const until = this.seen.get(id);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.limit) this.expire(now);
    if (this.seen.size >= this.limit) return false;
    this.seen.set(id, now + ttlMs);
    return true;
  }

  /** ClientHellos remembered now. */
  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
  }
}

/** The store servers use when given none: one per process. */
export const defaultReplayStore: AntiReplayStore = new InProcessReplayStore();
