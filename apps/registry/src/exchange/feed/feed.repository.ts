import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { versionCoveredSql } from '../registry-read-model.js';
import type { Mode } from '../submit/read.js';
import type { NewRejection } from '../submit/submission.repository.js';
import type { FeedPosition } from './cursors.js';
import type { EventType } from '../../agreements/index.js';

/** An accepted event as stored: exactly as received, with where it stands in its source's feed. */
export interface StoredEvent {
  sequence: string;
  xid: string;
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

/** The read side of the exchange's tables: the feed of accepted events, the callers' rejections, the conformance counters. */
@Injectable()
export class FeedRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * The commit-safe feed read: a source's events after a feed position, in (transaction, sequence) order, only from
   * transactions older than the oldest one still running in this database, so that a transaction that commits late
   * can never put an event behind a position already handed out. Transactions of other databases of the cluster
   * cannot write here and do not hold the feed back (one whose database cannot be seen is assumed to be this one's).
   * Any reader that keeps its own position may poll it: the HTTP feed, or a follower delivering events.
   */
  async eventsAfter(sourceId: string, after: FeedPosition, limit: number, filter: FeedFilter): Promise<StoredEvent[]> {
    const rows = (await this.db.manager.query(
      `WITH snapshot AS (SELECT pg_current_snapshot() AS s),
            horizon AS (
              SELECT coalesce(
                (SELECT x FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
                  WHERE (x::text::numeric % 4294967296)::text NOT IN (
                    SELECT backend_xid::text FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())
                  ORDER BY x LIMIT 1),
                (SELECT pg_snapshot_xmax(s) FROM snapshot)) AS xid)
       SELECT e.sequence::text AS sequence, e.xid::text AS xid, e.ce_source, e.ce_id, e.ce_type, e.time_text, e.received_at, e.mode, e.scheme, e.keyid, e.received, e.headers
         FROM exchange_events e, horizon
        WHERE e.source_id = $1 AND ($2::text IS NULL OR e.ce_type = $2)
          AND ($6::text[] IS NULL OR ${versionCoveredSql('e.standard_version_id', '$6', '$7')})
          AND e.xid < horizon.xid
          AND (e.xid, e.sequence) > ($3::xid8, $4::bigint)
        ORDER BY e.xid, e.sequence LIMIT $5`,
      [sourceId, filter.type, after.xid, after.sequence, limit, filter.covered?.map((c) => c.standard) ?? null, filter.covered?.map((c) => c.major) ?? null],
    )) as {
      sequence: string; xid: string; ce_source: string; ce_id: string; ce_type: string; time_text: string; received_at: Date; mode: Mode; scheme: string;
      keyid: string; received: Buffer; headers: [string, string][] | null;
    }[];
    return rows.map((r) => ({
      sequence: r.sequence, xid: r.xid, source: r.ce_source, id: r.ce_id, type: r.ce_type, timeText: r.time_text, receivedAt: r.received_at, mode: r.mode,
      scheme: r.scheme, keyid: r.keyid, received: r.received, headers: r.headers,
    }));
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
