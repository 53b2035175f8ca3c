import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SCHEME_VERSION } from '#plaza/dsse';
import { runPrepared } from '../prepared-statement.js';
import type { Mode } from './read.js';

/** A new event row: everything needed to serve it back exactly as received, and who sent it, how and when. */
export interface NewEvent extends Submitter {
  receivedAt: Date;
  mode: Mode;
  sourceId: string;
  source: string;
  id: string;
  type: string;
  timeText: string;
  time: Date;
  keyid: string;
  standardVersionId: string;
  coreDigest: Buffer;
  extDigest: Buffer | null;
  dssematerial: string;
  received: Buffer;
  headers: [string, string][] | null;
}

/** What the first acceptance of an event said: repeated, with `duplicate`, to every idempotent retry. */
export interface StoredIdentity {
  sequence: string;
  source: string;
  id: string;
  coreDigest: Buffer;
  extDigest: Buffer | null;
  receivedAt: Date;
}

export interface NewRejection {
  receivedAt: Date;
  mode: Mode;
  index: number | null;
  source: string | null;
  id: string | null;
  type: string | null;
  keyid: string | null;
  signatureVerified: boolean;
  code: string;
  check: string;
  detail: string;
  errors: { pointer: string; detail: string }[] | null;
}

/** Conformance to add: events of a source with one outcome ('accepted' or a rejection code). */
export interface ConformanceCount {
  sourceId: string;
  code: string;
  count: number;
}

/** Who submitted: the organisation and the API key every stored row is attributed to. */
export interface Submitter {
  organisationId: string;
  apiKeyId: string;
}

/** A rejection row with the submitter it is attributed to. */
export type SubmittedRejection = NewRejection & Submitter;

/** Counter shards per source, hour and code: each backend writes its own, so concurrent requests never wait on one row. */
const COUNTER_SHARDS = 16;

/** INSERT of rejections from the 14 arrays at $first.. (see rejectionParams). */
const insertRejectionsSql = (first: number) => {
  const $ = (n: number) => `$${first + n}`;
  return `INSERT INTO exchange_rejections (received_at, mode, batch_index, ce_source, ce_id, ce_type, keyid, signature_verified, code, check_name, detail, errors,
                                        organisation_id, api_key_id)
       SELECT * FROM unnest(${$(0)}::timestamptz[], ${$(1)}::text[], ${$(2)}::integer[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[],
                            ${$(7)}::boolean[], ${$(8)}::text[], ${$(9)}::text[], ${$(10)}::text[], ${$(11)}::jsonb[], ${$(12)}::uuid[], ${$(13)}::uuid[])`;
};
const rejectionParams = (rejections: SubmittedRejection[]) => [
  rejections.map((r) => r.receivedAt), rejections.map((r) => r.mode), rejections.map((r) => r.index), rejections.map((r) => r.source),
  rejections.map((r) => r.id), rejections.map((r) => r.type), rejections.map((r) => r.keyid), rejections.map((r) => r.signatureVerified),
  rejections.map((r) => r.code), rejections.map((r) => r.check), rejections.map((r) => r.detail), rejections.map((r) => (r.errors ? JSON.stringify(r.errors) : null)),
  rejections.map((r) => r.organisationId), rejections.map((r) => r.apiKeyId),
];

/**
 * Adds to the conformance counters the counts in the 3 arrays at $first.. (source ids, codes, counts), plus the rows
 * (source id, code, count) of `more`, at the instant $at. One row per key, taken in key order (no deadlock between
 * requests counting the same sources).
 */
const countSql = (first: number, at: number, more?: string) => `INSERT INTO exchange_conformance AS c (source_id, hour, code, shard, count, last_received_at)
       SELECT t.source_id, date_trunc('hour', $${at}::timestamptz), t.code, pg_backend_pid() % ${COUNTER_SHARDS}, sum(t.count), $${at}::timestamptz
         FROM (SELECT * FROM unnest($${first}::uuid[], $${first + 1}::text[], $${first + 2}::bigint[])${more ? ` UNION ALL ${more}` : ''}) AS t(source_id, code, count)
        GROUP BY t.source_id, t.code ORDER BY t.source_id, t.code
       ON CONFLICT (source_id, hour, code, shard)
       DO UPDATE SET count = c.count + excluded.count, last_received_at = greatest(c.last_received_at, excluded.last_received_at)`;
const countParams = (counts: ConformanceCount[]) => [counts.map((c) => c.sourceId), counts.map((c) => c.code), counts.map((c) => c.count)];

const NO_DIGEST = Buffer.alloc(32);

/**
 * The events' bytes as three binary parameters: `pg` sends a Buffer as binary but encodes an array of them as hex
 * text (twice the size, and a string built per event), so the received bytes go as one buffer with offsets and
 * lengths, and the 32-byte digests as one buffer each, the nth at n * 32 (a zero filler where there is no extension).
 */
function packed(events: NewEvent[]): { received: Buffer; offsets: number[]; lengths: number[]; core: Buffer; ext: Buffer } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 0;
  for (const e of events) {
    // A digest of another length would shift every digest after it: the checks never make one, so this is the registry's bug.
    if (e.coreDigest.length !== 32 || (e.extDigest !== null && e.extDigest.length !== 32)) throw new Error('a digest is not 32 bytes');
    offsets.push(at);
    lengths.push(e.received.length);
    at += e.received.length;
  }
  return {
    received: Buffer.concat(events.map((e) => e.received), at),
    offsets,
    lengths,
    core: Buffer.concat(events.map((e) => e.coreDigest), events.length * 32),
    ext: Buffer.concat(events.map((e) => e.extDigest ?? NO_DIGEST), events.length * 32),
  };
}

const toIdentity = (row: { sequence: string; ce_source: string; ce_id: string; core_digest: Buffer; ext_digest: Buffer | null; received_at: Date }): StoredIdentity => ({
  sequence: row.sequence, source: row.ce_source, id: row.ce_id, coreDigest: row.core_digest, extDigest: row.ext_digest, receivedAt: row.received_at,
});

/**
 * What a submission writes: the accepted events and their identities, the rejections and the conformance counters. Events are
 * not registry records (no journal entry each): they are written in multi-row statements inside the one transaction
 * that also runs their checks, with the rows those checks read locked FOR SHARE (see RegistryReadModel) so that a
 * revocation, suspension or termination committing first is seen, and one committing later waits for the events to
 * commit.
 */
@Injectable()
export class SubmissionRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Runs `work` in one transaction whose statements use generic plans. PostgreSQL plans a prepared statement again at
   * every execution while a generic plan looks dearer than a custom one, which it does for the locking statement's
   * array parameters: that planning was about 250 µs of the server's CPU a group, more than the statement itself.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.query('START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan');
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Stores a group's outcome in one statement: claims each event's identity (a pair already claimed is left alone;
   * ON CONFLICT DO NOTHING waits for a concurrent insert of the same pair to commit or roll back), inserts the events
   * whose identity it claimed (the first of any pair repeated in `events`), the rejections, and adds to the
   * conformance counters, at `countedAt`, the given counts plus one `accepted` per event inserted. Returns the
   * identities it claimed.
   */
  async store(events: NewEvent[], rejections: SubmittedRejection[], counts: ConformanceCount[], countedAt: Date, manager: EntityManager): Promise<StoredIdentity[]> {
    const bytes = packed(events);
    const rows = (await runPrepared(manager, 'exchange_store',
      `WITH e AS (
              SELECT e.*, substring($9::bytea FROM e.n::integer * 32 - 31 FOR 32) AS core_digest,
                     CASE WHEN e.has_ext THEN substring($10::bytea FROM e.n::integer * 32 - 31 FOR 32) END AS ext_digest,
                     substring($13::bytea FROM e.at + 1 FOR e.length) AS received
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::uuid[], $11::boolean[],
                            $12::text[], $14::integer[], $15::integer[], $16::jsonb[], $17::timestamptz[], $18::text[], $19::uuid[], $20::uuid[])
                     WITH ORDINALITY AS e(source_id, ce_source, ce_id, ce_type, time_text, event_time, keyid, standard_version_id, has_ext,
                                          dssematerial, at, length, headers, received_at, mode, organisation_id, api_key_id, n)),
            claimed AS (
              INSERT INTO exchange_event_identities (ce_source, ce_id, sequence, core_digest, ext_digest, received_at)
              SELECT ce_source, ce_id, nextval('exchange_events_sequence'), core_digest, ext_digest, received_at FROM e ORDER BY n
              ON CONFLICT (ce_source, ce_id) DO NOTHING
              RETURNING sequence, ce_source, ce_id, core_digest, ext_digest, received_at),
            ins AS (
              INSERT INTO exchange_events (sequence, source_id, ce_source, ce_id, ce_type, time_text, event_time, keyid, standard_version_id, core_digest, ext_digest,
                                           dssematerial, received, headers, received_at, mode, organisation_id, api_key_id, scheme)
              SELECT DISTINCT ON (c.sequence) c.sequence, e.source_id, e.ce_source, e.ce_id, e.ce_type, e.time_text, e.event_time, e.keyid, e.standard_version_id,
                     e.core_digest, e.ext_digest, e.dssematerial, e.received, e.headers, e.received_at, e.mode, e.organisation_id, e.api_key_id, $21
                FROM claimed c JOIN e ON e.ce_source = c.ce_source AND e.ce_id = c.ce_id
               ORDER BY c.sequence, e.n
              RETURNING source_id),
            rejected AS (${insertRejectionsSql(23)}),
            counted AS (${countSql(37, 22, `SELECT source_id, 'accepted', 1::bigint FROM ins`)})
       SELECT sequence::text AS sequence, ce_source, ce_id, core_digest, ext_digest, received_at FROM claimed ORDER BY sequence`,
      [
        events.map((e) => e.sourceId), events.map((e) => e.source), events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.timeText),
        events.map((e) => e.time), events.map((e) => e.keyid), events.map((e) => e.standardVersionId), bytes.core, bytes.ext, events.map((e) => e.extDigest !== null),
        events.map((e) => e.dssematerial), bytes.received, bytes.offsets, bytes.lengths, events.map((e) => (e.headers ? JSON.stringify(e.headers) : null)),
        events.map((e) => e.receivedAt), events.map((e) => e.mode), events.map((e) => e.organisationId), events.map((e) => e.apiKeyId), SCHEME_VERSION,
        countedAt, ...rejectionParams(rejections), ...countParams(counts),
      ],
    )) as Parameters<typeof toIdentity>[0][];
    return rows.map(toIdentity);
  }

  /** The stored identities of these (source, id) pairs. */
  async identities(pairs: { source: string; id: string }[], manager: EntityManager): Promise<StoredIdentity[]> {
    if (pairs.length === 0) return [];
    const rows = (await manager.query(
      `SELECT sequence::text AS sequence, ce_source, ce_id, core_digest, ext_digest, received_at FROM exchange_event_identities
        WHERE (ce_source, ce_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [pairs.map((p) => p.source), pairs.map((p) => p.id)],
    )) as Parameters<typeof toIdentity>[0][];
    return rows.map(toIdentity);
  }

  /**
   * Adds to the conformance counters (per source, hour and code). Each backend adds to its own shard, so concurrent
   * requests about one source never queue on a row.
   */
  async countConformance(counts: ConformanceCount[], receivedAt: Date, manager: EntityManager): Promise<void> {
    if (counts.length === 0) return;
    await manager.query(countSql(1, 4), [...countParams(counts), receivedAt]);
  }

  async insertRejections(rejections: SubmittedRejection[], manager: EntityManager): Promise<void> {
    if (rejections.length === 0) return;
    await manager.query(insertRejectionsSql(1), rejectionParams(rejections));
  }
}
