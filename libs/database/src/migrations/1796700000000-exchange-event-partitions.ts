import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accepted events partitioned by month of receipt, so that the table holds at tens of millions of rows and retention
 * can drop a month that has emptied instead of vacuuming it away.
 *
 * A unique constraint on a partitioned table must include the partition key, so the event's identity, (ce_source,
 * ce_id) -> sequence, digests and receipt, moves to its own unpartitioned table, written in the same statement as
 * the event: the storing statement inserts the identities ON CONFLICT DO NOTHING and the events of the identities it
 * inserted. `sequence` stays one bigint sequence for every partition, handed out at insert, and each event keeps the
 * transaction that inserted it (`xid`): the feed's (xid, sequence) order and its hold-back of running transactions do
 * not depend on the table's layout.
 *
 * Partitions are named exchange_events_yYYYYmMM and bounded by UTC months; this migration makes one for every month
 * that holds events, the current one and the next; the exchange's retention job makes the months ahead from then on.
 * The DEFAULT partition takes any row whose month has no partition yet, so an insert never fails for a missing month.
 * Each partition indexes (source_id, xid, sequence) and (source_id, ce_type, xid, sequence) for the feed, and
 * (source_id, organisation_id, received_at) for retention, all growing at their right-hand end per source: nothing
 * keyed at random is indexed beside the identities.
 */
export class ExchangeEventPartitions1796700000000 implements MigrationInterface {
  name = 'ExchangeEventPartitions1796700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- Months are UTC months, whatever the server's time zone (the migration runs in its own transaction).
      SET LOCAL TIME ZONE 'UTC';
      ALTER TABLE exchange_events RENAME TO exchange_events_unpartitioned;
      ALTER INDEX exchange_events_pkey RENAME TO exchange_events_unpartitioned_pkey;
      ALTER INDEX exchange_events_identity RENAME TO exchange_events_unpartitioned_identity;
      ALTER INDEX exchange_events_feed RENAME TO exchange_events_unpartitioned_feed;
      ALTER INDEX exchange_events_feed_by_type RENAME TO exchange_events_unpartitioned_feed_by_type;

      -- Identities: what the first acceptance of (source, id) said, answered to every retry, and the one place two
      -- concurrent inserts of the same pair meet (the second waits for the first to commit or roll back).
      CREATE TABLE exchange_event_identities (
        ce_source text NOT NULL,
        ce_id text NOT NULL,
        sequence bigint NOT NULL,
        core_digest bytea NOT NULL CHECK (length(core_digest) = 32),
        ext_digest bytea CHECK (length(ext_digest) = 32),
        received_at timestamptz NOT NULL,
        PRIMARY KEY (ce_source, ce_id)
      );
      INSERT INTO exchange_event_identities (ce_source, ce_id, sequence, core_digest, ext_digest, received_at)
      SELECT ce_source, ce_id, sequence, core_digest, ext_digest, received_at FROM exchange_events_unpartitioned;

      -- Going on from the old identity column's sequence: no number handed out before is handed out again.
      CREATE SEQUENCE exchange_events_sequence AS bigint;
      SELECT setval('exchange_events_sequence',
        greatest(coalesce(pg_sequence_last_value(pg_get_serial_sequence('exchange_events_unpartitioned', 'sequence')::regclass), 0),
                 coalesce((SELECT max(sequence) FROM exchange_events_unpartitioned), 0)) + 1, false);

      CREATE TABLE exchange_events (
        sequence bigint NOT NULL DEFAULT nextval('exchange_events_sequence'),
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
        -- The event's identity beside (source, id), as in exchange_event_identities: the signed digests, not the signature bytes.
        core_digest bytea NOT NULL CHECK (length(core_digest) = 32),
        ext_digest bytea CHECK (length(ext_digest) = 32),
        dssematerial text NOT NULL,
        -- Structured and batch mode: the event object's exact bytes. Binary mode: the body, with the headers beside it.
        received bytea NOT NULL,
        headers jsonb
      ) PARTITION BY RANGE (received_at);
      ALTER SEQUENCE exchange_events_sequence OWNED BY exchange_events.sequence;
      CREATE INDEX exchange_events_feed ON exchange_events (source_id, xid, sequence);
      -- A feed read of one type would otherwise walk all of a source's events to find few or none of a rare type.
      CREATE INDEX exchange_events_feed_by_type ON exchange_events (source_id, ce_type, xid, sequence);
      CREATE INDEX exchange_events_retention ON exchange_events (source_id, organisation_id, received_at);
      CREATE TABLE exchange_events_default PARTITION OF exchange_events DEFAULT;

      DO $$
      DECLARE
        month timestamptz;
      BEGIN
        FOR month IN
          SELECT date_trunc('month', received_at) FROM exchange_events_unpartitioned
           UNION SELECT date_trunc('month', now()) UNION SELECT date_trunc('month', now()) + interval '1 month'
           ORDER BY 1
        LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF exchange_events FOR VALUES FROM (%L) TO (%L)',
            'exchange_events_y' || to_char(month, 'YYYY"m"MM'), month, month + interval '1 month');
        END LOOP;
      END $$;

      INSERT INTO exchange_events (sequence, xid, source_id, ce_source, ce_id, ce_type, time_text, event_time, received_at, mode, scheme, keyid, organisation_id,
                                   api_key_id, standard_version_id, core_digest, ext_digest, dssematerial, received, headers)
      SELECT sequence, xid, source_id, ce_source, ce_id, ce_type, time_text, event_time, received_at, mode, scheme, keyid, organisation_id,
             api_key_id, standard_version_id, core_digest, ext_digest, dssematerial, received, headers
        FROM exchange_events_unpartitioned ORDER BY sequence;
      DROP TABLE exchange_events_unpartitioned;
    `);
  }

  /** Back to one table, each event keeping its sequence and transaction, the identity constraint on it again. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE exchange_events RENAME TO exchange_events_partitioned;
      ALTER INDEX exchange_events_feed RENAME TO exchange_events_partitioned_feed;
      ALTER INDEX exchange_events_feed_by_type RENAME TO exchange_events_partitioned_feed_by_type;
      ALTER INDEX exchange_events_retention RENAME TO exchange_events_partitioned_retention;
      CREATE TABLE exchange_events (
        sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        source_id uuid NOT NULL,
        ce_source text NOT NULL,
        ce_id text NOT NULL,
        ce_type text NOT NULL,
        time_text text NOT NULL,
        event_time timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        mode text NOT NULL CHECK (mode IN ('binary', 'structured', 'batch')),
        scheme text NOT NULL,
        keyid text NOT NULL,
        organisation_id uuid NOT NULL,
        api_key_id uuid NOT NULL,
        standard_version_id uuid NOT NULL,
        core_digest bytea NOT NULL CHECK (length(core_digest) = 32),
        ext_digest bytea CHECK (length(ext_digest) = 32),
        dssematerial text NOT NULL,
        received bytea NOT NULL,
        headers jsonb,
        CONSTRAINT exchange_events_identity UNIQUE (ce_source, ce_id)
      );
      INSERT INTO exchange_events (sequence, xid, source_id, ce_source, ce_id, ce_type, time_text, event_time, received_at, mode, scheme, keyid, organisation_id,
                                   api_key_id, standard_version_id, core_digest, ext_digest, dssematerial, received, headers)
      OVERRIDING SYSTEM VALUE
      SELECT sequence, xid, source_id, ce_source, ce_id, ce_type, time_text, event_time, received_at, mode, scheme, keyid, organisation_id,
             api_key_id, standard_version_id, core_digest, ext_digest, dssematerial, received, headers
        FROM exchange_events_partitioned ORDER BY sequence;
      SELECT setval(pg_get_serial_sequence('exchange_events', 'sequence'), (SELECT last_value FROM exchange_events_sequence), (SELECT is_called FROM exchange_events_sequence));
      CREATE INDEX exchange_events_feed ON exchange_events (source_id, xid, sequence);
      CREATE INDEX exchange_events_feed_by_type ON exchange_events (source_id, ce_type, xid, sequence);
      DROP TABLE exchange_events_partitioned;
      DROP TABLE exchange_event_identities;
    `);
  }
}
