import fc from 'fast-check';
import {
  MerkleTree,
  TILE_WIDTH,
  TilePathError,
  TreeHasher,
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundleFor,
  entryBundlePath,
  parseTilePath,
  partialTiles,
  readEntryBundle,
  readHashTile,
  serveTiles,
  sizesWithTile,
  tileExists,
  tilePath,
  tilesOfSize,
  type HashStore,
  type NodeId,
  type TileId,
} from './index.js';
import { Reference, fromHex, hex, sampleEntries, sha256, utf8 } from './test-support/reference.js';

const hasher = new TreeHasher(sha256);
const full = TILE_WIDTH;

describe('tile paths', () => {
  it('writes the index in 3-digit groups, every group but the last prefixed with x (the spec examples)', () => {
    expect(tilePath({ level: 0, index: 1234067, width: full })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 0, index: 0, width: full })).toBe('tile/0/000');
    expect(tilePath({ level: 0, index: 455667, width: full })).toBe('tile/0/x455/667');
    expect(tilePath({ level: 0, index: 123456789, width: full })).toBe('tile/0/x123/x456/789');
    expect(tilePath({ level: 0, index: 0, width: 255 })).toBe('tile/0/000.p/255');
    expect(tilePath({ level: 15, index: 123456789, width: 41 })).toBe('tile/15/x123/x456/789.p/41');
    expect(entryBundlePath({ index: 1, width: 1 })).toBe('tile/entries/001.p/1');
    expect(tilePath({ level: 0, index: 1000, width: full })).toBe('tile/0/x001/000');
  });

  it("names the bundle of an entry as tessera's path tests do", () => {
    expect(entryBundlePath(entryBundleFor(251, 255))).toBe('tile/entries/000.p/255');
    expect(entryBundlePath(entryBundleFor(256, 257))).toBe('tile/entries/001.p/1');
    expect(entryBundlePath(entryBundleFor(123456789 * 256, 123456789 * 256 + 256))).toBe('tile/entries/x123/x456/789');
    expect(entryBundlePath(entryBundleFor(255, 10_000))).toBe('tile/entries/000');
    expect(tilePath({ level: 15, index: 455667, width: full })).toBe('tile/15/x455/667');
    expect(() => entryBundleFor(5, 5)).toThrow(RangeError);
  });

  it('parses every path it writes back to the same tile', () => {
    const tiles = fc
      .record({
        level: fc.integer({ min: 0, max: 6 }),
        index: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2 ** 32 })),
        width: fc.integer({ min: 1, max: full }),
      })
      .filter((tile) => Number.isSafeInteger(sizesWithTile(tile).min)); // the tiles a tree can have
    fc.assert(
      fc.property(tiles, (tile) => {
        expect(parseTilePath(tilePath(tile))).toEqual({ kind: 'hashes', ...tile });
        const bundle = { index: tile.index, width: tile.width };
        expect(parseTilePath(entryBundlePath(bundle))).toEqual({ kind: 'entries', ...bundle });
      }),
    );
    expect(parseTilePath('tile/6/000.p/31')).toEqual({ kind: 'hashes', level: 6, index: 0, width: 31 });
    expect(parseTilePath('tile/5/000')).toEqual({ kind: 'hashes', level: 5, index: 0, width: full });
    // The last entry a tree of 2^53 - 1 leaves can have is in this bundle.
    expect(parseTilePath('tile/entries/x035/x184/x372/x088/831.p/255')).toEqual({ kind: 'entries', index: 35184372088831, width: 255 });
  });

  it.each([
    ['', 'expected tile/'],
    ['tile/0', 'expected tile/'],
    ['/tile/0/000', 'expected tile/'],
    ['tiles/0/000', 'expected tile/'],
    ['tile/00/000', 'the level must be'],
    ['tile/01/000', 'the level must be'],
    ['tile/-1/000', 'the level must be'],
    ['tile/64/000', 'the level must be 0..63'],
    ['tile/100/000', 'the level must be'],
    ['tile/x/000', 'the level must be'],
    ['tile/0/0', '3-digit groups'],
    ['tile/0/0000', '3-digit groups'],
    ['tile/0/001/234', '3-digit groups'],
    ['tile/0/x001', '3-digit groups'],
    ['tile/0/X001/234', '3-digit groups'],
    ['tile/0/x1/234', '3-digit groups'],
    ['tile/0/x001/234/', '3-digit groups'],
    ['tile/0/+01', '3-digit groups'],
    ['tile/0/x000/001', 'must not start with a zero group'],
    ['tile/entries/x000/x000/001', 'must not start with a zero group'],
    ['tile/0/000.p/0', 'width must be 1..255'],
    ['tile/0/000.p/256', 'width must be 1..255'],
    ['tile/0/000.p/007', 'width must be 1..255'],
    ['tile/0/000.p/', 'width must be 1..255'],
    ['tile/0/000.p/1.5', 'width must be 1..255'],
    ['tile/0/000.p/5/6', '3-digit groups'],
    ['tile/entries/000.p/300', 'width must be 1..255'],
    [`tile/0/${'x999/'.repeat(6)}999`, 'the index is too large'],
    ['tile/entries/x035/x184/x372/x088/831', 'no tree of at most 2^53 - 1 leaves'],
    ['tile/6/000', 'no tree of at most 2^53 - 1 leaves'],
    ['tile/7/000', 'no tree of at most 2^53 - 1 leaves'],
    ['tile/63/000.p/1', 'no tree of at most 2^53 - 1 leaves'],
    ['tile/6/x002/000', 'no tree of at most 2^53 - 1 leaves'],
    ['tile/entries/x035/x184/x372/x089/000', 'no tree of at most 2^53 - 1 leaves'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(() => parseTilePath(path)).toThrow(TilePathError);
    expect(() => parseTilePath(path)).toThrow(reason);
  });

  it('refuses a path of thousands of index groups, quoting only its start', () => {
    expect(() => parseTilePath(`tile/0/${'x999/'.repeat(2000)}999`)).toThrow(/^"tile\/0\/x999.{60,80}\.\.\." is not a tile path: the index is too large$/);
  });

  it('refuses to write a path for an impossible tile', () => {
    expect(() => tilePath({ level: 0, index: -1, width: full })).toThrow(RangeError);
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(RangeError);
    expect(() => tilePath({ level: 0, index: 0, width: 257 })).toThrow(RangeError);
    expect(() => tilePath({ level: 64, index: 0, width: full })).toThrow(RangeError);
    expect(() => entryBundlePath({ index: 1.5, width: full })).toThrow(RangeError);
  });
});

describe('which tiles a tree has', () => {
  const paths = (size: number) => [...tilesOfSize(size)].map(tilePath);

  it('has no tile for the empty tree, and one partial tile per level otherwise', () => {
    expect(paths(0)).toEqual([]);
    expect(paths(1)).toEqual(['tile/0/000.p/1']);
    expect(paths(255)).toEqual(['tile/0/000.p/255']);
    expect(paths(257)).toEqual(['tile/0/000', 'tile/0/001.p/1', 'tile/1/000.p/1']);
  });

  it('gives a tree of 256 leaves one full level-0 tile and tile/1/000.p/1 (the spec example)', () => {
    expect(paths(256)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(partialTiles(256).map(tilePath)).toEqual(['tile/1/000.p/1']);
  });

  it('tiles a tree of 70,000 leaves as the spec says', () => {
    const tiles = [...tilesOfSize(70_000)];
    const count = (level: number, width: (w: number) => boolean) =>
      tiles.filter((tile) => tile.level === level && width(tile.width)).length;
    expect(count(0, (w) => w === full)).toBe(273);
    expect(partialTiles(70_000).map(tilePath)).toEqual(['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
    expect(count(1, (w) => w === full)).toBe(1);
    expect(tiles).toHaveLength(273 + 1 + 1 + 1 + 1);
  });

  it('agrees with tileExists and sizesWithTile, and never has an empty tile', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 20 })), (size) => {
        const tiles = [...tilesOfSize(size)];
        const wrong = tiles.filter((tile) => {
          const { min, max } = sizesWithTile(tile);
          return tile.width < 1 || !tileExists(tile, size) || size < min || size > max;
        });
        expect(wrong).toEqual([]);
        // Every hash of every level is in exactly one tile.
        for (let level = 0; level < 4; level++) {
          const widths = tiles.filter((tile) => tile.level === level).reduce((sum, tile) => sum + tile.width, 0);
          expect(widths).toBe(Math.floor(size / 256 ** level));
        }
        const next = { level: 0, index: Math.floor(size / full), width: (size % full) + 1 };
        expect(tileExists(next, size)).toBe(false);
      }),
    );
  });

  it('says for which sizes a partial tile is served', () => {
    expect(sizesWithTile({ level: 0, index: 1, width: 5 })).toEqual({ min: 261, max: 261 });
    expect(sizesWithTile({ level: 1, index: 0, width: 1 })).toEqual({ min: 256, max: 511 });
    expect(sizesWithTile({ level: 0, index: 2, width: full })).toEqual({ min: 768, max: Infinity });
    expect(tileExists({ level: 1, index: 0, width: 1 }, 300)).toBe(true);
    expect(tileExists({ level: 1, index: 0, width: 1 }, 512)).toBe(false);
  });

  it('handles trees beyond 32 bits', () => {
    const size = 2 ** 40 + 2 ** 32 + 5;
    expect(partialTiles(size).map(tilePath)).toEqual([
      'tile/0/x004/x311/x744/512.p/5',
      'tile/4/001.p/1',
      'tile/5/000.p/1',
    ]);
    expect(tileExists({ level: 4, index: 0, width: full }, size)).toBe(true);
  });
});

describe('tile contents from the stored subtree hashes', () => {
  it('reproduces the tessera vectors: tile/0/000.p/2 and tile/entries/000.p/3', async () => {
    const entries = ['one', 'two', 'three'].map(utf8);
    const tree = new MerkleTree(hasher);
    await tree.appendEntries(entries);
    expect(hex(await readHashTile(tree.store, { level: 0, index: 0, width: 2 }))).toBe(
      'd0d7360ab79f58ab1e1e3fe64ad77e2ea0bc07e36b5f46ed2223edd9298df9e9' +
        'ab1ab7f07c7c8fe0eff4ba6faa53c7e4412e91a599153e8aa4e01beece5b7825',
    );
    expect(hex(await readEntryBundle((start, end) => entries.slice(start, end), { index: 0, width: 3 }))).toBe(
      '00036f6e65' + '000374776f' + '00057468726565',
    );
  });

  describe('match an independent computation from the leaves, for every tile of every size', () => {
    const N = 65_536 + 300;
    const entries = sampleEntries(N);
    const reference = new Reference(entries);
    const tree = new MerkleTree(hasher);

    beforeAll(async () => {
      await tree.appendEntries(entries);
    });

    /** Tile hash i covers 256^level leaves: MTH of that range, straight from the RFC definition. */
    function expectedTile(tile: TileId): string {
      const span = 256 ** tile.level;
      const first = tile.index * full;
      return Array.from({ length: tile.width }, (_, i) => hex(reference.mth((first + i) * span, (first + i + 1) * span))).join('');
    }

    it.each([0, 1, 2, 255, 256, 257, 511, 512, 513, 4097, 65_535, 65_536, 65_537, 65_536 + 257, N])('size %d', async (size) => {
      const fetch = serveTiles(tree.store, (start, end) => entries.slice(start, end), size);
      const mismatches: string[] = [];
      for (const tile of tilesOfSize(size)) {
        const path = tilePath(tile);
        if (hex((await fetch(path))!) !== expectedTile(tile)) mismatches.push(path);
        const bundle = { index: tile.index, width: tile.width };
        if (tile.level === 0) {
          const bytes = (await fetch(entryBundlePath(bundle)))!;
          const first = tile.index * full;
          if (hex(bytes) !== hex(encodeEntryBundle(entries.slice(first, first + tile.width)))) mismatches.push(entryBundlePath(bundle));
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('answers nothing for a tile outside the tiling of the size served', async () => {
      const fetch = serveTiles(tree.store, (start, end) => entries.slice(start, end), 300);
      expect(await fetch('tile/0/001.p/43')).toBeUndefined(); // the partial level-0 tile of 300 holds 44 hashes
      expect(await fetch('tile/0/001')).toBeUndefined(); // not full yet at 300
      expect(await fetch('tile/entries/001.p/43')).toBeUndefined();
      expect(await fetch('tile/1/000.p/2')).toBeUndefined();
      expect(await fetch('tile/0/001.p/44')).toBeDefined();
      await expect(fetch('tile/0/1')).rejects.toThrow(TilePathError);
    });

    it('reads one tile with a single getNodes call of its hashes at store level 8 x L', async () => {
      const reads: NodeId[][] = [];
      const counting: HashStore = {
        getNodes: (ids) => {
          reads.push([...ids]);
          return tree.store.getNodes(ids);
        },
        putNodes: () => undefined,
      };
      await readHashTile(counting, { level: 1, index: 0, width: 200 });
      expect(reads).toHaveLength(1);
      expect(reads[0]).toHaveLength(200);
      expect(reads[0]!.every((id) => id.level === 8)).toBe(true);
      expect(reads[0]![199]).toEqual({ level: 8, index: 199 });
    });
  });
});

describe('entry bundles', () => {
  it('round-trips any entries up to 65,535 bytes, the empty one included', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (entries) => {
        expect(decodeEntryBundle(encodeEntryBundle(entries)).map(hex)).toEqual(entries.map(hex));
      }),
    );
    const largest = new Uint8Array(65_535).fill(7);
    expect(decodeEntryBundle(encodeEntryBundle([largest, new Uint8Array(0)]))[0]).toEqual(largest);
  });

  it('refuses an entry longer than a uint16 can say, naming it', () => {
    expect(() => encodeEntryBundle([new Uint8Array(1), new Uint8Array(65_536)], 512)).toThrow('entry 513 is 65536 bytes');
  });

  it('refuses a truncated bundle', () => {
    expect(() => decodeEntryBundle(fromHex('0003'))).toThrow('inside entry 0');
    expect(() => decodeEntryBundle(fromHex('00036f6e6500'))).toThrow('inside the length of entry 1');
  });

  it('refuses an entry reader that returns the wrong number of entries', async () => {
    await expect(readEntryBundle(() => [utf8('a')], { index: 0, width: 2 })).rejects.toThrow('returned 1 entries for [0, 2)');
  });
});
