import type { TreeHasher } from './hasher.js';
import {
  assertCount,
  consistencyRanges,
  inclusionRanges,
  subtreesOf,
  type LeafRange,
  type NodeId,
} from './layout.js';
import { MemoryHashStore, type HashStore, type StoredNode } from './store.js';

/**
 * Appends leaf hashes (`hasher.leaf(entry)`) to a log that currently holds `size` leaves, storing every subtree the
 * new leaves complete in one `putNodes` call. Reads only the right edge of the current tree (one node per set bit
 * of `size`), so each append costs O(log n) reads and amortised O(1) hashes per leaf. Returns the new size.
 *
 * The caller owns `size` (a server reads it from its log table, under the lock that orders appends).
 */
export async function appendLeafHashes(
  store: HashStore,
  hasher: TreeHasher,
  size: number,
  leafHashes: readonly Uint8Array[],
): Promise<number> {
  assertCount('size', size);
  if (leafHashes.length === 0) return size;
  // The right edge: the complete subtrees making up the current tree, highest level first.
  const edgeIds = subtreesOf({ start: 0, end: size });
  const edgeHashes = edgeIds.length > 0 ? await store.getNodes(edgeIds) : [];
  const edge = edgeIds.map((id, i) => ({ level: id.level, hash: edgeHashes[i]! }));
  const written: StoredNode[] = [];
  let next = size;
  for (const leafHash of leafHashes) {
    let level = 0;
    let hash = leafHash;
    written.push({ id: { level: 0, index: next }, hash });
    next++;
    // Merge while the new subtree completes its left sibling: both hold 2^level leaves ending at `next`.
    while (edge.length > 0 && edge[edge.length - 1]!.level === level) {
      const left = edge.pop()!;
      hash = await hasher.node(left.hash, hash);
      level++;
      written.push({ id: { level, index: next / 2 ** level - 1 }, hash });
    }
    edge.push({ level, hash });
  }
  await store.putNodes(written);
  return next;
}

/** MTH(D[0:size]) from stored hashes; the empty tree's root is HASH(). O(log n) reads and hashes. */
export async function computeRoot(store: HashStore, hasher: TreeHasher, size: number): Promise<Uint8Array> {
  assertCount('size', size);
  if (size === 0) return hasher.empty();
  const [root] = await rangeHashes(store, hasher, [{ start: 0, end: size }]);
  return root!;
}

/** The RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of `size` leaves, leaf first. */
export async function proveInclusion(
  store: HashStore,
  hasher: TreeHasher,
  index: number,
  size: number,
): Promise<Uint8Array[]> {
  return rangeHashes(store, hasher, inclusionRanges(index, size));
}

/** The RFC 9162 consistency proof between the trees of `m` and `n` leaves (empty when m = 0 or m = n). */
export async function proveConsistency(
  store: HashStore,
  hasher: TreeHasher,
  m: number,
  n: number,
): Promise<Uint8Array[]> {
  return rangeHashes(store, hasher, consistencyRanges(m, n));
}

/** The hashes of several ranges, reading all the subtrees they need in one `getNodes` call. */
async function rangeHashes(store: HashStore, hasher: TreeHasher, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const perRange = ranges.map(subtreesOf);
  const unique = new Map<string, NodeId>();
  for (const ids of perRange) for (const id of ids) unique.set(`${id.level}:${id.index}`, id);
  const ids = [...unique.values()];
  const hashes = ids.length > 0 ? await store.getNodes(ids) : [];
  if (hashes.length !== ids.length) throw new Error('HashStore.getNodes returned the wrong number of hashes');
  const byKey = new Map<string, Uint8Array>();
  ids.forEach((id, i) => byKey.set(`${id.level}:${id.index}`, hashes[i]!));
  const out: Uint8Array[] = [];
  for (const subtrees of perRange) {
    // MTH of an aligned range is the right fold of its complete subtrees (see subtreesOf).
    let acc = byKey.get(`${subtrees.at(-1)!.level}:${subtrees.at(-1)!.index}`)!;
    for (let i = subtrees.length - 2; i >= 0; i--) {
      acc = await hasher.node(byKey.get(`${subtrees[i]!.level}:${subtrees[i]!.index}`)!, acc);
    }
    out.push(acc);
  }
  return out;
}

/**
 * A log tree over a `HashStore` that tracks its own size: the convenient form for tests, the CLI verifier and the
 * browser (with the default `MemoryHashStore`). Appends are serialised, so concurrent calls cannot interleave.
 * Roots and proofs can be asked for any size up to the current one.
 */
export class MerkleTree {
  private currentSize: number;
  private appending: Promise<unknown> = Promise.resolve();

  constructor(
    readonly hasher: TreeHasher,
    readonly store: HashStore = new MemoryHashStore(),
    size = 0,
  ) {
    assertCount('size', size);
    this.currentSize = size;
  }

  get size(): number {
    return this.currentSize;
  }

  /** Hashes and appends log entries (their exact bytes); returns the index of the first one. */
  appendEntries(entries: readonly Uint8Array[]): Promise<number> {
    return this.serially(async () => {
      const leafHashes: Uint8Array[] = [];
      for (const entry of entries) leafHashes.push(await this.hasher.leaf(entry));
      return this.appendNow(leafHashes);
    });
  }

  /** Appends already-computed leaf hashes; returns the index of the first one. */
  appendLeafHashes(leafHashes: readonly Uint8Array[]): Promise<number> {
    return this.serially(() => this.appendNow(leafHashes));
  }

  private async appendNow(leafHashes: readonly Uint8Array[]): Promise<number> {
    const first = this.currentSize;
    this.currentSize = await appendLeafHashes(this.store, this.hasher, first, leafHashes);
    return first;
  }

  /** Runs appends one after the other in call order (leaf hashing included, so a slow hash cannot reorder them). */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.appending.then(task);
    this.appending = run.catch(() => undefined);
    return run;
  }

  async root(size = this.currentSize): Promise<Uint8Array> {
    return await computeRoot(this.store, this.hasher, this.checkSize(size));
  }

  async inclusionProof(index: number, size = this.currentSize): Promise<Uint8Array[]> {
    return await proveInclusion(this.store, this.hasher, index, this.checkSize(size));
  }

  async consistencyProof(m: number, n = this.currentSize): Promise<Uint8Array[]> {
    return await proveConsistency(this.store, this.hasher, m, this.checkSize(n));
  }

  private checkSize(size: number): number {
    assertCount('size', size);
    if (size > this.currentSize) throw new RangeError(`size ${size} is beyond the tree's ${this.currentSize} leaves`);
    return size;
  }
}
