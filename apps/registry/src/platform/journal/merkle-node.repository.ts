import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type HashStore, type NodeId, type StoredNode, TreeHasher } from '#plaza/merkle';

/** The log's RFC 9162 hasher: SHA-256 through node:crypto (synchronous, the fast path on the server). */
export const treeHasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());

/**
 * libs/merkle's `HashStore` over the `merkle_nodes` table, inside the caller's transaction (or any manager for
 * reads). Each call is one query: `getNodes` reads every requested node at once, `putNodes` inserts them at once
 * (the primary key refuses a node written twice).
 */
export class MerkleNodeRepository implements HashStore {
  constructor(private readonly manager: EntityManager) {}

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    if (ids.length === 0) return [];
    const rows = (await this.manager.query(
      'SELECT level, index, hash FROM merkle_nodes WHERE (level, index) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
      [ids.map((id) => id.level), ids.map((id) => id.index)],
    )) as { level: number; index: string; hash: Buffer }[];
    const byKey = new Map(rows.map((row) => [`${row.level}:${row.index}`, row.hash]));
    return ids.map(({ level, index }) => {
      const hash = byKey.get(`${level}:${index}`);
      if (!hash) throw new Error(`merkle node (level ${level}, index ${index}) is not stored`);
      return hash;
    });
  }

  async putNodes(nodes: readonly StoredNode[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.manager.query('INSERT INTO merkle_nodes (level, index, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [
      nodes.map((node) => node.id.level),
      nodes.map((node) => node.id.index),
      nodes.map((node) => Buffer.from(node.hash.buffer, node.hash.byteOffset, node.hash.byteLength)),
    ]);
  }
}
