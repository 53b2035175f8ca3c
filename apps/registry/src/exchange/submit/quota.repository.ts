import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../prepared-statement.js';

/** How one organisation's share of a group fared: the events it took (null: none fitted) and its count for the minute after. */
export interface QuotaTaken {
  organisationId: string;
  took: number | null;
  /** The minute's count once this statement ran (null when a concurrent statement changed it first: ask again). */
  counted: number | null;
}

/** The exchange's quota table: events submitted per organisation and minute (fixed windows). */
@Injectable()
export class QuotaRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * In one statement, for a group of requests (each an organisation and its number of events, in the group's order):
   * each organisation takes the longest run of its requests, in order, that fits within `limit` for the minute. Its
   * own transaction, committed without waiting for the disk (a lost increment after a crash costs nothing), so the
   * quota rows are held only for the statement. The count is read, then added to only if it has not changed past
   * the limit meanwhile; an organisation whose `counted` comes back null lost that race and may be asked again.
   */
  async take(minute: Date, requests: readonly { organisationId: string; events: number }[], limit: number): Promise<QuotaTaken[]> {
    const rows = (await queryPrepared(this.db, 'exchange_quota_take',
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
            req AS (SELECT * FROM unnest($1::uuid[], $2::integer[]) WITH ORDINALITY AS r(organisation_id, events, i)),
            cur AS (SELECT organisation_id, events FROM exchange_quota WHERE minute = $3 AND organisation_id IN (SELECT organisation_id FROM req)),
            run AS (SELECT req.organisation_id, coalesce(cur.events, 0) AS before,
                           sum(req.events) OVER (PARTITION BY req.organisation_id ORDER BY req.i) AS cum
                      FROM req LEFT JOIN cur USING (organisation_id)),
            fit AS (SELECT organisation_id, min(before) AS before, max(cum) FILTER (WHERE before + cum <= $4) AS took FROM run GROUP BY organisation_id),
            up AS (INSERT INTO exchange_quota AS q (organisation_id, minute, events)
                   SELECT organisation_id, $3, took FROM fit, relaxed WHERE took IS NOT NULL ORDER BY organisation_id
                   ON CONFLICT (organisation_id, minute) DO UPDATE SET events = q.events + excluded.events WHERE q.events + excluded.events <= $4
                   RETURNING organisation_id, events, (xmax = 0) AS inserted)
       SELECT fit.organisation_id::text AS organisation_id, fit.took::integer AS took, fit.before::integer AS before, up.events AS counted, up.inserted
         FROM fit LEFT JOIN up USING (organisation_id)`,
      [requests.map((r) => r.organisationId), requests.map((r) => r.events), minute, limit],
    )) as { organisation_id: string; took: number | null; before: number; counted: number | null; inserted: boolean | null }[];
    const fresh = rows.filter((r) => r.inserted).map((r) => r.organisation_id);
    if (fresh.length > 0) {
      // A new minute: these organisations' earlier minutes are no longer needed.
      await this.db.manager.query('DELETE FROM exchange_quota WHERE organisation_id = ANY($1::uuid[]) AND minute < $2', [fresh, minute]);
    }
    return rows.map((r) => ({ organisationId: r.organisation_id, took: r.took, counted: r.took === null ? r.before : r.counted }));
  }
}
