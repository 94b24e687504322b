/**
 * `RedisReplayStore`: 0-RTT anti-replay (RFC 8446 section 8.2) shared by every server of
 * a fleet through Redis, on ioredis: `SET key 1 PX ttl NX` records a ClientHello
 * atomically, so of two servers that see the same ClientHello only the first accepts its
 * early data. A Redis that does not answer in time means no 0-RTT, never a replay.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { AntiReplayStore } from './store.js';

/** How long a lookup may take before the server gives up on 0-RTT for that ClientHello. */
export const REDIS_REPLAY_TIMEOUT_MS = 500;

/** An AntiReplayStore in Redis. */
export class RedisReplayStore implements AntiReplayStore {
  /** The ioredis client (owned when the store made it). */
  readonly redis: Redis;
  private readonly owned: boolean;

  /** Uses `redis` (an ioredis client, or options / a URL to make one), keys prefixed with `prefix`. */
  constructor(redis: Redis | RedisOptions | string, private readonly prefix = 'tlsservice:0rtt:') {
    if (redis instanceof Redis) {
      this.redis = redis;
      this.owned = false;
    } else {
      const options: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false };
      this.redis = typeof redis === 'string' ? new Redis(redis, options) : new Redis({ ...options, ...redis });
      this.owned = true;
    }
    this.redis.on('error', () => undefined); // answers fail closed below
  }

  /** True when Redis recorded `key` now (first use). */
  async recordFirstUse(key: Uint8Array, ttlMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), REDIS_REPLAY_TIMEOUT_MS)));
    const answer = this.redis
      .set(this.prefix + Buffer.from(key).toString('base64'), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')
      .then((reply) => reply === 'OK', () => false);
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the Redis connection if this store opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
