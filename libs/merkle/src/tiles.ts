/**
 * The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): fixed paths of immutable byte blobs that any client can fetch
 * from a CDN and rebuild the tree from, with no per-reader work on the server.
 *
 * Tiles have height 8: a hash tile at level L holds up to 256 hashes of the complete subtrees of height 8·L, that is
 * hash i of tile N is the subtree `{ level: 8·L, index: N·256 + i }` of the store (2^(8L) leaves each). A tile is
 * full with 256 hashes, or partial with the first W (1..255) of them: for a tree of size s, level L holds
 * floor(s / 256^L) hashes, so there are floor(that / 256) full tiles and one partial tile of width (that mod 256)
 * unless that is 0 (an empty tile never exists). Entry bundles mirror the level-0 tiles and carry the entries
 * themselves, each as a big-endian uint16 length and the exact bytes its leaf hash covers.
 *
 * Everything here reads the stored complete-subtree hashes (`HashStore`) and never rehashes a leaf: a tile is one
 * `getNodes` call of at most 256 nodes.
 */
import type { HashStore } from './store.js';
import { assertCount } from './layout.js';

/** Hashes per full tile (tiles of height 8). */
export const TILE_WIDTH = 256;
/** Tree levels per tile level: tile level L holds the subtrees at store level 8·L. */
export const TILE_HEIGHT = 8;
/** SHA-256: every hash in a tile is 32 bytes, with no framing. */
export const HASH_SIZE = 32;
/** An entry bundle prefixes each entry with a uint16 length. */
export const MAX_ENTRY_SIZE = 0xffff;
/** The spec allows levels 0..63 in a path (only 0..6 can occur in a tree of at most 2^53 - 1 leaves). */
const MAX_PATH_LEVEL = 63;

/** A hash tile: `width` (1..256, 256 = full) hashes of tile level `level`, starting at hash `index` × 256. */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle: the `width` entries from index × 256 (the same shape as the level-0 tile it matches). */
export interface BundleId {
  readonly index: number;
  readonly width: number;
}

/** What a tile path names. */
export type TileResource = ({ readonly kind: 'hashes' } & TileId) | ({ readonly kind: 'entries' } & BundleId);

/** A malformed tile path (a server answers 400 or 404; it names the path and what is wrong with it). */
export class TilePathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}...` : path)} is not a tile path: ${reason}`);
    this.name = 'TilePathError';
  }
}

/** `tile/<L>/<N>[.p/<W>]` */
export function tilePath(tile: TileId): string {
  checkTile(tile);
  return `tile/${tile.level}/${encodeIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]` */
export function entryBundlePath(bundle: BundleId): string {
  checkTile({ level: 0, ...bundle });
  return `tile/entries/${encodeIndex(bundle.index)}${widthSuffix(bundle.width)}`;
}

/** N in 3-digit groups, every group but the last prefixed with `x`: 1234067 → `x001/x234/067`. */
function encodeIndex(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

const LEVEL = /^(0|[1-9][0-9]?)$/;
const INDEX = /^(x[0-9]{3}\/)*[0-9]{3}$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;

/**
 * Parses a path relative to the log's prefix (`tile/0/x001/234.p/5`, `tile/entries/000`), accepting only the
 * canonical form: no leading zeros, no empty leading group, widths 1..255 only after `.p/`, and only tiles that a
 * tree of at most 2^53 - 1 leaves can have. Throws `TilePathError` naming what is wrong.
 */
export function parseTilePath(path: string): TileResource {
  const parts = /^tile\/(entries|[^/]+)\/(.+?)(?:\.p\/([^/]*))?$/.exec(path);
  if (!parts) throw new TilePathError(path, 'expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]');
  const [, levelText, indexText, widthText] = parts as unknown as [string, string, string, string | undefined];
  const entries = levelText === 'entries';
  if (!entries && !LEVEL.test(levelText)) {
    throw new TilePathError(path, `the level must be 0..${MAX_PATH_LEVEL} in decimal without leading zeros`);
  }
  const level = entries ? 0 : Number(levelText);
  if (level > MAX_PATH_LEVEL) throw new TilePathError(path, `the level must be 0..${MAX_PATH_LEVEL}`);
  if (!INDEX.test(indexText)) {
    throw new TilePathError(path, 'the index must be 3-digit groups, every group but the last prefixed with x');
  }
  if (indexText.startsWith('x000')) throw new TilePathError(path, 'the index must not start with a zero group');
  const index = Number(indexText.replace(/[x/]/g, ''));
  if (!Number.isSafeInteger(index)) throw new TilePathError(path, 'the index is too large');
  if (widthText !== undefined && !(WIDTH.test(widthText) && Number(widthText) < TILE_WIDTH)) {
    throw new TilePathError(path, `a partial tile's width must be 1..${TILE_WIDTH - 1} without leading zeros`);
  }
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (!Number.isSafeInteger(smallestSizeWith({ level, index, width }))) {
    throw new TilePathError(path, 'no tree of at most 2^53 - 1 leaves has this tile');
  }
  return entries ? { kind: 'entries', index, width } : { kind: 'hashes', level, index, width };
}

function checkTile(tile: TileId): void {
  assertCount('tile level', tile.level);
  assertCount('tile index', tile.index);
  if (tile.level > MAX_PATH_LEVEL) throw new RangeError(`tile level must be 0..${MAX_PATH_LEVEL}, got ${tile.level}`);
  if (!Number.isInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) {
    throw new RangeError(`tile width must be 1..${TILE_WIDTH}, got ${tile.width}`);
  }
}

/** 256^level: the leaves under one hash of a level-`level` tile (exact: a power of two). */
export function leavesPerHash(level: number): number {
  return 2 ** (TILE_HEIGHT * level);
}

/** How many hashes tile level `level` holds in the tree of `size` leaves: its complete subtrees of height 8·level. */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / leavesPerHash(level));
}

/** The smallest tree size whose tiling contains `tile` (a partial tile is also in the next 256^level - 1 sizes). */
function smallestSizeWith(tile: TileId): number {
  return (tile.index * TILE_WIDTH + tile.width) * leavesPerHash(tile.level);
}

/** Whether `tile` is one of the tiles of the tree of `size` leaves (an entry bundle exists iff its level-0 tile does). */
export function tileExists(tile: TileId, size: number): boolean {
  checkTile(tile);
  assertCount('size', size);
  const count = hashesAtLevel(size, tile.level);
  return tile.width === TILE_WIDTH
    ? (tile.index + 1) * TILE_WIDTH <= count
    : tile.index === Math.floor(count / TILE_WIDTH) && tile.width === count % TILE_WIDTH;
}

/**
 * The tree sizes whose tiling contains `tile`, as `[min, max]`: every size from `min` on for a full tile (max is
 * Infinity), and the 256^level sizes from `min` for a partial one. A server serves a partial tile only if it
 * published a checkpoint of one of these sizes.
 */
export function sizesWithTile(tile: TileId): { readonly min: number; readonly max: number } {
  checkTile(tile);
  const min = smallestSizeWith(tile);
  return { min, max: tile.width === TILE_WIDTH ? Infinity : min + leavesPerHash(tile.level) - 1 };
}

/** The partial tile of each level of the tree of `size` leaves, level 0 first (none for a level that ends a full tile). */
export function partialTiles(size: number): TileId[] {
  assertCount('size', size);
  const out: TileId[] = [];
  for (let level = 0; hashesAtLevel(size, level) > 0; level++) {
    const count = hashesAtLevel(size, level);
    if (count % TILE_WIDTH > 0) out.push({ level, index: Math.floor(count / TILE_WIDTH), width: count % TILE_WIDTH });
  }
  return out;
}

/** Every tile of the tree of `size` leaves, level by level from 0, full tiles then the partial one (about size/255). */
export function* tilesOfSize(size: number): Generator<TileId> {
  assertCount('size', size);
  for (let level = 0; hashesAtLevel(size, level) > 0; level++) {
    const count = hashesAtLevel(size, level);
    const full = Math.floor(count / TILE_WIDTH);
    for (let index = 0; index < full; index++) yield { level, index, width: TILE_WIDTH };
    if (count % TILE_WIDTH > 0) yield { level, index: full, width: count % TILE_WIDTH };
  }
}

/** The entry bundle that holds entry `entryIndex` in the tree of `size` leaves. */
export function entryBundleFor(entryIndex: number, size: number): BundleId {
  assertCount('entry index', entryIndex);
  assertCount('size', size);
  if (entryIndex >= size) throw new RangeError(`entry ${entryIndex} is outside a tree of size ${size}`);
  const index = Math.floor(entryIndex / TILE_WIDTH);
  return { index, width: Math.min(TILE_WIDTH, size - index * TILE_WIDTH) };
}

/** The bytes of a hash tile: its hashes read from the store in one `getNodes` call, concatenated. */
export async function readHashTile(store: HashStore, tile: TileId): Promise<Uint8Array> {
  checkTile(tile);
  const level = TILE_HEIGHT * tile.level;
  const first = tile.index * TILE_WIDTH;
  const ids = Array.from({ length: tile.width }, (_, i) => ({ level, index: first + i }));
  const hashes = await store.getNodes(ids);
  if (hashes.length !== ids.length) throw new Error('HashStore.getNodes returned the wrong number of hashes');
  const out = new Uint8Array(tile.width * HASH_SIZE);
  hashes.forEach((hash, i) => {
    if (hash.length !== HASH_SIZE) throw new Error(`merkle node (level ${level}, index ${first + i}) is not ${HASH_SIZE} bytes`);
    out.set(hash, i * HASH_SIZE);
  });
  return out;
}

/** Reads log entries [start, end) (their exact bytes, the leaf inputs), in order. */
export type EntryReader = (start: number, end: number) => Promise<readonly Uint8Array[]> | readonly Uint8Array[];

/** The bytes of an entry bundle: its entries read with one `readEntries` call, length-prefixed. */
export async function readEntryBundle(readEntries: EntryReader, bundle: BundleId): Promise<Uint8Array> {
  checkTile({ level: 0, ...bundle });
  const start = bundle.index * TILE_WIDTH;
  const entries = await readEntries(start, start + bundle.width);
  if (entries.length !== bundle.width) {
    throw new Error(`the entry reader returned ${entries.length} entries for [${start}, ${start + bundle.width})`);
  }
  return encodeEntryBundle(entries, start);
}

/** Each entry as a big-endian uint16 length and its bytes. `firstIndex` only names an entry that is too long. */
export function encodeEntryBundle(entries: readonly Uint8Array[], firstIndex = 0): Uint8Array {
  let total = 0;
  entries.forEach((entry, i) => {
    if (entry.length > MAX_ENTRY_SIZE) {
      throw new RangeError(`entry ${firstIndex + i} is ${entry.length} bytes; an entry bundle holds at most ${MAX_ENTRY_SIZE}`);
    }
    total += 2 + entry.length;
  });
  const out = new Uint8Array(total);
  let at = 0;
  for (const entry of entries) {
    out[at] = entry.length >> 8;
    out[at + 1] = entry.length & 0xff;
    out.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return out;
}

/** The entries of a bundle (views into `bytes`); throws on a truncated entry. */
export function decodeEntryBundle(bytes: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new Error(`the bundle ends inside the length of entry ${entries.length}`);
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + length > bytes.length) throw new Error(`the bundle ends inside entry ${entries.length}`);
    entries.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

/** Fetches a tile or bundle by its path (relative to the log's prefix); resolves `undefined` when it does not exist. */
export type TileFetcher = (path: string) => Promise<Uint8Array | undefined>;

/**
 * The tiles and bundles of the tree of `size` leaves, read from a store and an entry reader, as a `TileFetcher`:
 * what a server answers at `<prefix>/<path>` for that size (`undefined` for a tile outside its tiling). A path that
 * is not a tile path throws `TilePathError`.
 */
export function serveTiles(store: HashStore, readEntries: EntryReader, size: number): TileFetcher {
  assertCount('size', size);
  return async (path) => {
    const resource = parseTilePath(path);
    if (resource.kind === 'entries') {
      return tileExists({ level: 0, ...resource }, size) ? readEntryBundle(readEntries, resource) : undefined;
    }
    return tileExists(resource, size) ? readHashTile(store, resource) : undefined;
  };
}
