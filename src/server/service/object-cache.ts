/**
 * The small cache both large-object keepers hold of the objects this process served last,
 * so that the next message of the session does not read the object back from the store.
 * Bounded twice: at most `maxEntries` objects and `maxCodeUnits` UTF-16 code units of
 * data in all; the least recently kept go first, and an object larger than the whole
 * bound is not kept at all.
 */
/** The keepers' bounds: 16 objects, 64 Mi code units (128 MB of string data at most). */
export const KEPT_OBJECTS = 16;
export const KEPT_CODE_UNITS = 64 * 1024 * 1024;

/** Entries by key, within both bounds, the least recently kept dropped first. */
export class ObjectCache<K, V extends { readonly data: string }> {
  private readonly entries = new Map<K, V>();
  private codeUnits = 0;

  constructor(
    private readonly maxEntries = KEPT_OBJECTS,
    private readonly maxCodeUnits = KEPT_CODE_UNITS,
  ) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Keeps `value` as the most recent entry (in place of the one of that key, if any). */
  set(key: K, value: V): void {
    this.delete(key);
    if (value.data.length > this.maxCodeUnits) return;
    this.entries.set(key, value);
    this.codeUnits += value.data.length;
    // A Map iterates in insertion order: the first entries are the oldest.
    for (const [k, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.codeUnits <= this.maxCodeUnits) break;
      this.entries.delete(k);
      this.codeUnits -= entry.data.length;
    }
  }

  delete(key: K): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.codeUnits -= old.data.length;
  }

  /** Drops every entry whose key `matches`. */
  deleteWhere(matches: (key: K) => boolean): void {
    for (const key of [...this.entries.keys()]) if (matches(key)) this.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
