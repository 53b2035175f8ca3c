import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runPrepared } from '../prepared-statement.js';

/** The exchange's quota table: events submitted per organisation and minute (fixed windows). */
@Injectable()
export class QuotaRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Before any transaction, in one statement: counts `events` against the organisation's quota for the current
   * minute, adding them only if the total stays within `limit`. Its own transaction, committed without waiting for
   * the disk (a lost increment after a crash costs nothing), so the organisation's quota row is held only for the
   * statement. False when the events would not fit.
   */
  async admit(quota: { organisationId: string; minute: Date; events: number; limit: number }): Promise<boolean> {
    const runner = this.db.createQueryRunner();
    const rows = (await runPrepared(runner.manager, 'exchange_admit',
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO exchange_quota AS q (organisation_id, minute, events)
       SELECT $1::uuid, $2::timestamptz, $3::integer FROM relaxed WHERE $3::integer <= $4::integer
       ON CONFLICT (organisation_id, minute) DO UPDATE SET events = q.events + excluded.events WHERE q.events + excluded.events <= $4::integer
       RETURNING (xmax = 0) AS inserted`,
      [quota.organisationId, quota.minute, quota.events, quota.limit],
    ).finally(() => runner.release())) as { inserted: boolean }[];
    if (rows[0]?.inserted) {
      // A new minute: the organisation's earlier minutes are no longer needed.
      await this.db.manager.query('DELETE FROM exchange_quota WHERE organisation_id = $1 AND minute < $2', [quota.organisationId, quota.minute]);
    }
    return rows.length > 0;
  }
}
