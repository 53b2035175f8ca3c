import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DisclosedRecord, JournaledKind } from '../platform/journal/journaled-kind.js';
import { MerkleNodeRepository } from '../platform/journal/merkle-node.repository.js';
import { REGISTRY_CHANGES_CHANNEL, RegistryChanges } from '../platform/registry-changes/registry-changes.js';

/** The kind of record a withholding is: its subject is the index of the entry whose state it withheld. */
export const WITHHOLDING = 'state-withholding';

export interface StoredEntry {
  index: number;
  entry: Buffer;
  leafHash: Buffer;
}

/** Every query of the transparency log's read side. The tree's size is journal_head.size (see UnitOfWork). */
@Injectable()
export class TransparencyRepository {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RegistryChanges) private readonly changes: RegistryChanges,
  ) {}

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

  /** The bytes of entries [start, end), in index order: the leaf inputs, exactly what the leaf hashes cover (entry bundles). */
  async entryBytes(start: number, end: number): Promise<Buffer[]> {
    const rows = (await this.db.manager.query('SELECT entry FROM journal_entries WHERE index >= $1 AND index < $2 ORDER BY index', [start, end])) as {
      entry: Buffer;
    }[];
    return rows.map((row) => row.entry);
  }

  /** The smallest size of a signed checkpoint that is at least `min`, or null (one step of the primary key). */
  async smallestSignedSizeFrom(min: number): Promise<number | null> {
    const [row] = (await this.db.manager.query('SELECT size FROM log_checkpoints WHERE size >= $1 ORDER BY size LIMIT 1', [min])) as { size: string }[];
    return row ? Number(row.size) : null;
  }

  /** What an entry is about and its salt (the columns beside the hashed bytes), with the state it digests if kept. */
  async findSubject(index: number): Promise<EntrySubjectRow | null> {
    const [row] = (await this.db.manager.query(
      `SELECT e.subject_type, e.subject_id, e.salt, s.state, s.public, s.withheld,
              (SELECT w.index FROM journal_entries w WHERE w.subject_type = $2 AND w.subject_id = e.index::text) AS withheld_at
         FROM journal_entries e LEFT JOIN journal_states s ON s.index = e.index
        WHERE e.index = $1`,
      [index, WITHHOLDING],
    )) as { subject_type: string; subject_id: string; salt: Buffer; state: string | null; public: boolean | null; withheld: boolean | null; withheld_at: string | null }[];
    if (!row) return null;
    const kept = row.public === null ? null : { state: row.state, isPublic: row.public, withheldAt: row.withheld ? Number(row.withheld_at) : null };
    return { subjectType: row.subject_type, subjectId: row.subject_id, salt: row.salt, kept };
  }

  /**
   * The entry a withholding is about, its kept state's row locked until the transaction ends (so two withholdings of one
   * state cannot both pass), or null when the log has no such entry.
   */
  async lockForWithholding(manager: EntityManager, index: number): Promise<EntryToWithhold | null> {
    const [state] = (await manager.query('SELECT withheld FROM journal_states WHERE index = $1 FOR UPDATE', [index])) as { withheld: boolean }[];
    const [row] = (await manager.query('SELECT subject_type, subject_id, organisation_id FROM journal_entries WHERE index = $1', [index])) as {
      subject_type: string; subject_id: string; organisation_id: string | null;
    }[];
    return row ? { subjectType: row.subject_type, subjectId: row.subject_id, organisationId: row.organisation_id, kept: state !== undefined, withheld: state?.withheld === true } : null;
  }

  /** Erases a kept state's text and marks it withheld: what was typed in error is no longer held, nor disclosed. */
  async withhold(manager: EntityManager, index: number): Promise<void> {
    await manager.query('UPDATE journal_states SET state = NULL, withheld = true WHERE index = $1', [index]);
  }

  /** A kept state's text (a withholding's own, which is never withheld), or null. */
  static async keptState(manager: EntityManager, index: number): Promise<string | null> {
    const [row] = (await manager.query('SELECT state FROM journal_states WHERE index = $1', [index])) as { state: string | null }[];
    return row?.state ?? null;
  }

  /** The entry of the withholding of entry `index`'s state, or null when it is not withheld. */
  async withholdingOf(index: number): Promise<number | null> {
    const [row] = (await this.db.manager.query('SELECT index FROM journal_entries WHERE subject_type = $1 AND subject_id = $2', [WITHHOLDING, String(index)])) as { index: string }[];
    return row ? Number(row.index) : null;
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

  /** The log's size, and the seconds since its latest checkpoint was signed (null before the first), for the metrics. */
  async standing(): Promise<{ size: number; checkpointAgeSeconds: number | null }> {
    const [row] = (await this.db.manager.query(
      `SELECT (SELECT size FROM journal_head WHERE id = 1) AS size,
              (SELECT extract(epoch FROM now() - signed_at) FROM log_checkpoints ORDER BY size DESC LIMIT 1) AS age`,
    )) as { size: string; age: string | null }[];
    return { size: Number(row!.size), checkpointAgeSeconds: row!.age === null ? null : Number(row!.age) };
  }

  /** The body of the latest stored checkpoint, or null before the first is signed. */
  async latestCheckpointBody(): Promise<string | null> {
    return (await this.latestCheckpoint())?.body ?? null;
  }

  /** The latest stored checkpoint (what an instance that does not sign serves), or null before the first is signed. */
  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    const [row] = (await this.db.manager.query(`SELECT ${COLUMNS} FROM log_checkpoints ORDER BY size DESC LIMIT 1`)) as CheckpointRow[];
    return row ? asCheckpoint(row) : null;
  }

  async findCheckpoint(size: number): Promise<StoredCheckpoint | null> {
    const [row] = (await this.db.manager.query(`SELECT ${COLUMNS} FROM log_checkpoints WHERE size = $1`, [size])) as CheckpointRow[];
    return row ? asCheckpoint(row) : null;
  }

  /** Stores a signed checkpoint unless one of this size exists; returns the one stored (this one or the earlier). */
  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<StoredCheckpoint> {
    // A new checkpoint changes public answers (the log page, the checkpoint itself) in every process, as a registry
    // change does: the others are told in the same statement, this one once it is stored.
    const [inserted] = (await this.db.manager.query(
      `WITH inserted AS (
         INSERT INTO log_checkpoints (size, root_hash, body, jws, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING RETURNING ${COLUMNS}
       )
       SELECT inserted.*, pg_notify($6, $7) FROM inserted`,
      [checkpoint.size, checkpoint.rootHash, checkpoint.body, checkpoint.jws, checkpoint.note, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    )) as CheckpointRow[];
    if (inserted) {
      this.changes.changed('log');
      return asCheckpoint(inserted);
    }
    return (await this.findCheckpoint(checkpoint.size))!;
  }

  /** The log's key rotations, oldest first. */
  async keyRotations(): Promise<StoredKeyRotation[]> {
    const rows = (await this.db.manager.query('SELECT old_key, new_key, from_size, statement FROM log_key_rotations ORDER BY position')) as {
      old_key: string; new_key: string; from_size: string; statement: string;
    }[];
    return rows.map((row) => ({ oldKey: row.old_key, newKey: row.new_key, fromSize: Number(row.from_size), statement: row.statement }));
  }

  /** Appends rotations to the chain, in one transaction; one already stored (another instance's start) is kept. */
  async saveKeyRotations(rotations: readonly StoredKeyRotation[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      for (const rotation of rotations) {
        await manager.query(
          `INSERT INTO log_key_rotations (position, old_key, new_key, from_size, statement)
           SELECT count(*), $1, $2, $3, $4 FROM log_key_rotations
           ON CONFLICT DO NOTHING`,
          [rotation.oldKey, rotation.newKey, rotation.fromSize, rotation.statement],
        );
      }
    });
  }

  /**
   * Replaces a checkpoint's signatures (the same body, signed again by a new log key) unless another instance just did,
   * and tells every process, as a new checkpoint does.
   */
  async resignCheckpoint(size: number, jws: string, note: string, was: { jws: string; note: string | null }): Promise<void> {
    await this.db.manager.query(
      `WITH updated AS (
         UPDATE log_checkpoints SET jws = $2, note = $3 WHERE size = $1 AND jws = $4 AND note IS NOT DISTINCT FROM $5 RETURNING size
       )
       SELECT pg_notify($6, $7) FROM updated`,
      [size, jws, note, was.jws, was.note, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    );
    this.changes.changed('log');
  }

  /** Gives a checkpoint stored before signed notes its note, unless another instance just did (the same bytes). */
  async saveNote(size: number, note: string): Promise<void> {
    await this.db.manager.query('UPDATE log_checkpoints SET note = $2 WHERE size = $1 AND note IS NULL', [size, note]);
  }
}

const COLUMNS = 'size, root_hash, body, jws, note';

export interface EntrySubjectRow {
  subjectType: string;
  subjectId: string;
  salt: Buffer;
  /** The state the entry digests as kept (RFC 8785 text, null once withheld), or null for an entry from before states were kept. */
  kept: KeptState | null;
}

export interface EntryToWithhold {
  subjectType: string;
  subjectId: string;
  organisationId: string | null;
  /** Whether the entry's state is kept (entries from before states were kept have none to withhold). */
  kept: boolean;
  withheld: boolean;
}

export interface KeptState {
  state: string | null;
  /** Whether the state was public when written. */
  isPublic: boolean;
  /** The entry of the operator's withholding of this state, or null. */
  withheldAt: number | null;
}

/** One link of the log's key chain: the statement (a signed note) by which `oldKey` named `newKey`. */
export interface StoredKeyRotation {
  oldKey: string;
  newKey: string;
  /** The tree size from which the new key signs. */
  fromSize: number;
  statement: string;
}

export interface StoredCheckpoint {
  size: number;
  rootHash: Buffer;
  body: string;
  jws: string;
  /** The C2SP signed note over `body`; null on a checkpoint stored before notes, until it is first served. */
  note: string | null;
}

interface CheckpointRow {
  size: string;
  root_hash: Buffer;
  body: string;
  jws: string;
  note: string | null;
}

const asCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({ size: Number(row.size), rootHash: row.root_hash, body: row.body, jws: row.jws, note: row.note });
