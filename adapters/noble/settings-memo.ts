/**
 * `SettingsMemo`: engine settings built from a configuration are reused while the next
 * connection's configuration has the same content. Every connection gets a fresh options
 * object (`{ ...defaults, ...options }`) whose values are the same strings, buffers,
 * arrays and callbacks, so turning it into settings again (cache look-ups keyed by PEM
 * text, closures, lists) is work done twice. The memo keeps a snapshot of each
 * configuration it built settings for (bytes copied, arrays and plain objects copied
 * member by member, functions and class instances by identity) and compares the next
 * configuration against it by content, so a buffer changed in place is a new
 * configuration, as it is for `ContentCache`.
 */

/** Configurations remembered per memo (a process rarely has more than a few server and client configurations). */
export const SETTINGS_MEMO_ENTRIES = 8;

interface Entry<S> {
  readonly owner: object;
  readonly snapshot: unknown;
  readonly settings: S;
}

/** A small most-recently-used memo of settings by configuration content and an owner object (the crypto provider). */
export class SettingsMemo<C extends object, S> {
  private entries: Entry<S>[] = [];

  /** The settings for `configuration` under `owner`, built with `build` unless a configuration with the same content was seen. */
  get(owner: object, configuration: C, build: () => S): S {
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.owner === owner && sameContent(entry.snapshot, configuration)) {
        if (i > 0) {
          this.entries.splice(i, 1);
          this.entries.unshift(entry);
        }
        return entry.settings;
      }
    }
    const settings = build();
    this.entries.unshift({ owner, snapshot: snapshotOf(configuration), settings });
    if (this.entries.length > SETTINGS_MEMO_ENTRIES) this.entries.pop();
    return settings;
  }
}

/** The snapshot of a byte buffer: its bytes and its class (a Buffer is not the same configuration as a Uint8Array). */
class BytesSnapshot {
  constructor(readonly bytes: Uint8Array, readonly kind: unknown) {}
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A copy of `value` that later changes to it cannot reach: bytes copied, arrays and plain objects copied member by member, the rest by identity. */
function snapshotOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return new BytesSnapshot(Uint8Array.prototype.slice.call(value), value.constructor);
  if (Array.isArray(value)) return value.map(snapshotOf);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = snapshotOf((value as Record<string, unknown>)[key]);
  return copy;
}

/** True when `value` has the content `snapshot` was taken of. */
function sameContent(snapshot: unknown, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return snapshot === value;
  if (typeof snapshot !== 'object' || snapshot === null) return false;
  if (value instanceof Uint8Array) {
    if (!(snapshot instanceof BytesSnapshot) || snapshot.kind !== value.constructor || snapshot.bytes.length !== value.length) return false;
    const bytes = snapshot.bytes;
    for (let i = 0; i < value.length; i++) if (bytes[i] !== value[i]) return false;
    return true;
  }
  if (Array.isArray(value)) {
    if (!Array.isArray(snapshot) || snapshot.length !== value.length) return false;
    for (let i = 0; i < value.length; i++) if (!sameContent(snapshot[i], value[i])) return false;
    return true;
  }
  if (!isPlainObject(value)) return snapshot === value;
  if (Array.isArray(snapshot) || !isPlainObject(snapshot)) return false;
  const keys = Object.keys(value);
  if (keys.length !== Object.keys(snapshot).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(snapshot, key) || !sameContent((snapshot as Record<string, unknown>)[key], (value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
