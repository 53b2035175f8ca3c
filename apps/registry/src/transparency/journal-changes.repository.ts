import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntryFields } from '../platform/journal/journal-entry-format.js';
import type { JournalSubjects } from '../platform/journal/journaled-kind.js';
import { WITHHOLDING } from './transparency.repository.js';

/** One change as the journal's public columns tell it: what, about which record, of which organisation, when. */
export interface JournalChange extends Pick<EntryFields, 'index' | 'recordedAt' | 'action' | 'subjectType' | 'subjectId' | 'organisationId'> {
  /**
   * Who stands behind the change, as the public entry says: whether the operator's key made it, and the organisation
   * whose member issued any other key; `registry` for the registry itself (start-up, scheduled transitions); null in
   * entries older than the key (format 1), which do not say. Never the member: organisations, not people.
   */
  acting: { operator: boolean; organisationId: string | null } | 'registry' | null;
}

/** One change of a record's history: the change, and the state it recorded when anyone may read that state. */
export interface HistoryChange extends JournalChange {
  /**
   * What the log discloses of the state: `public` (kept, public when written, and given in `state`), `private` (not
   * public when written, as a draft), `withheld` by the operator (at `withheldAt`), or `not-kept` (before states were kept).
   */
  disclosure: 'public' | 'private' | 'withheld' | 'not-kept';
  state: unknown;
  withheldAt: number | null;
}

/** How many changes a page of a record's history shows. */
export const HISTORY_PAGE = 50;

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
    )) as ChangeRow[];
    return rows.map(change);
  }

  /**
   * The latest `limit` changes to these records (before the entry `before`, when given), newest first, each with the
   * state it recorded when that state was public when written and is not withheld: never a private state.
   */
  async history(subjects: readonly JournalSubjects[], before: number | null, limit: number): Promise<HistoryChange[]> {
    if (subjects.length === 0) return [];
    // One condition a kind, each on the (subject_type, subject_id, index) index: with one kind, the plain query it always was.
    const params: unknown[] = [WITHHOLDING, limit, before];
    const records = subjects.map(({ subjectType, subjectIds }) => {
      params.push(subjectType, subjectIds);
      return `(e.subject_type = $${params.length - 1} AND e.subject_id = ANY($${params.length}::text[]))`;
    });
    const rows = (await this.db.manager.query(
      `${HISTORY_CHANGE} WHERE (${records.join(' OR ')}) AND ($3::bigint IS NULL OR e.index < $3) ORDER BY e.index DESC LIMIT $2`,
      params,
    )) as HistoryRow[];
    return rows.map(historyChange);
  }

  /** Each record's latest change before the entry given with it (none for a record without one), in one read. */
  async changeBefore(records: readonly { subjectType: string; subjectId: string; before: number }[]): Promise<HistoryChange[]> {
    if (records.length === 0) return [];
    const rows = (await this.db.manager.query(
      `SELECT c.* FROM unnest($2::text[], $3::text[], $4::bigint[]) AS r(subject_type, subject_id, before)
        CROSS JOIN LATERAL (${HISTORY_CHANGE} WHERE e.subject_type = r.subject_type AND e.subject_id = r.subject_id AND e.index < r.before
                            ORDER BY e.index DESC LIMIT 1) c`,
      [WITHHOLDING, records.map((r) => r.subjectType), records.map((r) => r.subjectId), records.map((r) => r.before)],
    )) as HistoryRow[];
    return rows.map(historyChange);
  }

  /** The first entry whose state is kept: where every record's history starts (null before any is). */
  async historyBegins(): Promise<number | null> {
    const [row] = (await this.db.manager.query('SELECT min(index) AS index FROM journal_states')) as { index: string | null }[];
    return row?.index == null ? null : Number(row.index);
  }

  /** When the journal began (its first entry), or null while it is empty. */
  async began(): Promise<Date | null> {
    const [row] = (await this.db.manager.query('SELECT recorded_at FROM journal_entries WHERE index = 0')) as { recorded_at: Date }[];
    return row ? new Date(row.recorded_at) : null;
  }
}

/** A change with what the log discloses of its state ($1: the subject type of the operator's withholding entries). */
const HISTORY_CHANGE = `SELECT e.index, e.recorded_at, e.action, e.subject_type, e.subject_id, e.organisation_id, e.entry,
       s.index IS NOT NULL AS kept, s.public, s.withheld, CASE WHEN s.public AND NOT s.withheld THEN s.state END AS state, w.index AS withheld_at
  FROM journal_entries e
  LEFT JOIN journal_states s ON s.index = e.index
  LEFT JOIN journal_entries w ON w.subject_type = $1 AND w.subject_id = e.index::text`;

type HistoryRow = ChangeRow & { kept: boolean; public: boolean | null; withheld: boolean | null; state: string | null; withheld_at: string | null };

function historyChange(row: HistoryRow): HistoryChange {
  return {
    ...change(row),
    disclosure: !row.kept ? 'not-kept' : row.withheld ? 'withheld' : row.public ? 'public' : 'private',
    state: row.state === null ? null : (JSON.parse(row.state) as unknown),
    withheldAt: row.withheld_at === null ? null : Number(row.withheld_at),
  };
}

interface ChangeRow {
  index: string;
  recorded_at: Date;
  action: string;
  subject_type: string;
  subject_id: string;
  organisation_id: string | null;
  entry: Buffer | Uint8Array;
}

function change(row: ChangeRow): JournalChange {
  return {
    index: Number(row.index), recordedAt: new Date(row.recorded_at), action: row.action, subjectType: row.subject_type, subjectId: row.subject_id, organisationId: row.organisation_id,
    acting: acting(row.entry),
  };
}

/** Who stands behind an entry, read from its own public bytes (the log serves them): the key's operator mark and issuing organisation. */
function acting(entry: Buffer | Uint8Array): JournalChange['acting'] {
  const { key } = JSON.parse(Buffer.from(entry).toString('utf8')) as { key?: { operator: boolean; issuedBy: { organisation: string } | null } | null };
  if (key === undefined) return null;
  return key === null ? 'registry' : { operator: key.operator, organisationId: key.issuedBy?.organisation ?? null };
}

/** What other features may read of the journal's changes. Provided under JOURNAL_CHANGES by the transparency module. */
export type JournalChanges = Pick<JournalChangesRepository, 'latest' | 'began' | 'history' | 'changeBefore' | 'historyBegins'>;

export const JOURNAL_CHANGES = Symbol('JOURNAL_CHANGES');
