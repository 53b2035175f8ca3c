import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  MerkleTree,
  TileClient,
  TileVerificationError,
  TreeHasher,
  equalBytes,
  entryBundlePath,
  serveTiles,
  tilePath,
  tilesOfSize,
  type TileFailure,
  type TileFetcher,
  type TreeHead,
} from './index.js';
import { Reference, hex, sampleEntries, sha256, utf8 } from './test-support/reference.js';

const hasher = new TreeHasher(sha256);

/** The entries a walk hands over, in order, with the index of each batch checked to be contiguous. */
function collector() {
  const entries: Uint8Array[] = [];
  return {
    entries,
    from: undefined as number | undefined,
    onEntries(first: number, batch: readonly Uint8Array[]) {
      this.from ??= first;
      expect(first).toBe(this.from + entries.length);
      entries.push(...batch);
    },
  };
}

/** A fetcher that records every path asked for. */
function counting(fetch: TileFetcher) {
  const paths: string[] = [];
  const fetcher: TileFetcher = (path) => {
    paths.push(path);
    return fetch(path);
  };
  return { paths, fetcher };
}

async function failure(promise: Promise<unknown>): Promise<TileVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TileVerificationError);
  return error as TileVerificationError;
}

describe('the tessera test log (transparency-dev/tessera testdata, 15 entries)', () => {
  const folder = join(process.cwd(), 'test/vectors/tessera-testlog');
  const words = 'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ').map(utf8);
  const fromFolder: TileFetcher = async (path) => {
    const file = join(folder, path);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
  };

  /** The checkpoint's body lines (origin, size, base64 root); its signature is libs/note's business, not this one's. */
  function checkpoint(name: string): TreeHead {
    const [origin, size, root] = readFileSync(join(folder, name), 'utf8').split('\n');
    expect(origin).toBe('example.com/log/testdata');
    expect(size).toMatch(/^(0|[1-9][0-9]*)$/);
    return { size: Number(size), root: new Uint8Array(Buffer.from(root!, 'base64')) };
  }
  const heads = Array.from({ length: 16 }, (_, n) => checkpoint(`checkpoint.${n}`));

  it('has a checkpoint for every size 0..15, and "checkpoint" is size 15', () => {
    expect(heads.map((head) => head.size)).toEqual(Array.from({ length: 16 }, (_, n) => n));
    expect(hex(checkpoint('checkpoint').root)).toBe(hex(heads[15]!.root));
  });

  it.each(Array.from({ length: 16 }, (_, n) => n))('rebuilds checkpoint.%d from its own tiles and reads its entries', async (n) => {
    const collected = collector();
    await new TileClient(hasher, fromFolder).verifyTree(heads[n]!, { onEntries: (first, batch) => collected.onEntries(first, batch) });
    expect(collected.entries.map(hex)).toEqual(words.slice(0, n).map(hex));
  });

  it('proves every pair of its checkpoints consistent through the tiles, and reads only the new entries', async () => {
    const client = new TileClient(hasher, fromFolder);
    for (let n = 0; n <= 15; n++) {
      for (let m = 0; m <= n; m++) {
        await client.verifyConsistency(heads[m]!, heads[n]!);
        const collected = collector();
        await client.verifyTree(heads[n]!, { since: heads[m]!, onEntries: (first, batch) => collected.onEntries(first, batch) });
        expect(collected.entries.map(hex)).toEqual(words.slice(m, n).map(hex));
        if (m < n) expect(collected.from).toBe(m);
      }
    }
  });

  it('verifies with the browser hasher (WebCrypto) too', async () => {
    await new TileClient(new TreeHasher(), fromFolder).verifyTree(heads[15]!);
  });

  it("is what Plaza's store serves, byte for byte, at every size", async () => {
    const tree = new MerkleTree(hasher);
    await tree.appendEntries(words);
    for (let n = 1; n <= 15; n++) {
      const serve = serveTiles(tree.store, (start, end) => words.slice(start, end), n);
      for (const path of [tilePath({ level: 0, index: 0, width: n }), entryBundlePath({ index: 0, width: n })]) {
        expect(hex((await serve(path))!)).toBe(hex((await fromFolder(path))!));
      }
      expect(hex(await tree.root(n))).toBe(hex(heads[n]!.root));
    }
  });

  it('names an edited entry', async () => {
    const edited: TileFetcher = async (path) => {
      const bytes = await fromFolder(path);
      return path === 'tile/entries/000.p/15' ? bytes!.map((b, i) => (i === bytes!.length - 1 ? 0x4e : b)) : bytes;
    };
    const error = await failure(new TileClient(hasher, edited).verifyTree(heads[15]!));
    expect(error.failure).toBe('entries');
    expect(error.message).toBe('tile/entries/000.p/15, tile/0/000.p/15: entry 14 does not hash to its leaf hash in tile/0/000.p/15');
  });
});

describe("Plaza's own tiles, read back through the client", () => {
  const N = 65_536 + 300;
  const entries = sampleEntries(N);
  const reference = new Reference(entries);
  const tree = new MerkleTree(hasher);
  const readEntries = (start: number, end: number) => entries.slice(start, end);
  /** The checkpoint of size `size`, its root from the independent reference. */
  const head = (size: number): TreeHead => ({ size, root: reference.root(size) });

  beforeAll(async () => {
    await tree.appendEntries(entries);
  });

  it.each([0, 1, 2, 255, 256, 257, 4096, 65_535, 65_536, 65_537, N])(
    'rebuilds a log of %d entries, reads every entry, and fetches every tile and bundle exactly once',
    async (size) => {
      const { paths, fetcher } = counting(serveTiles(tree.store, readEntries, size));
      const collected = collector();
      await new TileClient(hasher, fetcher).verifyTree(head(size), { onEntries: (first, batch) => collected.onEntries(first, batch) });
      expect(collected.entries.length).toBe(size);
      expect(collected.entries.every((entry, i) => equalBytes(entry, entries[i]!))).toBe(true);
      const expected = [...tilesOfSize(size)].flatMap((tile) =>
        tile.level === 0 ? [tilePath(tile), entryBundlePath(tile)] : [tilePath(tile)],
      );
      expect([...paths].sort()).toEqual(expected.sort());
    },
  );

  it('checks a root with one tile per level, and consistency with at most two', async () => {
    const client = (fetch: TileFetcher) => new TileClient(hasher, fetch);
    for (const [m, n] of [[1, N], [300, N], [65_536, N], [65_535, 65_537], [256, 512], [1000, 1000]] as const) {
      const { paths, fetcher } = counting(serveTiles(tree.store, readEntries, n));
      await client(fetcher).verifyRoot(head(n));
      expect(paths.sort()).toEqual(tilesOf(n).filter((path) => path.includes('.p/')).sort());
      paths.length = 0;
      await client(fetcher).verifyConsistency(head(m), head(n));
      expect(new Set(paths).size).toBe(paths.length);
      expect(paths.length).toBeLessThanOrEqual(2 * 3);
    }
  });

  it('reads one entry, proven included, with one tile per level and its bundle', async () => {
    for (const [index, size] of [[0, 1], [0, N], [255, 256], [256, 257], [70, 65_536], [65_535, N], [65_600, N], [N - 1, N]] as const) {
      const { paths, fetcher } = counting(serveTiles(tree.store, readEntries, size));
      expect(equalBytes(await new TileClient(hasher, fetcher).entry(head(size), index), entries[index]!)).toBe(true);
      expect(new Set(paths).size).toBe(paths.length);
      expect(paths.filter((path) => path.includes('entries'))).toHaveLength(1);
      expect(paths.length).toBeLessThanOrEqual(2 * 3 + 1);
    }
    await expect(new TileClient(hasher, serveTiles(tree.store, readEntries, 10)).entry(head(10), 10)).rejects.toThrow(RangeError);
  });

  it('refuses an entry whose tile does not hash to its parent, or whose bundle does not hash to its tile', async () => {
    const size = 65_536 + 1;
    const serve = serveTiles(tree.store, readEntries, size);
    const flipped = (path: string): TileFetcher => async (asked) => {
      const bytes = await serve(asked);
      // The last byte: a hash's in a tile, an entry's in a bundle (not a length).
      return asked === path && bytes ? bytes.map((byte, i) => (i === bytes.length - 1 ? byte ^ 1 : byte)) : bytes;
    };
    const level0 = tilePath({ level: 0, index: 3, width: 256 });
    expect((await failure(new TileClient(hasher, flipped(level0)).entry(head(size), 3 * 256 + 5))).failure).toBe('hash');
    const bundle = entryBundlePath({ index: 3, width: 256 });
    expect((await failure(new TileClient(hasher, flipped(bundle)).entry(head(size), 3 * 256 + 5))).failure).toBe('entries');
  });

  it('catches up from an older checkpoint reading only the tiles and bundles that cover the new entries', async () => {
    for (const [m, n] of [[0, 300], [255, 257], [256, 60_000], [4097, N], [65_536, N], [N - 1, N], [N, N]] as const) {
      const { paths, fetcher } = counting(serveTiles(tree.store, readEntries, n));
      const collected = collector();
      await new TileClient(hasher, fetcher).verifyTree(head(n), { since: head(m), onEntries: (first, batch) => collected.onEntries(first, batch) });
      expect(collected.entries.length).toBe(n - m);
      expect(collected.entries.every((entry, i) => equalBytes(entry, entries[m + i]!))).toBe(true);
      // A tile is needed when it covers a leaf from m on: at level L, tile i covers the leaves below (i + 1) * 256^(L+1).
      const needed = m === n
        ? tilesOf(n).filter((path) => path.includes('.p/')) // only the partials, to check the roots agree
        : [...tilesOfSize(n)]
            .filter((tile) => (tile.index + 1) * 256 ** (tile.level + 1) > m)
            .flatMap((tile) => (tile.level === 0 ? [tilePath(tile), entryBundlePath(tile)] : [tilePath(tile)]));
      expect([...paths].sort()).toEqual(needed.sort());
    }
  });

  it('agrees with the reference for any older and newer size, at any fetch concurrency', async () => {
    const small = 3000;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: small }),
        fc.integer({ min: 0, max: small }),
        fc.integer({ min: 1, max: 40 }),
        async (a, b, concurrency) => {
          const [m, n] = a <= b ? [a, b] : [b, a];
          const client = new TileClient(hasher, serveTiles(tree.store, readEntries, n), { concurrency });
          const collected = collector();
          await client.verifyTree(head(n), { since: head(m), onEntries: (first, batch) => collected.onEntries(first, batch) });
          expect(collected.entries.length).toBe(n - m);
          expect(collected.entries.every((entry, i) => equalBytes(entry, entries[m + i]!))).toBe(true);
          if (m > 0 && m < n) {
            const forked = { size: m, root: reference.root(m - 1) };
            expect((await failure(client.verifyConsistency(forked, head(n)))).failure).toBe('inconsistent');
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fetches the next batch of tiles and bundles while it checks one, and no more', async () => {
    const serve = serveTiles(tree.store, readEntries, 5000);
    let inFlight = 0;
    let most = 0;
    const slow: TileFetcher = async (path) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return serve(path);
    };
    await new TileClient(hasher, slow, { concurrency: 4 }).verifyTree(head(5000));
    expect(most).toBeGreaterThan(4);
    expect(most).toBeLessThanOrEqual(4 * 2); // a tile and its bundle for each of the 4 children of the next batch
  });

  describe('names the tile that fails', () => {
    /** The tiles of size N, with `path` replaced by what `change` makes of it. */
    function tampered(path: string, change: (bytes: Uint8Array | undefined) => Uint8Array | undefined): TileFetcher {
      const serve = serveTiles(tree.store, readEntries, N);
      return async (asked) => (asked === path ? change(await serve(asked)) : serve(asked));
    }
    const flip = (at: number) => (bytes: Uint8Array | undefined) => bytes!.map((b, i) => (i === at ? b ^ 1 : b));
    async function verifyFails(fetch: TileFetcher, expected: TileFailure, paths: string[], since?: TreeHead) {
      const error = await failure(new TileClient(hasher, fetch).verifyTree(head(N), since ? { since } : {}));
      expect(error.failure).toBe(expected);
      expect(error.paths).toEqual(paths);
      return error;
    }
    const partials = ['tile/2/000.p/1', 'tile/1/001.p/1', 'tile/0/257.p/44'];

    it('a full level-0 tile that does not hash to its parent', async () => {
      await verifyFails(tampered('tile/0/100', flip(40)), 'hash', ['tile/0/100', 'tile/1/000']);
    });

    it('a full level-1 tile that does not hash to its parent', async () => {
      await verifyFails(tampered('tile/1/000', flip(8000)), 'hash', ['tile/1/000', 'tile/2/000.p/1']);
    });

    it('a partial tile that does not give the checkpoint root', async () => {
      await verifyFails(tampered('tile/0/257.p/44', flip(0)), 'root', partials);
      await verifyFails(tampered('tile/2/000.p/1', flip(31)), 'root', partials);
    });

    it('tiles of another tree than the checkpoint', async () => {
      const other = { size: N, root: reference.root(N - 1) };
      const error = await failure(new TileClient(hasher, serveTiles(tree.store, readEntries, N)).verifyRoot(other));
      expect(error.failure).toBe('root');
      expect(error.message).toContain(`the tiles give the root ${hex(reference.root(N))}, the checkpoint says ${hex(other.root)}`);
    });

    it('a tile of the wrong length', async () => {
      await verifyFails(tampered('tile/0/005', (bytes) => bytes!.subarray(0, 8160)), 'length', ['tile/0/005']);
      await verifyFails(tampered('tile/1/001.p/1', () => new Uint8Array(64)), 'length', ['tile/1/001.p/1']);
    });

    it('a missing tile or bundle, or one that cannot be fetched', async () => {
      await verifyFails(tampered('tile/0/200', () => undefined), 'missing', ['tile/0/200']);
      await verifyFails(tampered('tile/entries/007', () => undefined), 'missing', ['tile/entries/007']);
      const down: TileFetcher = () => Promise.reject(new Error('connection reset'));
      const error = await verifyFails(down, 'missing', ['tile/0/257.p/44']);
      expect(error.message).toContain('could not be fetched: connection reset');
      expect((error.cause as Error).message).toBe('connection reset');
    });

    it('an edited entry, and a bundle with an entry too many', async () => {
      // Flip the fifth byte of entry 7 * 256 + 3 = 1795, after the three entries before it in the bundle and its length.
      const offset = entries.slice(7 * 256, 7 * 256 + 3).reduce((sum, entry) => sum + 2 + entry.length, 0) + 2 + 4;
      const error = await verifyFails(tampered('tile/entries/007', flip(offset)), 'entries', ['tile/entries/007', 'tile/0/007']);
      expect(error.message).toContain('entry 1795 does not hash to its leaf hash in tile/0/007');
      const longer = (bytes: Uint8Array | undefined) => new Uint8Array([...bytes!, 0, 1, 0x41]);
      await verifyFails(tampered('tile/entries/007', longer), 'length', ['tile/entries/007']);
      await verifyFails(tampered('tile/entries/007', (bytes) => bytes!.subarray(0, bytes!.length - 1)), 'length', ['tile/entries/007']);
    });

    it('a fork: the new tree does not contain the old checkpoint', async () => {
      // Another log that agrees on the first 1000 entries and then differs at entry 1000.
      const forkEntries = [...entries.slice(0, 1000), utf8('rewritten'), ...entries.slice(1001, 5000)];
      const fork = new MerkleTree(hasher);
      await fork.appendEntries(forkEntries);
      const forkServe = serveTiles(fork.store, (start, end) => forkEntries.slice(start, end), 5000);
      const forkHead = { size: 5000, root: await fork.root() };
      const client = new TileClient(hasher, forkServe);
      await client.verifyConsistency(head(1000), forkHead); // the shared past is consistent
      const error = await failure(client.verifyTree(forkHead, { since: head(1001) }));
      expect(error.failure).toBe('inconsistent');
      expect(error.paths).toEqual(['tile/1/000.p/19', 'tile/0/003']);
      expect(error.message).toContain(`at size 1001, the older checkpoint says ${hex(reference.root(1001))}`);
    });

    it('refuses an older checkpoint larger than the new one', async () => {
      await expect(new TileClient(hasher, serveTiles(tree.store, readEntries, 10)).verifyConsistency(head(11), head(10))).rejects.toThrow(RangeError);
    });
  });

  function tilesOf(size: number): string[] {
    return [...tilesOfSize(size)].map(tilePath);
  }
});
