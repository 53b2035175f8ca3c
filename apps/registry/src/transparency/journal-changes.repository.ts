import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One change as the journal's public columns tell it: what, about which record, of which organisation, when. */
export interface JournalChange {
  index: number;
  recordedAt: Date;
  action: string;
  subjectType: string;
  subjectId: string;
  organisationId: string | null;
}

/** Which changes: every one, an organisation's (its records' entries), or one record's. */
export type JournalChangeFilter = { organisationId: string } | { subjectType: string; subjectId: string } | Record<string, never>;

/**
 * The journal read newest first, a page at a time, for those who follow its changes (the change feeds, the log page in
 * words). Pages are keyed on the index, which is gap-free and in commit order, so a reader paging back sees each entry
 * once however many are appended meanwhile. Never the salt, the actor or the key: only what anyone may know.
 */
@Injectable()
export class JournalChangesRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** At most `limit` changes matching `filter` with an index below `before` (all when null), newest first. */
  async latest(filter: JournalChangeFilter, before: number | null, limit: number): Promise<JournalChange[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if ('organisationId' in filter) {
      params.push(filter.organisationId);
      conditions.push(`organisation_id = $${params.length}`);
    }
    if ('subjectType' in filter) {
      params.push(filter.subjectType, filter.subjectId);
      conditions.push(`subject_type = $${params.length - 1} AND subject_id = $${params.length}`);
    }
    if (before !== null) {
      params.push(before);
      conditions.push(`index < $${params.length}`);
    }
    params.push(limit);
    const rows = (await this.db.manager.query(
      `SELECT index, recorded_at, action, subject_type, subject_id, organisation_id FROM journal_entries
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY index DESC LIMIT $${params.length}`,
      params,
    )) as { index: string; recorded_at: Date; action: string; subject_type: string; subject_id: string; organisation_id: string | null }[];
    return rows.map((row) => ({
      index: Number(row.index), recordedAt: new Date(row.recorded_at), action: row.action, subjectType: row.subject_type, subjectId: row.subject_id, organisationId: row.organisation_id,
    }));
  }

  /** When the journal began (its first entry), or null while it is empty. */
  async began(): Promise<Date | null> {
    const [row] = (await this.db.manager.query('SELECT recorded_at FROM journal_entries WHERE index = 0')) as { recorded_at: Date }[];
    return row ? new Date(row.recorded_at) : null;
  }
}

/** What other features may read of the journal's changes. Provided under JOURNAL_CHANGES by the transparency module. */
export type JournalChanges = Pick<JournalChangesRepository, 'latest' | 'began'>;

export const JOURNAL_CHANGES = Symbol('JOURNAL_CHANGES');
