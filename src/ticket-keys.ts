/**
 * `TicketKeyRing`: the session-ticket keys of a server, or of a fleet of servers that
 * load the same keys (s2n-tls's model). Each key is node:tls's 48-byte `ticketKeys`
 * form, whose first 16 bytes name it (the key id every ticket carries). A key encrypts
 * and decrypts for its encrypt lifetime from `activeFrom`, then only decrypts for its
 * decrypt-only lifetime, then is overwritten with zeros and dropped. New tickets are
 * sealed with the newest key that may encrypt; any unexpired key opens. Backends use
 * it: noble seals tickets with it, node-tls hands node:tls the current key.
 */

/** Bytes in one ticket key (node:tls `ticketKeys`): 16-byte name, then 32 bytes of secret. */
export const TICKET_KEY_LENGTH = 48;
/** Bytes of a ticket key's id (its name, the first bytes of the key). */
export const TICKET_KEY_ID_LENGTH = 16;
/** How long a key encrypts new tickets by default (s2n-tls's default): 2 hours. */
export const DEFAULT_ENCRYPT_LIFETIME_MS = 2 * 3600_000;
/** How long a key still decrypts after it stops encrypting, by default (s2n-tls's): 13 hours. */
export const DEFAULT_DECRYPT_ONLY_LIFETIME_MS = 13 * 3600_000;
/** At most this many keys are held; loading more keeps the newest. */
export const MAX_TICKET_KEYS = 32;

/** One ticket key and when it starts encrypting. */
export interface TicketKey {
  /** The 48 key bytes (node:tls form). Overwritten with zeros when the key retires. */
  readonly material: Uint8Array;
  /** The key's id: its first 16 bytes (a view of `material`). */
  readonly id: Uint8Array;
  /** When the key starts encrypting, ms since the epoch. */
  readonly activeFrom: number;
}

/** Lifetimes and sources of a ring. */
export interface TicketKeyRingOptions {
  /** How long each key encrypts; default 2 hours. `Infinity` for keys that never expire (node:tls `ticketKeys`). */
  readonly encryptLifetimeMs?: number;
  /** How long each key decrypts after it stops encrypting; default 13 hours. */
  readonly decryptOnlyLifetimeMs?: number;
  /** When set, the ring makes a fresh key from this source whenever no key may encrypt (a self-rotating single-process ring). */
  readonly random?: (length: number) => Uint8Array;
}

/** The keys one server seals and opens session tickets with. */
export class TicketKeyRing {
  /** How long each key encrypts, ms. */
  readonly encryptLifetimeMs: number;
  /** How long each key decrypts after that, ms. */
  readonly decryptOnlyLifetimeMs: number;
  private keys: TicketKey[] = [];
  private readonly random: ((length: number) => Uint8Array) | undefined;
  private readonly listeners = new Set<(ring: TicketKeyRing) => void>();

  constructor(options: TicketKeyRingOptions = {}) {
    this.encryptLifetimeMs = options.encryptLifetimeMs ?? DEFAULT_ENCRYPT_LIFETIME_MS;
    this.decryptOnlyLifetimeMs = options.decryptOnlyLifetimeMs ?? DEFAULT_DECRYPT_ONLY_LIFETIME_MS;
    this.random = options.random;
  }

  /** A ring of one key that never expires: node:tls's `ticketKeys` semantics. */
  static fixed(material: Uint8Array): TicketKeyRing {
    const ring = new TicketKeyRing({ encryptLifetimeMs: Infinity, decryptOnlyLifetimeMs: 0 });
    ring.load([{ material, activeFrom: 0 }]);
    return ring;
  }

  /** A self-rotating ring of random keys (what a server uses when given no keys). */
  static generated(random: (length: number) => Uint8Array, options: Omit<TicketKeyRingOptions, 'random'> = {}): TicketKeyRing {
    return new TicketKeyRing({ ...options, random });
  }

  /** Replaces the keys (a reloaded key file); keys no longer present are zeroed. */
  load(keys: readonly { readonly material: Uint8Array; readonly activeFrom: number }[]): void {
    const next: TicketKey[] = [];
    for (const k of keys) {
      if (k.material.length !== TICKET_KEY_LENGTH) throw new RangeError(`a ticket key is ${TICKET_KEY_LENGTH} bytes, not ${k.material.length}`);
      const material = Uint8Array.from(k.material);
      next.push({ material, id: material.subarray(0, TICKET_KEY_ID_LENGTH), activeFrom: k.activeFrom });
    }
    next.sort((a, b) => a.activeFrom - b.activeFrom);
    const kept = next.slice(-MAX_TICKET_KEYS);
    for (const old of this.keys) old.material.fill(0);
    this.keys = kept;
    for (const listener of this.listeners) listener(this);
  }

  /** Adds one key (rotation in a running process). */
  add(material: Uint8Array, activeFrom: number): void {
    this.load([...this.keys.map((k) => ({ material: k.material, activeFrom: k.activeFrom })), { material, activeFrom }]);
  }

  /** The newest key that may encrypt at `now` (a self-rotating ring makes one when none may). */
  encryptionKey(now: number): TicketKey | undefined {
    this.retire(now);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i]!;
      if (k.activeFrom <= now && now < k.activeFrom + this.encryptLifetimeMs) return k;
    }
    if (!this.random) return undefined;
    this.add(this.random(TICKET_KEY_LENGTH), now);
    return this.keys[this.keys.length - 1];
  }

  /** The unexpired key with this id at `now`, if any. */
  decryptionKey(id: Uint8Array, now: number): TicketKey | undefined {
    this.retire(now);
    return this.keys.find((k) => k.activeFrom <= now && sameBytes(k.id, id));
  }

  /** The keys held (newest last), for tests and for handing to other backends. */
  get current(): readonly TicketKey[] {
    return this.keys;
  }

  /** Calls `listener` after every change of keys (node-tls hands the new key to node:tls); returns an unsubscribe function. */
  onChange(listener: (ring: TicketKeyRing) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Overwrites and drops every key past its decrypt-only lifetime. */
  private retire(now: number): void {
    const end = this.encryptLifetimeMs + this.decryptOnlyLifetimeMs;
    if (!this.keys.some((k) => now >= k.activeFrom + end)) return;
    const kept: TicketKey[] = [];
    for (const k of this.keys) {
      if (now >= k.activeFrom + end) k.material.fill(0);
      else kept.push(k);
    }
    this.keys = kept;
    for (const listener of this.listeners) listener(this);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
