import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JournalEntry } from './journal-entry.entity.js';
import { REGISTRY_CHANGES_CHANNEL } from '../registry-changes/registry-changes.js';

/**
 * The journal's writes: the head (journal_head), the entries (journal_entries), the states they digest (journal_states) and the one column every journaled
 * table shares (journal_index), and the head's size. Only the unit of work calls it, inside the transaction of the
 * change it journals (or for the size); the transparency log reads these tables through its own repository.
 */
@Injectable()
export class JournalRepository {
  /** Serialises work that several instances may attempt at once, until the transaction ends. */
  async lock(manager: EntityManager, name: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }

  /**
   * Reserves `count` indexes and answers the first. The UPDATE locks the single head row until commit, so indexes are
   * gap-free and in commit order. The same statement queues the notification of the change (sent by PostgreSQL only
   * if the transaction commits), so the other processes' caches learn of it at no extra round trip; `origin` lets
   * this process, which tells its own caches directly, ignore it.
   */
  async reserve(manager: EntityManager, count: number, origin: string): Promise<number> {
    const [[head]] = (await manager.query('UPDATE journal_head SET size = size + $1 WHERE id = 1 RETURNING size, pg_notify($2, $3)', [
      count,
      REGISTRY_CHANGES_CHANNEL,
      origin,
    ])) as [[{ size: string }], number];
    return Number(head.size) - count;
  }

  async size(manager: EntityManager): Promise<number> {
    const [head] = (await manager.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
    return Number(head!.size);
  }

  async insert(manager: EntityManager, entries: JournalEntry[]): Promise<void> {
    await manager.insert(JournalEntry, entries);
  }

  /** Keeps the state each new entry digests, as its RFC 8785 text, and whether it was public when written. */
  async keepStates(manager: EntityManager, states: { index: number; state: string; isPublic: boolean }[]): Promise<void> {
    await manager.query(
      'INSERT INTO journal_states (index, state, public) SELECT * FROM unnest($1::bigint[], $2::text[], $3::boolean[])',
      [states.map((s) => s.index), states.map((s) => s.state), states.map((s) => s.isPublic)],
    );
  }

  /**
   * Points a record at its entry, touching nothing else: an ORM update would also move `updated_at`, and the record
   * would then differ from the state its entry digests (when the change itself left the row as it was).
   */
  async pointAt(manager: EntityManager, entity: Function, key: Record<string, unknown>, index: number): Promise<void> {
    const metadata = manager.connection.getMetadata(entity);
    const keys = Object.entries(key).map(([property, value]) => ({ column: metadata.findColumnWithPropertyName(property)!.databaseName, value }));
    const where = keys.map(({ column }, i) => `"${column}" = $${i + 2}`).join(' AND ');
    await manager.query(`UPDATE "${metadata.tableName}" SET journal_index = $1 WHERE ${where}`, [index, ...keys.map(({ value }) => value)]);
  }
}
