import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A month's partition of exchange_events (UTC months), or the DEFAULT partition (no bounds). */
export interface EventPartition {
  name: string;
  from: Date | null;
  to: Date | null;
}

/** Who sent events of which source under which retention: one agreement version signed by every party. */
export interface RetentionTerm {
  vendorId: string;
  sourceId: string;
  retention: string;
}

/** Events of this source sent by this vendor and received before `cutoff` are past their retention. */
export interface DueEvents {
  sourceId: string;
  vendorId: string;
  cutoff: Date;
}

const MONTH_PARTITION = /^exchange_events_y(\d{4})m(\d{2})$/;
/** The partitions' names come from the catalogue or from MONTH_PARTITION's form; quoted all the same. */
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
/**
 * How long a partition's DDL may wait for its lock. While it waits, every statement on the table queues behind it, so
 * it gives up soon and the next run tries again: a month is made ahead of time and an empty month waits for nothing.
 */
const DDL_LOCK_TIMEOUT = '200ms';

/** The name of the partition of the UTC month starting at `from`. */
export const monthPartitionName = (from: Date) => `exchange_events_y${from.getUTCFullYear()}m${String(from.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * The statements of event retention and of the partitions' upkeep (see ExchangeEventPartitions1796700000000): each
 * one short and on its own, outside any request's transaction, so it never holds locks long while events flow.
 */
@Injectable()
export class RetentionRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The partitions of exchange_events: the months oldest first, then the DEFAULT partition. */
  async partitions(): Promise<EventPartition[]> {
    const rows = (await this.db.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'exchange_events'::regclass`,
    )) as { name: string; is_default: boolean }[];
    const months: EventPartition[] = [];
    const other: EventPartition[] = [];
    for (const row of rows) {
      const month = MONTH_PARTITION.exec(row.name);
      if (month && !row.is_default) {
        const from = new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1));
        months.push({ name: row.name, from, to: new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1)) });
      } else {
        other.push({ name: row.name, from: null, to: null });
      }
    }
    return [...months.sort((a, b) => a.from!.getTime() - b.from!.getTime()), ...other];
  }

  /**
   * Makes the partition of the UTC month starting at `from`, unless it exists. Built beside the table and attached
   * (CREATE TABLE ... PARTITION OF would lock out every reader and writer of the table), after moving into it any rows
   * the DEFAULT partition took for that month while it was missing. Attaching locks the DEFAULT partition exclusively
   * while it is scanned: brief when it is empty, as it is when months are made ahead (the job makes next month's); the
   * lock timeout bounds the wait for it. Several instances take turns on an advisory lock. Answers whether it made it.
   */
  async createMonth(from: Date): Promise<boolean> {
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const name = monthPartitionName(from);
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('plaza.exchange.partitions'))`);
      await manager.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
      const [exists] = (await manager.query('SELECT to_regclass($1) IS NOT NULL AS found', [name])) as { found: boolean }[];
      if (exists!.found) return false;
      await manager.query(`CREATE TABLE ${quoted(name)} (LIKE exchange_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      // No row of that month enters the DEFAULT partition between the move and the attachment, which would refuse it.
      await manager.query('LOCK TABLE exchange_events_default IN SHARE ROW EXCLUSIVE MODE');
      await manager.query(
        `WITH moved AS (DELETE FROM exchange_events_default WHERE received_at >= $1 AND received_at < $2 RETURNING *)
         INSERT INTO ${quoted(name)} SELECT * FROM moved`,
        [from, to],
      );
      await manager.query(`ALTER TABLE exchange_events ATTACH PARTITION ${quoted(name)} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
      return true;
    });
  }

  /**
   * What each agreement version signed by every party says of retention, per vendor and source it names, for the
   * vendors that do not own the source (the owner's own events are governed by no agreement).
   * Reads the agreements feature's agreement_versions (vendor_ids, source_ids, retention, signatures_completed_at)
   * and the sources feature's sources (owner_id): the columns the exchange's READ_MODEL_COLUMNS declares.
   */
  async terms(): Promise<RetentionTerm[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT vendor.id AS vendor_id, source.id AS source_id, v.retention
         FROM agreement_versions v
        CROSS JOIN LATERAL jsonb_array_elements_text(v.vendor_ids) AS vendor (id)
        CROSS JOIN LATERAL jsonb_array_elements_text(v.source_ids) AS source (id)
         JOIN sources s ON s.id = source.id::uuid
        WHERE v.signatures_completed_at IS NOT NULL AND s.owner_id <> vendor.id::uuid`,
    )) as { vendor_id: string; source_id: string; retention: string }[];
    return rows.map((r) => ({ vendorId: r.vendor_id, sourceId: r.source_id, retention: r.retention }));
  }

  /**
   * Deletes at most `limit` events of one partition that are past their retention, and their identities (only the
   * identity of the deleted event: a later acceptance of the same pair has another sequence). Answers how many.
   * Each due pair is read, oldest first, from the partition's (source_id, organisation_id, received_at) index: the
   * order keeps the planner on the index even when most rows are due, where a sequential scan would read again, each
   * statement, the pages the statements before it emptied.
   */
  async deleteDue(partition: string, due: DueEvents[], limit: number): Promise<number> {
    if (due.length === 0) return 0;
    const [row] = (await this.db.query(
      `WITH due AS (
              SELECT e.ctid FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS r (source_id, organisation_id, cutoff)
               CROSS JOIN LATERAL (SELECT ctid FROM ${quoted(partition)} e
                                    WHERE e.source_id = r.source_id AND e.organisation_id = r.organisation_id AND e.received_at < r.cutoff
                                    ORDER BY e.received_at LIMIT $4) e
               LIMIT $4),
            gone AS (DELETE FROM ${quoted(partition)} e WHERE e.ctid = ANY (ARRAY(SELECT ctid FROM due)) RETURNING e.ce_source, e.ce_id, e.sequence),
            forgotten AS (DELETE FROM exchange_event_identities i USING gone WHERE i.ce_source = gone.ce_source AND i.ce_id = gone.ce_id AND i.sequence = gone.sequence)
       SELECT count(*)::integer AS deleted FROM gone`,
      [due.map((d) => d.sourceId), due.map((d) => d.vendorId), due.map((d) => d.cutoff), limit],
    )) as { deleted: number }[];
    return row!.deleted;
  }

  /**
   * Drops a partition that holds no event. The emptiness is checked again under the lock that dropping takes anyway
   * (the whole table's, briefly), after a VACUUM has cut the emptied partition down, so that check reads nothing.
   * Answers whether it dropped it.
   */
  async dropIfEmpty(partition: string): Promise<boolean> {
    if (!(await this.isEmpty(partition))) return false;
    await this.db.query(`VACUUM ${quoted(partition)}`);
    return this.db.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
      await manager.query('LOCK TABLE exchange_events IN ACCESS EXCLUSIVE MODE');
      const [row] = (await manager.query(`SELECT NOT EXISTS (SELECT 1 FROM ${quoted(partition)}) AS empty`)) as { empty: boolean }[];
      if (!row!.empty) return false;
      await manager.query(`DROP TABLE ${quoted(partition)}`);
      return true;
    });
  }

  private async isEmpty(partition: string): Promise<boolean> {
    const [row] = (await this.db.query(`SELECT NOT EXISTS (SELECT 1 FROM ${quoted(partition)}) AS empty`)) as { empty: boolean }[];
    return row!.empty;
  }
}
