import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../prepared-statement.js';
import { versionCoveredSql } from '../registry-read-model.js';
import type { Mode } from '../submit/read.js';
import type { NewRejection } from '../submit/submission.repository.js';
import type { FeedPosition } from './cursors.js';
import type { EventType } from '../../agreements/index.js';

/** An accepted event as stored: exactly as received, with where it stands in its source's feed. */
export interface StoredEvent {
  sequence: string;
  xid: string;
  sourceId: string;
  source: string;
  id: string;
  type: string;
  timeText: string;
  receivedAt: Date;
  mode: Mode;
  scheme: string;
  keyid: string;
  received: Buffer;
  headers: [string, string][] | null;
  /** The standard and major version the event was accepted under: what an agreement covers. */
  standard: string;
  major: number;
}

/** Which of a source's events a reader may see: one CloudEvents type (null: any), of these standards and majors (null: all). */
export interface FeedFilter {
  type: string | null;
  covered: EventType[] | null;
}

export interface StoredRejection extends NewRejection {
  rejectionId: string;
}

export interface ConformanceRow {
  code: string;
  count: number;
  lastReceivedAt: Date;
}

/**
 * The oldest transaction of this database still running (or the snapshot's xmax): the feed's horizon. A named
 * CTE (`horizon`, one row, column `xid`) for the statements that need it.
 */
const HORIZON = `snapshot AS (SELECT pg_current_snapshot() AS s),
            horizon AS (
              SELECT coalesce(
                (SELECT x FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
                  WHERE (x::text::numeric % 4294967296)::text NOT IN (
                    SELECT backend_xid::text FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())
                  ORDER BY x LIMIT 1),
                (SELECT pg_snapshot_xmax(s) FROM snapshot)) AS xid)`;

/** The read side of the exchange's tables: the feed of accepted events, the callers' rejections, the conformance counters. */
@Injectable()
export class FeedRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * The commit-safe feed read: the events of these sources (null: every source) after a feed position, in
   * (transaction, sequence) order, only from transactions older than the oldest one still running in this database,
   * so that a transaction that commits late can never put an event behind a position already handed out.
   * Transactions of other databases of the cluster cannot write here and do not hold the feed back (one whose
   * database cannot be seen is assumed to be this one's). Any reader that keeps its own position may poll it: the
   * HTTP feed, a subscription's delivery, the broker's publisher.
   */
  async eventsAfter(sourceIds: readonly string[] | null, after: FeedPosition, limit: number, filter: FeedFilter, maxBytes?: number): Promise<StoredEvent[]> {
    if (sourceIds?.length === 0) return [];
    // Conditions only for what is asked: an `$n IS NULL OR ...` would keep the planner from the ordered index scan
    // that stops at the limit, and one source compared by equality (not ANY) keeps the per-source index ordered.
    const params: unknown[] = [after.xid, after.sequence, limit];
    const next = (value: unknown) => `$${params.push(value)}`;
    const conditions = ['e.xid < horizon.xid', '(e.xid, e.sequence) > ($1::xid8, $2::bigint)'];
    if (sourceIds?.length === 1) conditions.push(`e.source_id = ${next(sourceIds[0])}::uuid`);
    else if (sourceIds) conditions.push(`e.source_id = ANY(${next(sourceIds)}::uuid[])`);
    if (filter.type !== null) conditions.push(`e.ce_type = ${next(filter.type)}`);
    if (filter.covered !== null) {
      conditions.push(versionCoveredSql('e.standard_version_id', next(filter.covered.map((c) => c.standard)), next(filter.covered.map((c) => c.major))));
    }
    const page = `SELECT e.sequence::text AS sequence, e.xid::text AS xid, e.source_id, e.ce_source, e.ce_id, e.ce_type, e.time_text, e.received_at, e.mode, e.scheme,
              e.keyid, e.received, e.headers, sv.standard_id, sv.major, sum(octet_length(e.received)) OVER (ORDER BY e.xid, e.sequence) - octet_length(e.received) AS before
         FROM exchange_events e JOIN standard_versions sv ON sv.id = e.standard_version_id, horizon
        WHERE ${conditions.join(' AND ')}
        ORDER BY e.xid, e.sequence LIMIT $3`;
    // A byte budget: the events whose bytes before them stay under it (the first one always), so that a page of large
    // events cannot fill the memory of the reader (octet_length does not need the bytes themselves).
    const sql = maxBytes === undefined ? `WITH ${HORIZON} ${page}` : `WITH ${HORIZON} SELECT * FROM (${page}) page WHERE before < ${next(maxBytes)} ORDER BY xid::xid8, sequence::bigint`;
    const rows = (await this.db.manager.query(sql, params)) as {
      sequence: string; xid: string; source_id: string; ce_source: string; ce_id: string; ce_type: string; time_text: string; received_at: Date; mode: Mode; scheme: string;
      keyid: string; received: Buffer; headers: [string, string][] | null; standard_id: string; major: number;
    }[];
    return rows.map((r) => ({
      sequence: r.sequence, xid: r.xid, sourceId: r.source_id, source: r.ce_source, id: r.ce_id, type: r.ce_type, timeText: r.time_text, receivedAt: r.received_at,
      mode: r.mode, scheme: r.scheme, keyid: r.keyid, received: r.received, headers: r.headers, standard: r.standard_id, major: r.major,
    }));
  }

  /**
   * Where the feed could have moved since: the last sequence handed to an event and the horizon. While neither
   * changes, a read that found nothing finds nothing again (an event inserted meanwhile moves the sequence; its commit
   * moves the horizon when it was holding it back). A cheap look that spares idle followers their reads; prepared,
   * since planning its look at pg_stat_activity cost PostgreSQL several times what running it does.
   */
  async signal(): Promise<string> {
    const [row] = (await queryPrepared(this.db, 'exchange_feed_signal',
      `WITH ${HORIZON} SELECT (SELECT last_value FROM exchange_events_sequence)::text || '@' || (SELECT xid FROM horizon)::text AS signal`, [],
    )) as { signal: string }[];
    return row!.signal;
  }

  /** Where the feed stands now: every event after this position is from a transaction not yet visible to all. */
  async head(): Promise<FeedPosition> {
    const [row] = (await this.db.manager.query(`WITH ${HORIZON} SELECT xid::text AS xid FROM horizon`)) as { xid: string }[];
    return { xid: row!.xid, sequence: '0' };
  }

  /**
   * The position just before the first event of these sources received at or after `at`, or the head when there is
   * none. What rewinding to a point in time starts from.
   */
  async positionAt(sourceIds: readonly string[], at: Date): Promise<FeedPosition> {
    const head = await this.head();
    if (sourceIds.length === 0) return head;
    const [row] = (await this.db.manager.query(
      `SELECT xid::text AS xid, (sequence - 1)::text AS sequence FROM exchange_events
        WHERE source_id = ANY($1::uuid[]) AND received_at >= $2 ORDER BY xid, sequence LIMIT 1`,
      [sourceIds, at],
    )) as { xid: string; sequence: string }[];
    // Never beyond the head: a transaction still running (below the event found) may yet commit events received after `at`.
    return row && BigInt(row.xid) < BigInt(head.xid) ? row : head;
  }

  /** How many events of one source, of the types covered (null: all), follow a position, counted up to `cap`. */
  async backlog(sourceId: string, after: FeedPosition, cap: number, covered: EventType[] | null): Promise<number> {
    const coveredOnly = covered === null ? '' : `AND ${versionCoveredSql('standard_version_id', '$5', '$6')}`;
    const [row] = (await this.db.manager.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM exchange_events
         WHERE source_id = $1 AND (xid, sequence) > ($2::xid8, $3::bigint) ${coveredOnly} LIMIT $4) AS waiting`,
      [sourceId, after.xid, after.sequence, cap, ...(covered === null ? [] : [covered.map((c) => c.standard), covered.map((c) => c.major)])],
    )) as { n: number }[];
    return row!.n;
  }

  /** An organisation's rejections, newest first, after the cursor's. */
  async rejections(organisationId: string, before: string | null, limit: number): Promise<StoredRejection[]> {
    const rows = (await this.db.manager.query(
      // Ordered by the bigint column, qualified: a bare `id` would name the text output column and sort "99" after "100".
      `SELECT r.id::text AS id, received_at, mode, batch_index, ce_source, ce_id, ce_type, keyid, signature_verified, code, check_name, detail, errors
         FROM exchange_rejections r
        WHERE organisation_id = $1 AND ($2::bigint IS NULL OR r.id < $2::bigint)
        ORDER BY r.id DESC LIMIT $3`,
      [organisationId, before, limit],
    )) as {
      id: string; received_at: Date; mode: Mode; batch_index: number | null; ce_source: string | null; ce_id: string | null; ce_type: string | null;
      keyid: string | null; signature_verified: boolean; code: string; check_name: string; detail: string; errors: NewRejection['errors'];
    }[];
    return rows.map((r) => ({
      rejectionId: r.id, receivedAt: r.received_at, mode: r.mode, index: r.batch_index, source: r.ce_source, id: r.ce_id, type: r.ce_type, keyid: r.keyid,
      signatureVerified: r.signature_verified, code: r.code, check: r.check_name, detail: r.detail, errors: r.errors,
    }));
  }

  /** A source's conformance counters, summed over hours and shards, by outcome. */
  async conformance(sourceId: string): Promise<ConformanceRow[]> {
    const rows = (await this.db.manager.query(
      'SELECT code, sum(count)::text AS count, max(last_received_at) AS last FROM exchange_conformance WHERE source_id = $1 GROUP BY code ORDER BY code',
      [sourceId],
    )) as { code: string; count: string; last: Date }[];
    return rows.map((r) => ({ code: r.code, count: Number(r.count), lastReceivedAt: r.last }));
  }
}
