/**
 * What changed: the registry's records (and with them the log's entries), or only the log's own state: a checkpoint
 * signed, a cosignature or a witness's standing. Most answers depend on the records alone, so a checkpoint signed after
 * every write need not empty them a second time.
 */
export type ChangeScope = 'records' | 'log';

/** What a cache needs to know of the registry's changes (RegistryChanges provides it). */
export interface ChangeSource {
  /** Whether caches may serve and store now: false while changes made elsewhere could go unnoticed. */
  readonly caching: boolean;
  /** Calls `listener` at every change it follows, with its scope (and whenever caching turns on or off); answers how to stop. */
  subscribe(listener: (scope?: ChangeScope) => void): () => void;
}

/** A read about to go to the database: whether, and as of when, what it finds may be cached. */
export interface CacheTicket {
  readonly generation: number;
  /** When the read started: an entry's age counts from the snapshot it was read in, not from when it came back. */
  readonly at: number;
  readonly storable: boolean;
}

type Entry<V> = { value: V; at: number; weight: number };

/**
 * A per-process cache of registry rows, for reads on the hot path. Three rules keep it from serving what is no longer
 * true: every change the source reports empties it; a value read before a change is never stored after it (the
 * generation a read started in must still be current); and whatever the notifications do, no entry is served older
 * than `maxAgeMs` (0 turns the cache off). Only what was found is cached: a miss always reads through, so a row
 * created a moment ago is found at once. Values are shared between callers: they must not be mutated. It holds at most
 * `capacity` of what `weigh` counts (one an entry unless told, or bytes for answers of very different sizes).
 */
export class RegistryCache<K, V> {
  private entries = new Map<K, Entry<V>>();
  /**
   * What the cache held before the last change, when that change was of the log's own state alone (a checkpoint, a
   * cosignature): still true of the records, only older. Kept until the next change of the records, beside the capacity.
   */
  private superseded: { generation: number; entries: Map<K, Entry<V>> } | null = null;
  /** Reads under way by `getMany`, by key, with the ticket each began with. */
  private readonly fetching = new Map<K, { ticket: CacheTicket; value: Promise<Map<K, V>> }>();
  private generation = 0;
  private used = 0;

  constructor(
    private readonly source: ChangeSource,
    private readonly maxAgeMs: number,
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
    private readonly now: () => number = () => performance.now(),
  ) {
    source.subscribe((scope) => {
      this.generation += 1;
      this.superseded = scope === 'log' ? { generation: this.generation, entries: this.supersede() } : null;
      this.entries = new Map();
      this.used = 0;
    });
  }

  /**
   * What a change of the log's own state keeps for `previous`: what is held now, and what earlier such changes kept that
   * nothing has read again since (checkpoints can follow one another faster than a page is read); at most the capacity.
   */
  private supersede(): Map<K, Entry<V>> {
    const kept = new Map(this.entries);
    let weight = this.used;
    for (const [key, entry] of this.superseded?.entries ?? []) {
      if (kept.has(key) || weight + entry.weight > this.capacity) continue;
      kept.set(key, entry);
      weight += entry.weight;
    }
    return kept;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether a read that took `ticket` may still be told apart from one made after a change: no change since. */
  current(ticket: CacheTicket): boolean {
    return ticket.storable && ticket.generation === this.generation;
  }

  /** Whether a read under way that took `ticket` may answer a caller now, as an entry it stored would: no change since, and begun within the max age. */
  joinable(ticket: CacheTicket): boolean {
    return this.current(ticket) && this.now() - ticket.at <= this.maxAgeMs;
  }

  /** Take one before reading the database, and give it back to `store` with what the read found. */
  ticket(): CacheTicket {
    return { generation: this.generation, at: this.now(), storable: this.maxAgeMs > 0 && this.source.caching };
  }

  /** The fresh values cached for `keys`, and the keys to read. */
  peek(keys: Iterable<K>): { found: Map<K, V>; missing: K[] } {
    const found = new Map<K, V>();
    const missing: K[] = [];
    const serving = this.maxAgeMs > 0 && this.source.caching;
    const now = this.now();
    for (const key of new Set(keys)) {
      const entry = serving ? this.entries.get(key) : undefined;
      if (entry !== undefined && now - entry.at <= this.maxAgeMs) {
        found.set(key, entry.value);
        // Least recently used goes first: a hit moves to the end of the Map's order.
        this.entries.delete(key);
        this.entries.set(key, entry);
      } else missing.push(key);
    }
    return { found, missing };
  }

  /**
   * The value of `key` once past the max age by at most `graceMs`, for a caller that serves it while one read renews
   * it. It is still of the current generation (a change empties the cache), so it only lags what changes without a
   * notification.
   */
  stale(key: K, graceMs: number): V | undefined {
    if (this.maxAgeMs === 0 || !this.source.caching) return undefined;
    const entry = this.entries.get(key);
    const age = entry === undefined ? 0 : this.now() - entry.at;
    return entry !== undefined && age > this.maxAgeMs && age <= this.maxAgeMs + graceMs ? entry.value : undefined;
  }

  /**
   * The value `key` had before the last change, if that change was of the log's own state alone, none has come since,
   * nothing has been read for `key` since, and it is at most `graceMs` past its max age: for a caller that serves it
   * while one read renews it (the log's newer state shows a moment later, as on an instance that has not signed it yet).
   */
  previous(key: K, graceMs: number): V | undefined {
    if (this.maxAgeMs === 0 || !this.source.caching || this.superseded?.generation !== this.generation) return undefined;
    const entry = this.superseded.entries.get(key);
    return entry !== undefined && this.now() - entry.at <= this.maxAgeMs + graceMs ? entry.value : undefined;
  }

  /** Caches what a read found, unless the registry changed (or caching turned off or on) since its ticket. */
  store(ticket: CacheTicket, found: Iterable<[K, V]>): void {
    if (!this.current(ticket)) return;
    for (const [key, value] of found) {
      this.remove(key);
      const weight = this.weigh(value);
      if (weight > this.capacity) continue;
      // Bounded: the least recently used entries (first in the Map's order) make room.
      while (this.used + weight > this.capacity) this.remove(this.entries.keys().next().value as K);
      this.entries.set(key, { value, at: ticket.at, weight });
      // What is read now replaces what came before it: never served again, even once this one is past its age.
      this.superseded?.entries.delete(key);
      this.used += weight;
    }
  }

  private remove(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.used -= entry.weight;
  }

  /**
   * The values of `keys`: the fresh cached ones, the others read (once, together) by `read` and cached. A key that a
   * read under way will bring joins it when that read began since the last change and within the max age, so it is as
   * fresh as the entry it stores; without this, every request that came while an expired entry was read again read it
   * too. A key that the joined read did not find, or whose read a change or the max age overtook before it answered
   * (a revocation heard meanwhile), is read anew, so a row created or revoked a moment ago is seen at once. `read` must
   * answer a key the same whoever asks: a joiner takes another caller's answer.
   */
  async getMany(keys: Iterable<K>, read: (missing: K[]) => Promise<Iterable<[K, V]>>): Promise<Map<K, V>> {
    const { found, missing } = this.peek(keys);
    if (missing.length === 0) return found;
    const ticket = this.ticket();
    const joined = new Map<Promise<Map<K, V>>, CacheTicket>();
    const unread: K[] = [];
    for (const key of missing) {
      const under = this.fetching.get(key);
      if (under !== undefined && this.joinable(under.ticket)) joined.set(under.value, under.ticket);
      else unread.push(key);
    }
    if (unread.length > 0) joined.set(this.fetch(unread, ticket, read), ticket);
    const answers = await Promise.all([...joined].map(async ([value, began]) => ({ values: await value, began })));
    for (const { values, began } of answers) {
      if (began !== ticket && !this.joinable(began)) continue;
      for (const key of missing) {
        const value = values.get(key);
        if (value !== undefined) found.set(key, value);
      }
    }
    const notFound = missing.filter((key) => !found.has(key) && !unread.includes(key));
    if (notFound.length > 0) for (const [key, value] of await this.fetch(notFound, this.ticket(), read)) found.set(key, value);
    return found;
  }

  /** One read of `keys`, stored under `ticket`, that callers missing the same keys meanwhile may join. */
  private fetch(keys: K[], ticket: CacheTicket, read: (missing: K[]) => Promise<Iterable<[K, V]>>): Promise<Map<K, V>> {
    const value = read(keys).then((fetched) => {
      const values = new Map(fetched);
      this.store(ticket, values);
      return values;
    });
    for (const key of keys) this.fetching.set(key, { ticket, value });
    const done = () => {
      for (const key of keys) if (this.fetching.get(key)?.value === value) this.fetching.delete(key);
    };
    value.then(done, done);
    return value;
  }

  /**
   * The value of `key`, cached or read by `read` (null: not found, not cached). A caller that comes while another reads
   * `key` joins that read, as in `getMany`: what several renderings share (the counts of both languages' home pages) is
   * read once a change.
   */
  async get(key: K, read: () => Promise<V | null>): Promise<V | null> {
    const values = await this.getMany([key], async () => {
      const value = await read();
      return value === null ? [] : [[key, value] as [K, V]];
    });
    return values.get(key) ?? null;
  }
}
