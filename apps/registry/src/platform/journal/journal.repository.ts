import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JournalEntry } from './journal-entry.entity.js';

/**
 * The journal's writes: the head (journal_head), the entries (journal_entries) and the one column every journaled
 * table shares (journal_index). Only the unit of work calls it, inside the transaction of the change it journals; the
 * transparency log reads these tables through its own repository.
 */
@Injectable()
export class JournalRepository {
  /** Serialises work that several instances may attempt at once, until the transaction ends. */
  async lock(manager: EntityManager, name: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }

  /**
   * Reserves `count` indexes and answers the first. The UPDATE locks the single head row until commit, so indexes are
   * gap-free and in commit order.
   */
  async reserve(manager: EntityManager, count: number): Promise<number> {
    const [[head]] = (await manager.query('UPDATE journal_head SET size = size + $1 WHERE id = 1 RETURNING size', [count])) as [[{ size: string }], number];
    return Number(head.size) - count;
  }

  async insert(manager: EntityManager, entries: JournalEntry[]): Promise<void> {
    await manager.insert(JournalEntry, entries);
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
