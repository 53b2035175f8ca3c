import { type ChangeScope, type ChangeSource, RegistryCache } from './registry-cache.js';

/** A change source driven by hand: what RegistryChanges is to a cache. */
class Changes implements ChangeSource {
  caching = true;
  private readonly listeners = new Set<(scope?: ChangeScope) => void>();
  subscribe(listener: (scope?: ChangeScope) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(scope?: ChangeScope) {
    for (const listener of this.listeners) listener(scope);
  }
  turn(on: boolean) {
    this.caching = on;
    this.change();
  }
}

/** A cache on a clock the test moves, and the database reads it made. */
function setUp(maxAgeMs = 500, capacity = 100, weigh?: (value: string) => number) {
  const changes = new Changes();
  let now = 0;
  const cache = new RegistryCache<string, string>(changes, maxAgeMs, capacity, weigh, () => now);
  const reads: string[][] = [];
  const table = new Map([
    ['a', 'A1'],
    ['b', 'B1'],
    ['c', 'C1'],
  ]);
  const read = async (missing: string[]) => {
    reads.push(missing);
    return missing.filter((key) => table.has(key)).map((key): [string, string] => [key, table.get(key)!]);
  };
  return { changes, cache, reads, table, read, at: (ms: number) => (now = ms) };
}

describe('the registry cache', () => {
  it('serves what it read until the max age has passed, then reads again', async () => {
    const { cache, reads, table, read, at } = setUp(500);
    expect(await cache.getMany(['a', 'b'], read)).toEqual(new Map([['a', 'A1'], ['b', 'B1']]));
    table.set('a', 'A2');
    at(500);
    expect((await cache.getMany(['a'], read)).get('a')).toBe('A1');
    at(501);
    expect((await cache.getMany(['a'], read)).get('a')).toBe('A2');
    expect(reads).toEqual([['a', 'b'], ['a']]);
  });

  it('reads a key once for callers that come while it is read, but never joins a read from before a change', async () => {
    const { cache, changes, table } = setUp(500);
    let reads = 0;
    let release!: () => void;
    // What the database held when the read began, answered when the test releases it.
    const read = async () => {
      reads += 1;
      const value = table.get('a')!;
      await new Promise<void>((resolve) => (release = resolve));
      return value;
    };
    const first = cache.get('a', read);
    const second = cache.get('a', read);
    release();
    expect(await Promise.all([first, second])).toEqual(['A1', 'A1']);
    expect(reads).toBe(1);
    expect(await cache.get('a', read)).toBe('A1'); // cached now
    expect(reads).toBe(1);

    changes.change();
    const before = cache.get('a', read);
    const releaseBefore = release;
    changes.change();
    table.set('a', 'A2');
    const after = cache.get('a', read);
    releaseBefore();
    release();
    expect(await before).toBe('A1');
    expect(await after).toBe('A2');
    expect(reads).toBe(3);
  });

  it("keeps what it held before a change of the log's own state for previous(), until the records change", async () => {
    const { cache, changes, read, table } = setUp(500);
    await cache.getMany(['a', 'b'], read);
    changes.change('log');
    expect(cache.peek(['a']).missing).toEqual(['a']); // never served as current
    expect(cache.previous('a', 300)).toBe('A1');
    // A second log change before anything was read again keeps them; what was read since is the newer.
    table.set('a', 'A2');
    await cache.getMany(['a'], read);
    changes.change('log');
    expect([cache.previous('a', 300), cache.previous('b', 300)]).toEqual(['A2', 'B1']);
    changes.change('records');
    expect([cache.previous('a', 300), cache.previous('b', 300)]).toEqual([undefined, undefined]);
  });

  it('gives nothing for previous() once the key was read again since, nor past the max age and the grace', async () => {
    const { cache, changes, read, table, at } = setUp(500);
    await cache.getMany(['a', 'b'], read);
    changes.change('log');
    table.set('a', 'A2');
    await cache.getMany(['a'], read); // read anew: the older answer is done with, even once the new one ages
    at(800);
    expect(cache.previous('a', 300)).toBeUndefined();
    expect(cache.previous('b', 300)).toBe('B1');
    at(801);
    expect(cache.previous('b', 300)).toBeUndefined();
  });

  it('keeps nothing for previous() across a change of the records, or while caching is off', async () => {
    const { cache, changes, read } = setUp(500);
    await cache.getMany(['a'], read);
    changes.change();
    expect(cache.previous('a', 300)).toBeUndefined();
    await cache.getMany(['a'], read);
    changes.change('log');
    changes.turn(false);
    expect(cache.previous('a', 300)).toBeUndefined();
  });

  it('keeps at most its capacity for previous()', async () => {
    const { cache, changes, read } = setUp(500, 2);
    await cache.getMany(['a', 'b'], read);
    changes.change('log');
    await cache.getMany(['c'], read);
    changes.change('log');
    expect(['a', 'b', 'c'].map((key) => cache.previous(key, 300)).filter((v) => v !== undefined)).toHaveLength(2);
    expect(cache.previous('c', 300)).toBe('C1');
  });

  it('joins no read while changes could go unheard (caching off)', async () => {
    const { cache, changes, table } = setUp(500);
    changes.turn(false);
    let reads = 0;
    const read = async () => {
      reads += 1;
      return table.get('a')!;
    };
    await Promise.all([cache.get('a', read), cache.get('a', read)]);
    expect(reads).toBe(2);
  });

  it('gives a value past its max age only within the grace, and never one from before a change', async () => {
    const { cache, changes, read, at } = setUp(500);
    await cache.getMany(['a'], read);
    expect(cache.stale('a', 300)).toBeUndefined(); // still fresh: peek serves it
    at(501);
    expect(cache.stale('a', 300)).toBe('A1');
    at(800);
    expect(cache.stale('a', 300)).toBe('A1');
    at(801);
    expect(cache.stale('a', 300)).toBeUndefined();
    at(0);
    await cache.getMany(['b'], read);
    at(600);
    changes.change();
    expect(cache.stale('b', 300)).toBeUndefined();
  });

  it('counts an entry’s age from when its read started, not from when the answer came back', async () => {
    const { cache, reads, read, at } = setUp(500);
    await cache.getMany(['a'], async (missing) => {
      at(400); // a slow read
      return read(missing);
    });
    at(501);
    await cache.getMany(['a'], read);
    expect(reads).toEqual([['a'], ['a']]);
  });

  it('reads only the keys it lacks, and never caches a key it did not find', async () => {
    const { cache, reads, table, read } = setUp();
    await cache.getMany(['a', 'x'], read);
    expect(await cache.getMany(['a', 'b', 'x'], read)).toEqual(new Map([['a', 'A1'], ['b', 'B1']]));
    table.set('x', 'X1');
    expect((await cache.getMany(['x'], read)).get('x')).toBe('X1');
    expect(reads).toEqual([['a', 'x'], ['b', 'x'], ['x']]);
  });

  it('is emptied by every change', async () => {
    const { changes, cache, reads, table, read } = setUp();
    await cache.getMany(['a', 'b'], read);
    table.set('a', 'A2');
    changes.change();
    expect(cache.size).toBe(0);
    expect((await cache.getMany(['a'], read)).get('a')).toBe('A2');
    expect(reads).toEqual([['a', 'b'], ['a']]);
  });

  it('does not store what a read found when a change came while it was reading', async () => {
    const { changes, cache, reads, table, read } = setUp();
    const answer = await cache.getMany(['a'], async (missing) => {
      const found = await read(missing);
      table.set('a', 'A2');
      changes.change(); // the change commits after the read's snapshot, before it comes back
      return found;
    });
    expect(answer.get('a')).toBe('A1');
    expect(cache.size).toBe(0);
    expect((await cache.getMany(['a'], read)).get('a')).toBe('A2');
    expect(reads).toHaveLength(2);
  });

  it('serves and stores nothing while caching is off, and stores nothing read before it came back on', async () => {
    const { changes, cache, reads, read } = setUp();
    await cache.getMany(['a'], read);
    changes.turn(false);
    expect(cache.size).toBe(0);
    await cache.getMany(['a'], read);
    await cache.getMany(['a'], read);
    expect(cache.size).toBe(0);
    await cache.getMany(['a'], async (missing) => {
      const found = await read(missing);
      changes.turn(true); // listening again while this read, begun unwatched, was out
      return found;
    });
    expect(cache.size).toBe(0);
    await cache.getMany(['a'], read);
    await cache.getMany(['a'], read);
    expect(reads).toHaveLength(5);
  });

  it('caches nothing with a max age of 0', async () => {
    const { cache, reads, read } = setUp(0);
    await cache.getMany(['a'], read);
    await cache.getMany(['a'], read);
    expect(cache.size).toBe(0);
    expect(reads).toHaveLength(2);
  });

  it('holds at most its bound, dropping the least recently used entry first', async () => {
    const { cache, reads, read } = setUp(500, 2);
    await cache.getMany(['a', 'b'], read);
    await cache.getMany(['c'], read);
    expect(cache.size).toBe(2);
    await cache.getMany(['b', 'c'], read);
    await cache.getMany(['a'], read);
    expect(reads).toEqual([['a', 'b'], ['c'], ['a']]);
  });

  it('keeps an entry that is read often, dropping the one read least recently instead', async () => {
    const { cache, reads, read } = setUp(500, 2);
    await cache.getMany(['a'], read);
    await cache.getMany(['b'], read);
    await cache.getMany(['a'], read);
    await cache.getMany(['c'], read);
    await cache.getMany(['a'], read);
    expect(reads).toEqual([['a'], ['b'], ['c']]);
  });

  it('holds at most its capacity in what it weighs, dropping the oldest first, and never holds a value heavier than all of it', async () => {
    const { cache, table, reads, read } = setUp(500, 5, (value) => value.length);
    table.set('d', 'D-longer');
    await cache.getMany(['a', 'b'], read);
    expect(cache.size).toBe(2);
    await cache.getMany(['c'], read);
    expect(cache.size).toBe(2);
    await cache.getMany(['b', 'c'], read);
    await cache.getMany(['d'], read);
    await cache.getMany(['d'], read);
    expect(cache.size).toBe(2);
    expect(reads).toEqual([['a', 'b'], ['c'], ['d'], ['d']]);
  });

  it('answers one value, or null without caching it', async () => {
    const { cache, table } = setUp();
    let reads = 0;
    const one = (key: string) => cache.get(key, async () => (reads++, table.get(key) ?? null));
    expect(await one('a')).toBe('A1');
    expect(await one('a')).toBe('A1');
    expect(await one('x')).toBeNull();
    expect(await one('x')).toBeNull();
    expect(reads).toBe(3);
  });

  describe('callers that miss a key while it is read', () => {
    /** Reads that answer what the table held when they began, once the test releases them, oldest first. */
    function heldReads(table: Map<string, string>) {
      const started: string[][] = [];
      const releases: (() => void)[] = [];
      const read = async (missing: string[]) => {
        started.push(missing);
        const rows = missing.filter((key) => table.has(key)).map((key): [string, string] => [key, table.get(key)!]);
        await new Promise<void>((resolve) => releases.push(resolve));
        return rows;
      };
      const releaseAll = async () => {
        for (let i = 0; i < 10; i++) {
          while (releases.length > 0) releases.shift()!();
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      return { read, started, releaseAll };
    }

    it('join the read under way once the entry expired: one read for them all', async () => {
      const { cache, table, at } = setUp(500);
      const { read, started, releaseAll } = heldReads(table);
      const first = cache.getMany(['a'], read);
      const second = cache.getMany(['a', 'b'], read);
      await releaseAll();
      expect([(await first).get('a'), (await second).get('a'), (await second).get('b')]).toEqual(['A1', 'A1', 'B1']);
      expect(started).toEqual([['a'], ['b']]);
      at(501);
      table.set('a', 'A2');
      const again = [cache.getMany(['a'], read), cache.getMany(['a'], read)];
      const one = cache.get('a', async () => (await read(['a']))[0]?.[1] ?? null);
      await releaseAll();
      expect([(await again[0]!).get('a'), (await again[1]!).get('a'), await one]).toEqual(['A2', 'A2', 'A2']);
      expect(started).toHaveLength(3);
    });

    it('never join a read begun before a change, nor one begun longer ago than the max age', async () => {
      const { cache, changes, table, at } = setUp(500);
      const { read, started, releaseAll } = heldReads(table);
      const before = cache.getMany(['a'], read);
      changes.change();
      table.set('a', 'A2');
      const after = cache.getMany(['a'], read);
      at(600);
      table.set('a', 'A3');
      const late = cache.getMany(['a'], read);
      await releaseAll();
      expect([(await before).get('a'), (await after).get('a'), (await late).get('a')]).toEqual(['A1', 'A2', 'A3']);
      expect(started).toHaveLength(3);
    });

    it.each([
      ['a change came while the joined read ran: a revocation heard meanwhile is never missed', (c: ReturnType<typeof setUp>) => c.changes.change()],
      ['the joined read answered after the max age', (c: ReturnType<typeof setUp>) => c.at(501)],
    ])('read a key again when %s', async (_when, overtake) => {
      const context = setUp(500);
      const { read, started, releaseAll } = heldReads(context.table);
      const first = context.cache.getMany(['a'], read);
      const joiner = context.cache.getMany(['a'], read);
      context.table.set('a', 'A2');
      overtake(context);
      await releaseAll();
      expect([(await first).get('a'), (await joiner).get('a')]).toEqual(['A1', 'A2']);
      expect(started).toEqual([['a'], ['a']]);
    });

    it('read a key again that the joined read did not find: a row created meanwhile is found at once', async () => {
      const { cache, table } = setUp(500);
      const { read, started, releaseAll } = heldReads(table);
      const first = cache.getMany(['x'], read);
      table.set('x', 'X1');
      const second = cache.getMany(['x'], read);
      await releaseAll();
      expect([(await first).get('x'), (await second).get('x')]).toEqual([undefined, 'X1']);
      expect(started).toEqual([['x'], ['x']]);
    });
  });
});
