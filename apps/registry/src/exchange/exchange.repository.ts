import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Mode } from './received-event.js';
import { Agreement, AgreementVersion, type EventType } from '../agreements/index.js';
import { type SigningKey } from '../signing-keys/index.js';
import { type Source } from '../sources/index.js';
import { type StandardVersion } from '../standards/index.js';

/** What the exchange reads of a signing key, a source and a published standard version: only these columns are fetched. */
export type ExchangeKey = Pick<SigningKey, 'kid' | 'organisationId' | 'jwk' | 'validFrom' | 'expiresAt' | 'revokedAt'>;
export type ExchangeSource = Pick<Source, 'id' | 'ownerId' | 'operatorId' | 'status' | 'personalInformation' | 'standards' | 'ceSource'>;
export type ExchangeVersion = Pick<StandardVersion, 'id' | 'standardId' | 'major' | 'schemaUri' | 'status'>;
export interface ExchangeStandard {
  id: string;
  ceType: string;
}

/** A new event row: everything needed to serve it back exactly as received. */
export interface NewEvent {
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

export interface StoredRejection extends NewRejection {
  rejectionId: string;
}

/** A feed position: the inserting transaction and the row's sequence (see the migration). */
export interface FeedPosition {
  xid: string;
  sequence: string;
}

export interface ConformanceRow {
  code: string;
  count: number;
  lastReceivedAt: Date;
}

/** Counter shards per source, hour and code: each backend writes its own, so concurrent requests never wait on one row. */
const COUNTER_SHARDS = 16;

/** Conformance to add: events of a source with one outcome ('accepted' or a rejection code). */
export interface ConformanceCount {
  sourceId: string;
  code: string;
  count: number;
}

/** INSERT of rejections from 12 arrays at $first.. ; $who and $who + 1 are the organisation and the API key. */
const insertRejectionsSql = (first: number, who: number) => {
  const $ = (n: number) => `$${first + n}`;
  return `INSERT INTO exchange_rejections (received_at, mode, batch_index, ce_source, ce_id, ce_type, keyid, signature_verified, code, check_name, detail, errors,
                                        organisation_id, api_key_id)
       SELECT r.*, $${who}::uuid, $${who + 1}::uuid
         FROM unnest(${$(0)}::timestamptz[], ${$(1)}::text[], ${$(2)}::integer[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[], ${$(7)}::boolean[],
                     ${$(8)}::text[], ${$(9)}::text[], ${$(10)}::text[], ${$(11)}::jsonb[]) AS r`;
};
const rejectionParams = (rejections: NewRejection[]) => [
  rejections.map((r) => r.receivedAt), rejections.map((r) => r.mode), rejections.map((r) => r.index), rejections.map((r) => r.source),
  rejections.map((r) => r.id), rejections.map((r) => r.type), rejections.map((r) => r.keyid), rejections.map((r) => r.signatureVerified),
  rejections.map((r) => r.code), rejections.map((r) => r.check), rejections.map((r) => r.detail), rejections.map((r) => (r.errors ? JSON.stringify(r.errors) : null)),
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

const toIdentity = (row: { sequence: string; ce_source: string; ce_id: string; core_digest: Buffer; ext_digest: Buffer | null; received_at: Date }): StoredIdentity => ({
  sequence: row.sequence, source: row.ce_source, id: row.ce_id, coreDigest: row.core_digest, extDigest: row.ext_digest, receivedAt: row.received_at,
});

// Rows as the driver gives them, or as to_jsonb renders them (timestamps as text): both become Dates.
interface KeyRow { kid: string; organisation_id: string; jwk: Record<string, string>; valid_from: Date | string; expires_at: Date | string | null; revoked_at: Date | string | null }
interface SourceRow {
  id: string; owner_id: string; operator_id: string; status: Source['status']; personal_information: boolean; standards: Source['standards']; ce_source: string;
}
const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const toKey = (r: KeyRow): ExchangeKey => ({
  kid: r.kid, organisationId: r.organisation_id, jwk: r.jwk, validFrom: instant(r.valid_from)!, expiresAt: instant(r.expires_at), revokedAt: instant(r.revoked_at),
});
interface StandardRow { standard_id: string; ce_type: string; id: string | null; major: number; schema_uri: string; status: StandardVersion['status'] }
const toStandards = (rows: StandardRow[]): { standards: ExchangeStandard[]; versions: ExchangeVersion[] } => ({
  standards: [...new Map(rows.map((r) => [r.standard_id, { id: r.standard_id, ceType: r.ce_type }])).values()],
  versions: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, standardId: r.standard_id, major: r.major, schemaUri: r.schema_uri, status: r.status })),
});
const toSource = (r: SourceRow): ExchangeSource => ({
  id: r.id, ownerId: r.owner_id, operatorId: r.operator_id, status: r.status, personalInformation: r.personal_information, standards: r.standards, ceSource: r.ce_source,
});

/**
 * Runs one of the hot path's statements as a named prepared statement on the query runner's connection, so that
 * PostgreSQL parses it once per connection instead of once per request (and less text is sent each time).
 */
async function prepared(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<unknown> {
  const client = (await manager.queryRunner!.connect()) as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> };
  return (await client.query({ name, text, values })).rows;
}

/**
 * Every query of the exchange. Events are not registry records (no journal entry each): they are written in
 * multi-row statements inside the one transaction that also runs their checks, with the rows those checks read
 * locked FOR SHARE so that a revocation, suspension or termination committing first is seen, and one committing
 * later waits for the events to commit.
 */
@Injectable()
export class ExchangeRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /**
   * Before any transaction, in one statement: counts `events` against the organisation's quota for the current
   * minute (adding them only if the total stays within `limit`), and reads the signing keys by kid and the standards
   * named by these CloudEvents types with their versions named by these dataschema URIs (no schema bodies). Its own
   * transaction, committed without waiting for the disk (a lost increment after a crash costs nothing), so the
   * organisation's quota row is held only for the statement. `admitted` is false when the events would not fit.
   */
  async admit(
    quota: { organisationId: string; minute: Date; events: number; limit: number },
    kids: string[], types: string[], schemaUris: string[],
  ): Promise<{ admitted: boolean; keys: ExchangeKey[]; standards: ExchangeStandard[]; versions: ExchangeVersion[] }> {
    const runner = this.db.createQueryRunner();
    const rows = (await prepared(runner.manager, 'exchange_admit',
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
            q AS (INSERT INTO exchange_quota AS q (organisation_id, minute, events)
                  SELECT $1::uuid, $2::timestamptz, $3::integer FROM relaxed WHERE $3::integer <= $4::integer
                  ON CONFLICT (organisation_id, minute) DO UPDATE SET events = q.events + excluded.events WHERE q.events + excluded.events <= $4::integer
                  RETURNING (xmax = 0) AS inserted),
            k AS (SELECT kid, organisation_id, jwk, valid_from, expires_at, revoked_at FROM signing_keys WHERE kid = ANY($5::text[])),
            st AS (SELECT s.id AS standard_id, s.ce_type, v.id, v.major, v.schema_uri, v.status
                     FROM standards s LEFT JOIN standard_versions v ON v.standard_id = s.id AND v.schema_uri = ANY($7::text[])
                    WHERE s.ce_type = ANY($6::text[]))
       SELECT 'quota' AS kind, to_jsonb(q) AS row FROM q
       UNION ALL SELECT 'key', to_jsonb(k) FROM k
       UNION ALL SELECT 'standard', to_jsonb(st) FROM st`,
      [quota.organisationId, quota.minute, quota.events, quota.limit, kids, types, schemaUris],
    ).finally(() => runner.release())) as ({ kind: 'quota'; row: { inserted: boolean } } | { kind: 'key'; row: KeyRow } | { kind: 'standard'; row: StandardRow })[];
    const admitted = rows.find((r) => r.kind === 'quota');
    if (admitted && (admitted.row as { inserted: boolean }).inserted) {
      // A new minute: the organisation's earlier minutes are no longer needed.
      await this.db.manager.query('DELETE FROM exchange_quota WHERE organisation_id = $1 AND minute < $2', [quota.organisationId, quota.minute]);
    }
    return {
      admitted: admitted !== undefined,
      keys: rows.flatMap((r) => (r.kind === 'key' ? [toKey(r.row)] : [])),
      ...toStandards(rows.flatMap((r) => (r.kind === 'standard' ? [r.row] : []))),
    };
  }

  /**
   * In the event transaction, one statement locks FOR SHARE the signing keys, the sources, and the agreements with a
   * version covering a source the caller does not own (revoking a key, changing a source's status, suspending or
   * terminating an agreement lock the same rows FOR UPDATE). The keys and sources come back as locked, so as last
   * committed; the agreements' versions must be read by a later statement (see `versions`).
   */
  async lockRegistry(kids: string[], ceSources: string[], organisationId: string, manager: EntityManager): Promise<{ keys: ExchangeKey[]; sources: ExchangeSource[]; agreements: Agreement[] }> {
    const rows = (await prepared(manager, 'exchange_lock_registry',
      `WITH k AS (SELECT kid, organisation_id, jwk, valid_from, expires_at, revoked_at FROM signing_keys WHERE kid = ANY($1::text[]) ORDER BY kid FOR SHARE),
            s AS (SELECT id, owner_id, operator_id, status, personal_information, standards, ce_source FROM sources WHERE ce_source = ANY($2::text[]) ORDER BY id FOR SHARE),
            a AS (SELECT a.id, a.city_id, a.created_at FROM agreements a
                   WHERE a.id IN (SELECT v.agreement_id FROM agreement_versions v JOIN s ON v.source_ids ? s.id::text WHERE s.owner_id <> $3::uuid)
                   ORDER BY a.id FOR SHARE OF a)
       SELECT 'key' AS kind, to_jsonb(k) AS row FROM k
       UNION ALL SELECT 'source', to_jsonb(s) FROM s
       UNION ALL SELECT 'agreement', to_jsonb(a) FROM a`,
      [kids, ceSources, organisationId],
    )) as ({ kind: 'key'; row: KeyRow } | { kind: 'source'; row: SourceRow } | { kind: 'agreement'; row: { id: string; city_id: string; created_at: string } })[];
    const locked = { keys: [] as ExchangeKey[], sources: [] as ExchangeSource[], agreements: [] as Agreement[] };
    for (const { kind, row } of rows) {
      if (kind === 'key') locked.keys.push(toKey(row));
      else if (kind === 'source') locked.sources.push(toSource(row));
      else locked.agreements.push({ id: row.id, cityId: row.city_id, createdAt: new Date(row.created_at) } as Agreement);
    }
    return locked;
  }

  /** The versions of these agreements: the columns that say what is in force when, and for what. */
  async versions(agreementIds: string[], manager: EntityManager): Promise<AgreementVersion[]> {
    if (agreementIds.length === 0) return [];
    const rows = (await prepared(manager, 'exchange_agreement_versions',
      `SELECT id, agreement_id, number, status, vendor_ids, source_ids, event_types, allowed_fields, valid_from, valid_until, privacy_record_ids,
              signatures_completed_at, history
         FROM agreement_versions WHERE agreement_id = ANY($1::uuid[]) ORDER BY agreement_id, number`,
      [agreementIds],
    )) as {
      id: string; agreement_id: string; number: number; status: AgreementVersion['status']; vendor_ids: string[]; source_ids: string[];
      event_types: AgreementVersion['eventTypes']; allowed_fields: AgreementVersion['allowedFields']; valid_from: Date; valid_until: Date;
      privacy_record_ids: string[]; signatures_completed_at: Date | null; history: AgreementVersion['history'];
    }[];
    return rows.map((v) => ({
      id: v.id, agreementId: v.agreement_id, number: v.number, status: v.status, vendorIds: v.vendor_ids, sourceIds: v.source_ids, eventTypes: v.event_types,
      allowedFields: v.allowed_fields, validFrom: v.valid_from, validUntil: v.valid_until, privacyRecordIds: v.privacy_record_ids,
      signaturesCompletedAt: v.signatures_completed_at, history: v.history,
    }) as AgreementVersion);
  }

  /** The standards named by these CloudEvents types, with their versions named by these dataschema URIs (one query, no schema bodies). */
  async standards(types: string[], schemaUris: string[]): Promise<{ standards: ExchangeStandard[]; versions: ExchangeVersion[] }> {
    if (types.length === 0) return { standards: [], versions: [] };
    const rows = (await this.db.manager.query(
      `SELECT s.id AS standard_id, s.ce_type, v.id, v.major, v.schema_uri, v.status
         FROM standards s LEFT JOIN standard_versions v ON v.standard_id = s.id AND v.schema_uri = ANY($2::text[])
        WHERE s.ce_type = ANY($1::text[])`,
      [types, schemaUris],
    )) as StandardRow[];
    return toStandards(rows);
  }

  /** The JSON Schemas of these published versions (each is needed once per process: the catalogue compiles and keeps it). */
  async schemas(schemaUris: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (schemaUris.length === 0) return new Map();
    const rows = (await this.db.manager.query('SELECT schema_uri, schema FROM standard_versions WHERE schema_uri = ANY($1::text[])', [schemaUris])) as {
      schema_uri: string; schema: Record<string, unknown>;
    }[];
    return new Map(rows.map((r) => [r.schema_uri, r.schema]));
  }

  /**
   * Stores a request's outcome in one statement: inserts the events (an event whose (source, id) exists is left
   * alone; ON CONFLICT DO NOTHING waits for a concurrent insert of the same pair to commit or roll back), the
   * rejections, and adds to the conformance counters the given counts plus one `accepted` per event inserted.
   * Returns the rows it inserted.
   */
  async store(
    events: NewEvent[], meta: { receivedAt: Date; mode: Mode; scheme: string; organisationId: string; apiKeyId: string },
    rejections: NewRejection[], counts: ConformanceCount[], manager: EntityManager,
  ): Promise<StoredIdentity[]> {
    const rows = (await prepared(manager, 'exchange_store',
      `WITH ins AS (
              INSERT INTO exchange_events (source_id, ce_source, ce_id, ce_type, time_text, event_time, keyid, standard_version_id, core_digest, ext_digest,
                                           dssematerial, received, headers, received_at, mode, scheme, organisation_id, api_key_id)
              SELECT e.*, $14::timestamptz, $15, $16, $17::uuid, $18::uuid
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::uuid[], $9::bytea[], $10::bytea[],
                            $11::text[], $12::bytea[], $13::jsonb[]) AS e
              ON CONFLICT (ce_source, ce_id) DO NOTHING
              RETURNING sequence, source_id, ce_source, ce_id, core_digest, ext_digest, received_at),
            rejected AS (${insertRejectionsSql(19, 17)}),
            counted AS (${countSql(31, 14, `SELECT source_id, 'accepted', 1::bigint FROM ins`)})
       SELECT sequence::text AS sequence, ce_source, ce_id, core_digest, ext_digest, received_at FROM ins`,
      [
        events.map((e) => e.sourceId), events.map((e) => e.source), events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.timeText),
        events.map((e) => e.time), events.map((e) => e.keyid), events.map((e) => e.standardVersionId), events.map((e) => e.coreDigest),
        events.map((e) => e.extDigest), events.map((e) => e.dssematerial), events.map((e) => e.received), events.map((e) => (e.headers ? JSON.stringify(e.headers) : null)),
        meta.receivedAt, meta.mode, meta.scheme, meta.organisationId, meta.apiKeyId,
        ...rejectionParams(rejections), ...countParams(counts),
      ],
    )) as Parameters<typeof toIdentity>[0][];
    return rows.map(toIdentity);
  }

  /** The stored identities of these (source, id) pairs. */
  async identities(pairs: { source: string; id: string }[], manager: EntityManager): Promise<StoredIdentity[]> {
    if (pairs.length === 0) return [];
    const rows = (await manager.query(
      `SELECT sequence::text AS sequence, ce_source, ce_id, core_digest, ext_digest, received_at FROM exchange_events
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

  async conformance(sourceId: string): Promise<ConformanceRow[]> {
    const rows = (await this.db.manager.query(
      'SELECT code, sum(count)::text AS count, max(last_received_at) AS last FROM exchange_conformance WHERE source_id = $1 GROUP BY code ORDER BY code',
      [sourceId],
    )) as { code: string; count: string; last: Date }[];
    return rows.map((r) => ({ code: r.code, count: Number(r.count), lastReceivedAt: r.last }));
  }

  async insertRejections(rejections: NewRejection[], who: { organisationId: string; apiKeyId: string }, manager: EntityManager = this.db.manager): Promise<void> {
    if (rejections.length === 0) return;
    await manager.query(insertRejectionsSql(1, 13), [...rejectionParams(rejections), who.organisationId, who.apiKeyId]);
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

  /**
   * A source's events after a feed position, in (transaction, sequence) order, only from transactions older than the
   * oldest one still running in this database: a transaction that commits late can never put an event behind a
   * position already handed out. Transactions of other databases of the cluster cannot write here and do not hold
   * the feed back (one whose database cannot be seen is assumed to be this one's). `covered` (null: every type)
   * keeps only the events of these standards and majors.
   */
  async feed(sourceId: string, type: string | null, covered: EventType[] | null, after: FeedPosition, limit: number): Promise<StoredEvent[]> {
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
          AND ($6::text[] IS NULL OR EXISTS (
                SELECT 1 FROM standard_versions sv
                 WHERE sv.id = e.standard_version_id AND (sv.standard_id, sv.major) IN (SELECT * FROM unnest($6::text[], $7::integer[]))))
          AND e.xid < horizon.xid
          AND (e.xid, e.sequence) > ($3::xid8, $4::bigint)
        ORDER BY e.xid, e.sequence LIMIT $5`,
      [sourceId, type, after.xid, after.sequence, limit, covered?.map((c) => c.standard) ?? null, covered?.map((c) => c.major) ?? null],
    )) as {
      sequence: string; xid: string; ce_source: string; ce_id: string; ce_type: string; time_text: string; received_at: Date; mode: Mode; scheme: string;
      keyid: string; received: Buffer; headers: [string, string][] | null;
    }[];
    return rows.map((r) => ({
      sequence: r.sequence, xid: r.xid, source: r.ce_source, id: r.ce_id, type: r.ce_type, timeText: r.time_text, receivedAt: r.received_at, mode: r.mode,
      scheme: r.scheme, keyid: r.keyid, received: r.received, headers: r.headers,
    }));
  }

  async findSource(where: { id: string } | { ceSource: string }): Promise<Pick<Source, 'id' | 'ownerId' | 'ceSource'> | null> {
    const [column, value] = 'id' in where ? ['id', where.id] : ['ce_source', where.ceSource];
    const [row] = (await this.db.manager.query(`SELECT id, owner_id, ce_source FROM sources WHERE ${column} = $1`, [value])) as { id: string; owner_id: string; ce_source: string }[];
    return row ? { id: row.id, ownerId: row.owner_id, ceSource: row.ce_source } : null;
  }
}
