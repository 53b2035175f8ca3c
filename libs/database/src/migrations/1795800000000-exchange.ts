import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signed event exchange: accepted events kept as received, the callers' rejections, the public conformance
 * counters and the per-organisation quota.
 *
 * Reading a source's events by cursor: `sequence` comes from an identity, handed out at insert, so a transaction
 * that inserts first and commits last would put rows behind a cursor already given out. Each row therefore keeps
 * the id of the transaction that inserted it (`xid`), readers order by (xid, sequence) and return only rows from
 * transactions older than every transaction of this database still running (from `pg_current_snapshot()`): those
 * have all ended, so no row can ever appear before a position already handed out.
 */
export class Exchange1795800000000 implements MigrationInterface {
  name = 'Exchange1795800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE exchange_events (
        sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        -- No foreign keys on the hot path: the source and key are checked, locked FOR SHARE, in the inserting transaction.
        source_id uuid NOT NULL,
        ce_source text NOT NULL,
        ce_id text NOT NULL,
        ce_type text NOT NULL,
        -- As sent (served back verbatim) and as the instant it names.
        time_text text NOT NULL,
        event_time timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        mode text NOT NULL CHECK (mode IN ('binary', 'structured', 'batch')),
        -- The signature scheme version (libs/dsse SCHEME_VERSION): the extension changed format under one payloadType.
        scheme text NOT NULL,
        keyid text NOT NULL,
        organisation_id uuid NOT NULL,
        api_key_id uuid NOT NULL,
        standard_version_id uuid NOT NULL,
        -- The event's identity beside (source, id): the signed digests, not the signature bytes.
        core_digest bytea NOT NULL CHECK (length(core_digest) = 32),
        ext_digest bytea CHECK (length(ext_digest) = 32),
        dssematerial text NOT NULL,
        -- Structured and batch mode: the event object's exact bytes. Binary mode: the body, with the headers beside it.
        received bytea NOT NULL,
        headers jsonb,
        CONSTRAINT exchange_events_identity UNIQUE (ce_source, ce_id)
      );
      CREATE INDEX exchange_events_feed ON exchange_events (source_id, xid, sequence);
      CREATE INDEX exchange_events_feed_by_type ON exchange_events (source_id, ce_type, xid, sequence);

      -- What a caller's organisation submitted and was refused, with why; attributed to the API key that sent it.
      CREATE TABLE exchange_rejections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        api_key_id uuid NOT NULL,
        received_at timestamptz NOT NULL,
        mode text NOT NULL,
        batch_index integer,
        ce_source text,
        ce_id text,
        ce_type text,
        keyid text,
        signature_verified boolean NOT NULL,
        code text NOT NULL,
        check_name text NOT NULL,
        detail text NOT NULL,
        errors jsonb
      );
      CREATE INDEX exchange_rejections_by_organisation ON exchange_rejections (organisation_id, id);

      -- Public conformance: events per source, hour and outcome ('accepted' or a rejection code), counted only once
      -- their signature verified. Several shards per key, one per backend, so that writers never queue on one row.
      CREATE TABLE exchange_conformance (
        source_id uuid NOT NULL REFERENCES sources (id),
        hour timestamptz NOT NULL,
        code text NOT NULL,
        shard smallint NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        last_received_at timestamptz NOT NULL,
        PRIMARY KEY (source_id, hour, code, shard)
      );

      -- Events submitted per organisation and minute (fixed windows), against PLAZA_EXCHANGE_EVENTS_PER_MINUTE.
      CREATE TABLE exchange_quota (
        organisation_id uuid NOT NULL,
        minute timestamptz NOT NULL,
        events integer NOT NULL CHECK (events >= 0),
        PRIMARY KEY (organisation_id, minute)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE exchange_quota; DROP TABLE exchange_conformance; DROP TABLE exchange_rejections; DROP TABLE exchange_events');
  }
}
