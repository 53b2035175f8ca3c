import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntryFields } from '../platform/journal/journal-entry-format.js';

/** One change as the journal's public columns tell it: what, about which record, of which organisation, when. */
export interface JournalChange extends Pick<EntryFields, 'index' | 'recordedAt' | 'action' | 'subjectType' | 'subjectId' | 'organisationId'> {
  /**
   * Who stands behind the change, as the public entry says: whether the operator's key made it, and the organisation
   * whose member issued any other key; `registry` for the registry itself (start-up, scheduled transitions); null in
   * entries older than the key (format 1), which do not say. Never the member: organisations, not people.
   */
  acting: { operator: boolean; organisationId: string | null } | 'registry' | null;
}

/**
 * Which changes: any combination of an organisation's (its records' entries), one kind of record's (or one record's,
 * with its id), and those recorded in [from, until). Nothing set: every change.
 */
export interface JournalChangeFilter {
  organisationId?: string;
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  until?: Date;
}

/**
 * The journal read newest first, a page at a time, for those who follow its changes (the change feeds, the log page in
 * words). Pages are keyed on the index, which is gap-free and in commit order, so a reader paging back sees each entry
 * once however many are appended meanwhile. Never the salt, the member or the key: only what anyone may know.
 */
@Injectable()
export class JournalChangesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** At most `limit` changes matching `filter` with an index below `before` (all when null), newest first. */
  async latest(filter: JournalChangeFilter, before: number | null, limit: number): Promise<JournalChange[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (column: string, value: unknown, operator = '=') => {
      params.push(value);
      conditions.push(`${column} ${operator} $${params.length}`);
    };
    if (filter.organisationId !== undefined) where('organisation_id', filter.organisationId);
    if (filter.subjectType !== undefined) where('subject_type', filter.subjectType);
    if (filter.subjectId !== undefined) where('subject_id', filter.subjectId);
    if (filter.from !== undefined) where('recorded_at', filter.from, '>=');
    if (filter.until !== undefined) where('recorded_at', filter.until, '<');
    if (before !== null) {
      params.push(before);
      conditions.push(`index < $${params.length}`);
    }
    params.push(limit);
    const rows = (await this.db.manager.query(
      `SELECT index, recorded_at, action, subject_type, subject_id, organisation_id, entry FROM journal_entries
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY index DESC LIMIT $${params.length}`,
      params,
    )) as { index: string; recorded_at: Date; action: string; subject_type: string; subject_id: string; organisation_id: string | null; entry: Buffer | Uint8Array }[];
    return rows.map((row) => ({
      index: Number(row.index), recordedAt: new Date(row.recorded_at), action: row.action, subjectType: row.subject_type, subjectId: row.subject_id, organisationId: row.organisation_id,
      acting: acting(row.entry),
    }));
  }

  /** When the journal began (its first entry), or null while it is empty. */
  async began(): Promise<Date | null> {
    const [row] = (await this.db.manager.query('SELECT recorded_at FROM journal_entries WHERE index = 0')) as { recorded_at: Date }[];
    return row ? new Date(row.recorded_at) : null;
  }
}

/** Who stands behind an entry, read from its own public bytes (the log serves them): the key's operator mark and issuing organisation. */
function acting(entry: Buffer | Uint8Array): JournalChange['acting'] {
  const { key } = JSON.parse(Buffer.from(entry).toString('utf8')) as { key?: { operator: boolean; issuedBy: { organisation: string } | null } | null };
  if (key === undefined) return null;
  return key === null ? 'registry' : { operator: key.operator, organisationId: key.issuedBy?.organisation ?? null };
}

/** What other features may read of the journal's changes. Provided under JOURNAL_CHANGES by the transparency module. */
export type JournalChanges = Pick<JournalChangesRepository, 'latest' | 'began'>;

export const JOURNAL_CHANGES = Symbol('JOURNAL_CHANGES');
