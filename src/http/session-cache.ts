/**
 * `SessionCache`: the TLS sessions an HTTP client keeps to resume later connections
 * (node's `maxCachedSessions` on `https.Agent`), keyed by host, port, servername and
 * ALPN offer. A session is handed out once (RFC 8446 appendix C.4: a ticket reused is a
 * connection linkable to the first); each new connection's tickets refill its entry.
 */

/** The default number of origins kept (node's `https.Agent` default `maxCachedSessions`). */
export const DEFAULT_MAX_CACHED_SESSIONS = 100;
/** Sessions kept per origin; older ones are dropped first. */
export const MAX_SESSIONS_PER_ORIGIN = 4;

/** What a cached session is for. */
export interface SessionKey {
  readonly host: string;
  readonly port: number;
  readonly servername: string | undefined;
  readonly ALPNProtocols: readonly string[] | undefined;
}

/** A bounded LRU of single-use sessions per origin. */
export class SessionCache {
  private readonly entries = new Map<string, Uint8Array[]>();

  /** `limit` origins at most (0 caches nothing). */
  constructor(readonly limit = DEFAULT_MAX_CACHED_SESSIONS) {}

  /** Takes the newest session for `key` out of the cache (each is used once). */
  take(key: SessionKey): Uint8Array | undefined {
    const id = keyOf(key);
    const list = this.entries.get(id);
    const session = list?.pop();
    if (list && list.length === 0) this.entries.delete(id);
    return session;
  }

  /** Keeps `session` for `key`, evicting the least recently stored origin past the limit. */
  put(key: SessionKey, session: Uint8Array): void {
    if (this.limit <= 0) return;
    const id = keyOf(key);
    const list = this.entries.get(id) ?? [];
    this.entries.delete(id);
    list.push(session);
    if (list.length > MAX_SESSIONS_PER_ORIGIN) list.shift();
    this.entries.set(id, list);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Origins with at least one session. */
  get size(): number {
    return this.entries.size;
  }
}

function keyOf(key: SessionKey): string {
  return JSON.stringify([key.host, key.port, key.servername ?? '', key.ALPNProtocols ?? []]);
}
