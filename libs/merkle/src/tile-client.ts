/**
 * A tlog-tiles client: rebuilds and checks a log from its tiles, given a checkpoint's (size, root) and a way to
 * fetch a path under the log's prefix. It trusts nothing it fetches:
 *
 * - the partial tile of every level of a tree (at most one per level) together give its root, which must be the
 *   checkpoint's: that binds the partial tiles;
 * - a full tile at level L hashes (as a perfect tree of 256 hashes) to one hash of its parent tile at level L + 1:
 *   that binds every full tile to the root, top down;
 * - an entry bundle's entries must hash to the leaf hashes of the level-0 tile of the same index;
 * - an older checkpoint (m, rootM) is consistent with the new one when the new tree's tiles give rootM for size m:
 *   its subtrees lie at the start of the tile that holds leaf m at each level (and the chain of those tiles up to
 *   the partials binds them), so a consistency check costs at most two tiles per level.
 *
 * Catching up from m to n fetches every tile and bundle covering the leaves [m, n) once and nothing else
 * (about 2·(n - m)/256 fetches), keeping only one branch of tiles in memory; the hashing is linear in n - m.
 * Failures are `TileVerificationError`s naming the tiles involved.
 */
import { equalBytes, type TreeHasher } from './hasher.js';
import { assertCount } from './layout.js';
import {
  HASH_SIZE,
  TILE_WIDTH,
  decodeEntryBundle,
  entryBundlePath,
  hashesAtLevel,
  leavesPerHash,
  partialTiles,
  tilePath,
  type TileFetcher,
} from './tiles.js';

/** A tree size and its root, as a verified checkpoint states them. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * What went wrong: a tile or bundle the log does not serve or that could not be fetched (`missing`), one of the
 * wrong length or a malformed bundle (`length`), a full tile that does not hash to its parent's hash (`hash`),
 * partial tiles that do not give the checkpoint's root (`root`), tiles that do not give the older checkpoint's root
 * (`inconsistent`: a fork or a rewritten history), an entry that does not hash to its leaf hash (`entries`).
 */
export type TileFailure = 'missing' | 'length' | 'hash' | 'root' | 'inconsistent' | 'entries';

export class TileVerificationError extends Error {
  constructor(
    readonly failure: TileFailure,
    /** The tiles and bundles involved, the failing one first. */
    readonly paths: readonly string[],
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${paths.length > 0 ? paths.join(', ') : 'the empty tree'}: ${detail}`, options);
    this.name = 'TileVerificationError';
  }
}

export interface TileClientOptions {
  /** How many tiles (and their bundles) to fetch at once while walking the tree; 16 by default. */
  readonly concurrency?: number;
}

export interface TreeWalk {
  /** A checkpoint verified earlier: the tree must extend it, and only the leaves from its size on are read. */
  readonly since?: TreeHead;
  /** Receives the entries read, in order, once each has been checked against its leaf hash. */
  readonly onEntries?: (first: number, entries: readonly Uint8Array[]) => void | Promise<void>;
}

export class TileClient {
  private readonly concurrency: number;

  constructor(
    private readonly hasher: TreeHasher,
    private readonly fetchTile: TileFetcher,
    options: TileClientOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) throw new RangeError('concurrency must be at least 1');
  }

  /** Checks the checkpoint's root against its partial tiles (one fetch per level). */
  async verifyRoot(head: TreeHead): Promise<void> {
    await this.open(head);
  }

  /** Checks that `head` extends `old`: the tiles of `head` must give `old.root` for `old.size` (a few fetches per level). */
  async verifyConsistency(old: TreeHead, head: TreeHead): Promise<void> {
    await (await this.open(head)).checkExtends(old);
  }

  /**
   * Checks every tile and entry bundle of `head` that covers a leaf from `walk.since.size` on (the whole tree when
   * there is no `since`), after checking that `head` extends `since`, and hands those entries to `onEntries`.
   * This is what a monitor catching up runs.
   */
  async verifyTree(head: TreeHead, walk: TreeWalk = {}): Promise<void> {
    const tree = await this.open(head);
    if (walk.since) await tree.checkExtends(walk.since);
    await tree.walk(walk.since?.size ?? 0, walk.onEntries);
  }

  /**
   * The entry at `index` of the tree of `head`, proven included: the tile holding it at each level, checked top down
   * against its verified parent (one fetch per level), and its bundle against the level-0 tile.
   */
  async entry(head: TreeHead, index: number): Promise<Uint8Array> {
    assertCount('index', index);
    if (index >= head.size) throw new RangeError(`entry ${index} is not in a tree of size ${head.size}`);
    return (await this.open(head)).entry(index);
  }

  private async open(head: TreeHead): Promise<TiledTree> {
    assertCount('size', head.size);
    const tree = new TiledTree(this.hasher, this.fetchTile, this.concurrency, head.size);
    await tree.readPartials(head.root);
    return tree;
  }
}

/** The tiles of one tree as far as they have been verified: the partial tiles, and the full tiles a check needed. */
class TiledTree {
  /** Verified tiles that a later step reads again, by `level/index`: the partials and the consistency chain. */
  private readonly known = new Map<string, Uint8Array[]>();

  constructor(
    private readonly hasher: TreeHasher,
    private readonly fetchTile: TileFetcher,
    private readonly concurrency: number,
    private readonly size: number,
  ) {}

  async readPartials(root: Uint8Array): Promise<void> {
    const partials = partialTiles(this.size);
    const hashes = await Promise.all(partials.map((tile) => this.fetchHashes(tilePath(tile), tile.width)));
    partials.forEach((tile, i) => this.known.set(key(tile.level, tile.index), hashes[i]!));
    const { hash, paths } = await this.rootOf(this.size);
    if (!equalBytes(hash, root)) {
      throw new TileVerificationError('root', paths, `the tiles give the root ${hex(hash)}, the checkpoint says ${hex(root)}`);
    }
  }

  /** Recomputes `old.root` from this tree's tiles: the tile holding leaf old.size at each level, verified top down. */
  async checkExtends(old: TreeHead): Promise<void> {
    assertCount('old size', old.size);
    if (old.size > this.size) throw new RangeError(`a tree of size ${this.size} cannot extend one of size ${old.size}`);
    for (let level = topLevel(this.size); level >= 0; level--) {
      const index = tileIndexOfLeaf(old.size, level);
      // Only tiles that hold a subtree of the old tree's edge, or the parent of one, are needed.
      if (old.size % (TILE_WIDTH * leavesPerHash(level)) === 0) continue;
      if (this.known.has(key(level, index)) || index >= fullTiles(this.size, level)) continue;
      const parentIndex = Math.floor(index / TILE_WIDTH);
      const parent = this.verified(level + 1, parentIndex);
      const parentPath = tilePath({ level: level + 1, index: parentIndex, width: parent.length });
      const hashes = await this.fetchFullTile(level, index, { hash: parent[index % TILE_WIDTH]!, in: parentPath });
      this.known.set(key(level, index), hashes);
    }
    const { hash, paths } = await this.rootOf(old.size);
    if (!equalBytes(hash, old.root)) {
      throw new TileVerificationError(
        'inconsistent',
        paths,
        `the tree of size ${this.size} has the root ${hex(hash)} at size ${old.size}, the older checkpoint says ${hex(old.root)}`,
      );
    }
  }

  /** The entry at `index`, read through the tiles holding it, each verified against the one above it. */
  async entry(index: number): Promise<Uint8Array> {
    for (let level = topLevel(this.size); level >= 0; level--) {
      const tile = tileIndexOfLeaf(index, level);
      if (this.known.has(key(level, tile))) continue;
      const parentIndex = Math.floor(tile / TILE_WIDTH);
      const parent = this.verified(level + 1, parentIndex);
      const parentPath = tilePath({ level: level + 1, index: parentIndex, width: parent.length });
      this.known.set(key(level, tile), await this.fetchFullTile(level, tile, { hash: parent[tile % TILE_WIDTH]!, in: parentPath }));
    }
    let found: Uint8Array | undefined;
    await this.checkBundle(tileIndexOfLeaf(index, 0), this.verified(0, tileIndexOfLeaf(index, 0)), undefined, index, (_, entries) => {
      found = entries[0];
    });
    return found!;
  }

  /** Verifies every tile and bundle covering a leaf from `from` on, in leaf order. */
  async walk(from: number, onEntries: TreeWalk['onEntries']): Promise<void> {
    if (from >= this.size) return;
    // The partial tile of each level covers the leaves after the full tiles of the level above, so top down is leaf order.
    for (const tile of partialTiles(this.size).reverse()) {
      await this.descend(tile.level, tile.index, this.verified(tile.level, tile.index), undefined, from, onEntries);
    }
  }

  /** Checks the full tiles below a verified tile (or, at level 0, its bundle), skipping those entirely before `from`. */
  private async descend(
    level: number,
    index: number,
    hashes: readonly Uint8Array[],
    bundle: Uint8Array | undefined,
    from: number,
    onEntries: TreeWalk['onEntries'],
  ): Promise<void> {
    if (level === 0) return this.checkBundle(index, hashes, bundle, from, onEntries);
    const offset = index * TILE_WIDTH; // hash i of this tile is the hash of the full child tile offset + i
    const end = offset + hashes.length;
    const parent = tilePath({ level, index, width: hashes.length });
    const load = (start: number) => {
      const children = Array.from({ length: Math.min(this.concurrency, end - start) }, (_, i) => start + i);
      const loading = Promise.all(
        children.map((child) => this.loadChild(level - 1, child, { hash: hashes[child - offset]!, in: parent })),
      );
      loading.catch(() => undefined); // awaited below; this only keeps a batch abandoned by an earlier failure quiet
      return { children, loading };
    };
    let start = Math.max(offset, tileIndexOfLeaf(from, level - 1));
    let batch = start < end ? load(start) : undefined;
    while (batch) {
      const { children, loading } = batch;
      const loaded = await loading;
      start += children.length;
      batch = start < end ? load(start) : undefined; // the next batch downloads while this one is checked
      for (const [i, child] of children.entries()) {
        await this.descend(level - 1, child, loaded[i]!.hashes, loaded[i]!.bundle, from, onEntries);
      }
    }
  }

  /** A full tile checked against its parent's hash, and at level 0 its bundle fetched alongside. */
  private async loadChild(level: number, index: number, expected: ExpectedHash) {
    const [hashes, bundle] = await Promise.all([
      this.known.get(key(level, index)) ?? this.fetchFullTile(level, index, expected),
      level === 0 ? this.fetchBytes(entryBundlePath({ index, width: TILE_WIDTH })) : undefined,
    ]);
    return { hashes, bundle };
  }

  private async checkBundle(
    index: number,
    hashes: readonly Uint8Array[],
    fetched: Uint8Array | undefined,
    from: number,
    onEntries: TreeWalk['onEntries'],
  ): Promise<void> {
    const path = entryBundlePath({ index, width: hashes.length });
    const bytes = fetched ?? (await this.fetchBytes(path));
    let entries: Uint8Array[];
    try {
      entries = decodeEntryBundle(bytes);
    } catch (error) {
      throw new TileVerificationError('length', [path], (error as Error).message);
    }
    if (entries.length !== hashes.length) {
      throw new TileVerificationError('length', [path], `holds ${entries.length} entries, not ${hashes.length}`);
    }
    const first = index * TILE_WIDTH;
    for (const [i, entry] of entries.entries()) {
      if (!equalBytes(await this.hasher.leaf(entry), hashes[i]!)) {
        const tile = tilePath({ level: 0, index, width: hashes.length });
        throw new TileVerificationError('entries', [path, tile], `entry ${first + i} does not hash to its leaf hash in ${tile}`);
      }
    }
    const skip = Math.max(0, from - first);
    if (onEntries && skip < entries.length) await onEntries(first + skip, entries.slice(skip));
  }

  /** The root of the tree of `size` leaves (at most this tree's size) from the verified tiles holding its edge. */
  private async rootOf(size: number): Promise<{ hash: Uint8Array; paths: string[] }> {
    const subtrees: Uint8Array[] = [];
    const paths: string[] = [];
    for (let level = topLevel(size); level >= 0; level--) {
      const width = hashesAtLevel(size, level) % TILE_WIDTH;
      if (width === 0) continue;
      const index = tileIndexOfLeaf(size, level);
      const hashes = this.verified(level, index);
      paths.push(tilePath({ level, index, width: hashes.length }));
      // The first `width` hashes are complete subtrees of sizes given by the bits of `width`, largest first.
      for (let bit = TILE_WIDTH / 2, at = 0; bit >= 1; bit /= 2) {
        if ((width & bit) === 0) continue;
        subtrees.push(await this.perfectRoot(hashes.slice(at, at + bit)));
        at += bit;
      }
    }
    if (subtrees.length === 0) return { hash: await this.hasher.empty(), paths };
    // The root is the right fold of the complete subtrees that make up the tree (see subtreesOf).
    let hash = subtrees.at(-1)!;
    for (let i = subtrees.length - 2; i >= 0; i--) hash = await this.hasher.node(subtrees[i]!, hash);
    return { hash, paths };
  }

  /** A full tile, checked against the hash its (verified) parent tile holds for it. */
  private async fetchFullTile(level: number, index: number, expected: ExpectedHash): Promise<Uint8Array[]> {
    const path = tilePath({ level, index, width: TILE_WIDTH });
    const hashes = await this.fetchHashes(path, TILE_WIDTH);
    const hash = await this.perfectRoot(hashes);
    if (!equalBytes(hash, expected.hash)) {
      throw new TileVerificationError('hash', [path, expected.in], `hashes to ${hex(hash)}, but ${expected.in} says ${hex(expected.hash)}`);
    }
    return hashes;
  }

  private verified(level: number, index: number): Uint8Array[] {
    const hashes = this.known.get(key(level, index));
    if (!hashes) throw new Error(`tile (level ${level}, index ${index}) was read before the tile that verifies it`);
    return hashes;
  }

  private async fetchHashes(path: string, width: number): Promise<Uint8Array[]> {
    const bytes = await this.fetchBytes(path);
    if (bytes.length !== width * HASH_SIZE) {
      throw new TileVerificationError('length', [path], `is ${bytes.length} bytes, not ${width * HASH_SIZE}`);
    }
    return Array.from({ length: width }, (_, i) => bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }

  private async fetchBytes(path: string): Promise<Uint8Array> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.fetchTile(path);
    } catch (error) {
      throw new TileVerificationError('missing', [path], `could not be fetched: ${(error as Error).message}`, { cause: error });
    }
    if (!bytes) throw new TileVerificationError('missing', [path], 'the log does not serve it');
    return bytes;
  }

  /** MTH of a power-of-two number of hashes. */
  private async perfectRoot(hashes: readonly Uint8Array[]): Promise<Uint8Array> {
    let row = hashes;
    while (row.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(await this.hasher.node(row[i]!, row[i + 1]!));
      row = next;
    }
    return row[0]!;
  }
}

/** The hash a full tile must have, and the tile that says so. */
interface ExpectedHash {
  readonly hash: Uint8Array;
  readonly in: string;
}

function key(level: number, index: number): string {
  return `${level}/${index}`;
}

/** The highest tile level with a hash in the tree of `size` leaves (-1 for the empty tree). */
function topLevel(size: number): number {
  let level = -1;
  while (hashesAtLevel(size, level + 1) > 0) level++;
  return level;
}

function fullTiles(size: number, level: number): number {
  return Math.floor(hashesAtLevel(size, level) / TILE_WIDTH);
}

/** The index of the level-`level` tile that holds leaf `leaf` (or would, past the end of the tree). */
function tileIndexOfLeaf(leaf: number, level: number): number {
  return Math.floor(hashesAtLevel(leaf, level) / TILE_WIDTH);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
