/** A map from a key to a set of values, where an emptied set disappears (no leak per key). */
export class MultiMap<K, V> {
  private readonly sets = new Map<K, Set<V>>();

  get keyCount(): number {
    return this.sets.size;
  }

  add(key: K, value: V): void {
    const set = this.sets.get(key);
    if (set) set.add(value);
    else this.sets.set(key, new Set([value]));
  }

  delete(key: K, value: V): void {
    const set = this.sets.get(key);
    if (!set) return;
    set.delete(value);
    if (set.size === 0) this.sets.delete(key);
  }

  /** Removes the key and returns what it held. */
  deleteKey(key: K): ReadonlySet<V> {
    const set = this.sets.get(key);
    this.sets.delete(key);
    return set ?? EMPTY;
  }

  get(key: K): ReadonlySet<V> {
    return this.sets.get(key) ?? EMPTY;
  }

  keys(): IterableIterator<K> {
    return this.sets.keys();
  }

  entries(): IterableIterator<[K, Set<V>]> {
    return this.sets.entries();
  }
}

const EMPTY: ReadonlySet<never> = new Set<never>();
