import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { appendLeafHashes } from '#plaza/merkle';
import { MerkleNodeRepository, treeHasher } from './merkle-node.repository.js';
import type { JournalEntry } from './journal-entry.entity.js';
import { JournalRepository } from './journal.repository.js';
import type { Actor } from '../../kernel/auth/actor.js';
import { encodeEntry, newSalt, stateDigest, stateText } from './journal-entry-format.js';
import { JOURNALED_KINDS, type JournaledKind } from './journaled-kind.js';
import { RegistryChanges } from '../registry-changes/registry-changes.js';

/** A change to one record, as the journal sees it. */
export interface Change {
  action: string;
  /** The kind of record changed: one of the kinds listed in the composition root, or the unit of work refuses the write. */
  kind: JournaledKind;
  subjectId: string;
  /** The organisation the record belongs to. */
  organisationId: string | null;
  /** The record's new state, as it is served (digested, never stored in the entry; kept beside it in journal_states). */
  state: unknown;
  /**
   * Whether anyone may read this state, by the record's own feature's public-read rule as it stands now: the log then
   * discloses it, with its salt, for as long as it is not withheld, even after the record moves on. A state that was
   * not public when written (a draft) stays private, whatever the record becomes.
   */
  isPublic: boolean;
  /** The record's entity, whose `journalIndex` is set to the index of this change. */
  record?: { constructor: Function; journalIndex: number | null };
  recordKey?: Record<string, unknown>;
}

/** The transaction a unit of work hands to its callback. Changes recorded here are journaled at commit. */
export class Transaction {
  readonly changes: Change[] = [];

  constructor(readonly manager: EntityManager) {}

  record(change: Change): void {
    this.changes.push(change);
  }
}

export class UnjournaledWriteError extends Error {
  constructor() {
    super('a registry write finished without recording a change; it was rolled back');
  }
}

export class UnlistedKindError extends Error {
  constructor(subjectType: string) {
    super(`a change to a ${subjectType} was recorded, but that kind is not in the composition root's list; the write was rolled back`);
  }
}

/**
 * The only way to write to the registry. One database transaction runs the feature's work and then
 * appends a journal entry for every change it recorded, so a change without its entry, or an entry
 * without its change, cannot be committed: both commit together or neither does.
 *
 * Indexes come from the single journal_head row, locked by the UPDATE until commit: they are gap-free
 * and in commit order. The lock is taken last, after the feature's own work, to hold it briefly. While it is held,
 * the leaf hash of each new entry is appended to the transparency log's Merkle tree (apps/registry/src/transparency/).
 *
 * Every change is announced (RegistryChanges): the transaction notifies the other processes when it commits, and this
 * process's caches are told before run() returns, so the caller's next request already sees the change.
 */
@Injectable()
export class UnitOfWork {
  private readonly kinds: ReadonlySet<JournaledKind>;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(JournalRepository) private readonly journal: JournalRepository,
    @Inject(JOURNALED_KINDS) kinds: readonly JournaledKind[],
    @Inject(RegistryChanges) private readonly changes: RegistryChanges,
  ) {
    this.kinds = new Set(kinds);
  }

  /** How many entries the journal holds: every change committed so far (the log's tree size). */
  size(): Promise<number> {
    return this.journal.size(this.db.manager);
  }

  async run<T>(actor: Actor, work: (tx: Transaction) => Promise<T>): Promise<T> {
    let committing = false;
    try {
      return await this.db.transaction(async (manager) => {
        const tx = new Transaction(manager);
        const result = await work(tx);
        if (tx.changes.length === 0) throw new UnjournaledWriteError();
        // The log can disclose a record only through its kind: an unlisted kind would journal entries it must later refuse.
        const unlisted = tx.changes.find((change) => !this.kinds.has(change.kind));
        if (unlisted) throw new UnlistedKindError(unlisted.kind.subjectType);
        await this.append(manager, actor, tx.changes);
        committing = true;
        return result;
      });
    } finally {
      // Also when the commit failed: it may have committed all the same, and emptying a cache is always safe.
      if (committing) this.changes.changed();
    }
  }

  /**
   * For start-up work that several instances may attempt at once (importing the standards, creating the
   * operator): runs under a transaction-scoped advisory lock, and when the work finds nothing to change
   * (another instance got there first) it rolls back and returns false instead of failing.
   */
  async runOnce(actor: Actor, lockName: string, work: (tx: Transaction) => Promise<void>): Promise<boolean> {
    try {
      await this.run(actor, async (tx) => {
        await this.journal.lock(tx.manager, lockName);
        await work(tx);
      });
      return true;
    } catch (error) {
      if (error instanceof UnjournaledWriteError) return false;
      throw error;
    }
  }

  private async append(manager: EntityManager, actor: Actor, changes: Change[]): Promise<void> {
    const first = await this.journal.reserve(manager, changes.length, this.changes.notice());
    const recordedAt = new Date();
    const rows = changes.map((change, offset): JournalEntry => {
      const index = first + offset;
      const salt = newSalt();
      const entry = encodeEntry({
        index,
        recordedAt,
        action: change.action,
        subjectType: change.kind.subjectType,
        subjectId: change.subjectId,
        organisationId: change.organisationId,
        actorId: actor.memberId,
        key: actor.key,
        stateDigest: stateDigest(salt, change.state),
      });
      return {
        index,
        entry,
        action: change.action,
        subjectType: change.kind.subjectType,
        subjectId: change.subjectId,
        organisationId: change.organisationId,
        actorId: actor.memberId,
        keyId: actor.key?.id ?? null,
        salt,
        recordedAt,
      };
    });
    await this.journal.insert(manager, rows);
    await this.journal.keepStates(manager, changes.map((change, offset) => ({ index: first + offset, state: stateText(change.state), isPublic: change.isPublic })));
    // The transparency log's tree grows with the journal, under the same lock: the tree's size is always journal_head.size.
    // One read (the right edge of the tree at `first`) and one write (the new leaves and completed subtrees).
    const leafHashes = await Promise.all(rows.map((row) => treeHasher.leaf(row.entry)));
    await appendLeafHashes(new MerkleNodeRepository(manager), treeHasher, first, leafHashes);
    for (const [offset, change] of changes.entries()) {
      if (!change.record) continue;
      await this.journal.pointAt(manager, change.record.constructor, change.recordKey ?? { id: change.subjectId }, first + offset);
      change.record.journalIndex = first + offset;
    }
  }
}

/** The state a journal entry digests: the record as served, without the index the entry itself assigns. */
export function journalState<T extends { journalIndex: unknown }>(served: T): Omit<T, 'journalIndex'> {
  const { journalIndex: _ignored, ...state } = served;
  return state;
}
