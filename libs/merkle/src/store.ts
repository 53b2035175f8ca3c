import { equalBytes } from './hasher.js';
import type { NodeId } from './layout.js';

/** The hash of one complete subtree, as written to a store. */
export interface StoredNode {
  readonly id: NodeId;
  readonly hash: Uint8Array;
}

/**
 * Where a log keeps the hashes of its complete subtrees (see `NodeId`): level 0 holds the leaf hashes, level L the
 * hash of each aligned block of 2^L leaves once that block is full. Those hashes never change as the log grows, so
 * the store is append-only (about 2n rows for n leaves) and every root and proof for any past size is assembled from
 * at most about 2·log2(n) of them, fetched in one `getNodes` call.
 *
 * A server implements this over a table such as `merkle_node(level smallint, index bigint, hash bytea,
 * primary key (level, index))`, writing in the same transaction as the log entries. `MemoryHashStore` is the
 * in-memory implementation (tests, the CLI and the browser verifier).
 */
export interface HashStore {
  /** The hashes of the given nodes, in the same order. Must throw if any of them has not been stored. */
  getNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> | readonly Uint8Array[];
  /** Records newly completed subtrees. A node is written once; rewriting it with a different hash is an error. */
  putNodes(nodes: readonly StoredNode[]): Promise<void> | void;
}

/** An in-memory `HashStore`: one array of hashes per level. */
export class MemoryHashStore implements HashStore {
  private readonly levels: Uint8Array[][] = [];

  getNodes(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map(({ level, index }) => {
      const hash = this.levels[level]?.[index];
      if (!hash) throw new Error(`merkle node (level ${level}, index ${index}) is not stored`);
      return hash;
    });
  }

  putNodes(nodes: readonly StoredNode[]): void {
    for (const { id, hash } of nodes) {
      const level = (this.levels[id.level] ??= []);
      const existing = level[id.index];
      if (existing && !equalBytes(existing, hash)) {
        throw new Error(`merkle node (level ${id.level}, index ${id.index}) is already stored with another hash`);
      }
      level[id.index] = hash;
    }
  }

  /** The number of leaf hashes stored (level 0), for tests and diagnostics. */
  get leafCount(): number {
    return this.levels[0]?.length ?? 0;
  }
}

