import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DisclosedRecord, JournaledKind } from '../platform/journal/journaled-kind.js';
import { MerkleNodeRepository } from '../platform/journal/merkle-node.repository.js';

export interface StoredEntry {
  index: number;
  entry: Buffer;
  leafHash: Buffer;
}

/** Every query of the transparency log's read side. The tree's size is journal_head.size (see UnitOfWork). */
@Injectable()
export class TransparencyRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async treeSize(manager: EntityManager = this.db.manager): Promise<number> {
    const [head] = (await manager.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
    return Number(head!.size);
  }

  /** The stored subtree hashes; they never change once written, so reads need no transaction. */
  store(manager: EntityManager = this.db.manager): MerkleNodeRepository {
    return new MerkleNodeRepository(manager);
  }

  /** Entries [start, end) with their leaf hashes, in index order. */
  async entries(start: number, end: number): Promise<StoredEntry[]> {
    const rows = (await this.db.manager.query(
      `SELECT e.index, e.entry, n.hash
         FROM journal_entries e JOIN merkle_nodes n ON n.level = 0 AND n.index = e.index
        WHERE e.index >= $1 AND e.index < $2
        ORDER BY e.index`,
      [start, end],
    )) as { index: string; entry: Buffer; hash: Buffer }[];
    return rows.map((row) => ({ index: Number(row.index), entry: row.entry, leafHash: row.hash }));
  }

  /** What an entry is about and its salt: the columns beside the hashed bytes. */
  async findSubject(index: number): Promise<EntrySubjectRow | null> {
    const [row] = (await this.db.manager.query('SELECT subject_type, subject_id, salt FROM journal_entries WHERE index = $1', [index])) as {
      subject_type: string; subject_id: string; salt: Buffer;
    }[];
    return row ? { subjectType: row.subject_type, subjectId: row.subject_id, salt: row.salt } : null;
  }

  /** The latest entry about a subject. */
  async latestIndexAbout(subjectType: string, subjectId: string): Promise<number> {
    const [row] = (await this.db.manager.query('SELECT max(index) AS index FROM journal_entries WHERE subject_type = $1 AND subject_id = $2', [subjectType, subjectId])) as {
      index: string;
    }[];
    return Number(row!.index);
  }

  /** The record whose latest entry is `index`, as its kind discloses it (the kinds' look-ups by journal index). */
  disclose(kind: JournaledKind, index: number): Promise<DisclosedRecord | null> {
    return kind.disclose(this.db.manager, index);
  }

  /** The body of the latest stored checkpoint, or null before the first is signed. */
  async latestCheckpointBody(): Promise<string | null> {
    const [row] = (await this.db.manager.query('SELECT body FROM log_checkpoints ORDER BY size DESC LIMIT 1')) as { body: string }[];
    return row?.body ?? null;
  }

  async findCheckpoint(size: number): Promise<StoredCheckpoint | null> {
    const [row] = (await this.db.manager.query('SELECT size, root_hash, body, jws FROM log_checkpoints WHERE size = $1', [size])) as CheckpointRow[];
    return row ? asCheckpoint(row) : null;
  }

  /** Stores a signed checkpoint unless one of this size exists; returns the one stored (this one or the earlier). */
  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<StoredCheckpoint> {
    const [inserted] = (await this.db.manager.query(
      'INSERT INTO log_checkpoints (size, root_hash, body, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING RETURNING size, root_hash, body, jws',
      [checkpoint.size, checkpoint.rootHash, checkpoint.body, checkpoint.jws],
    )) as CheckpointRow[];
    if (inserted) return asCheckpoint(inserted);
    return (await this.findCheckpoint(checkpoint.size))!;
  }
}

export interface EntrySubjectRow {
  subjectType: string;
  subjectId: string;
  salt: Buffer;
}

export interface StoredCheckpoint {
  size: number;
  rootHash: Buffer;
  body: string;
  jws: string;
}

interface CheckpointRow {
  size: string;
  root_hash: Buffer;
  body: string;
  jws: string;
}

const asCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({ size: Number(row.size), rootHash: row.root_hash, body: row.body, jws: row.jws });
