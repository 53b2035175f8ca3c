import { createHash } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendLeafHashes, type HashStore, type NodeId, type StoredNode, TreeHasher } from '#plaza/merkle';

/**
 * The transparency log: the hashes of the complete subtrees of the RFC 9162 tree over the journal entries
 * (level 0 = leaf hashes H(0x00 || entry)), and the signed checkpoints. The tree's size is journal_head.size: the
 * unit of work appends the leaves of every new entry in the transaction that writes it, under the head lock.
 *
 * Entries written before this migration are backfilled here, in the migration's transaction, under the head lock.
 */
export class TransparencyLog1795700000000 implements MigrationInterface {
  name = 'TransparencyLog1795700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE merkle_nodes (
        level smallint NOT NULL CHECK (level >= 0 AND level < 63),
        index bigint NOT NULL CHECK (index >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, index)
      );

      -- Signed checkpoints: one per size (the primary key), so two different roots are never signed for one size,
      -- whichever instance signs first.
      CREATE TABLE log_checkpoints (
        size bigint PRIMARY KEY CHECK (size >= 0),
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        body text NOT NULL,
        jws text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    await backfillTransparencyLog(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE log_checkpoints; DROP TABLE merkle_nodes');
  }
}

const BATCH = 5000;

/**
 * Appends to the tree every journal entry whose leaf is missing, in index order, under the journal_head row lock
 * (so no write can interleave). Idempotent: with a complete tree it reads two rows and writes nothing. Kept
 * self-contained (its own small store) so that the migration does not change when the registry's code does.
 */
export async function backfillTransparencyLog(db: QueryRunner): Promise<number> {
  const [head] = (await db.query('SELECT size FROM journal_head WHERE id = 1 FOR UPDATE')) as { size: string }[];
  const headSize = Number(head!.size);
  const [leaves] = (await db.query('SELECT count(*) AS n FROM merkle_nodes WHERE level = 0')) as { n: string }[];
  let size = Number(leaves!.n);
  const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
  const store: HashStore = {
    async getNodes(ids: readonly NodeId[]) {
      const rows = (await db.query(
        'SELECT level, index, hash FROM merkle_nodes WHERE (level, index) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
        [ids.map((id) => id.level), ids.map((id) => id.index)],
      )) as { level: number; index: string; hash: Buffer }[];
      const byKey = new Map(rows.map((r) => [`${r.level}:${r.index}`, r.hash]));
      return ids.map(({ level, index }) => {
        const hash = byKey.get(`${level}:${index}`);
        if (!hash) throw new Error(`merkle node (level ${level}, index ${index}) is not stored`);
        return hash;
      });
    },
    async putNodes(nodes: readonly StoredNode[]) {
      await db.query('INSERT INTO merkle_nodes (level, index, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [
        nodes.map((n) => n.id.level),
        nodes.map((n) => n.id.index),
        nodes.map((n) => Buffer.from(n.hash)),
      ]);
    },
  };
  const start = size;
  while (size < headSize) {
    const rows = (await db.query('SELECT index, entry FROM journal_entries WHERE index >= $1 AND index < $2 ORDER BY index', [
      size,
      Math.min(size + BATCH, headSize),
    ])) as { index: string; entry: Buffer }[];
    if (rows.length === 0 || Number(rows[0]!.index) !== size) throw new Error(`journal entry ${size} is missing: cannot backfill the transparency log`);
    rows.forEach((row, i) => {
      if (Number(row.index) !== size + i) throw new Error(`journal entry ${size + i} is missing: cannot backfill the transparency log`);
    });
    const leafHashes = await Promise.all(rows.map((row) => hasher.leaf(row.entry)));
    size = await appendLeafHashes(store, hasher, size, leafHashes);
  }
  return size - start;
}
