import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery, the exchange's second half: subscriptions that push accepted events to their parties' webhooks, and the
 * cursors of the followers that publish them to a broker.
 *
 * A subscription is a registry record (journaled, `journal_index`); its delivery state (position, attempts, lease)
 * is not: it moves with every delivery and is written by the delivering process alone. The position is a feed
 * position, (xid, sequence), never a bare sequence: the feed is ordered by commit. `lease_generation` grows each time
 * a process takes the subscription over, and every write of delivery state names the generation it holds, so a
 * process that lost its lease (paused, or presumed dead and taken over) cannot move the position any more.
 *
 * A deleted subscription keeps its row (state `deleted`, credential erased): its journal entries stay disclosable.
 *
 * The broker follower reads every source's events in commit order, hence the index on (xid, sequence).
 */
export class Delivery1796800000000 implements MigrationInterface {
  name = 'Delivery1796800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE exchange_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        -- Null: every source the organisation may read, now and later.
        source_id uuid REFERENCES sources (id),
        types text[],
        filters jsonb NOT NULL,
        protocol text NOT NULL CHECK (protocol = 'HTTP'),
        sink text NOT NULL,
        batching boolean NOT NULL,
        max_batch_size integer NOT NULL CHECK (max_batch_size BETWEEN 1 AND 1000),
        -- Requests a minute asked for in the handshake, and what the sink allowed (null: unlimited, or not yet asked).
        requested_rate integer NOT NULL CHECK (requested_rate > 0),
        allowed_rate integer CHECK (allowed_rate > 0),
        -- AES-256-GCM, never served back nor journaled.
        sink_credential bytea,
        -- The handshake's callback secret (AES-256-GCM like the credential): one per validation, so a callback URL
        -- an administrator opens later still works while the registry keeps asking.
        callback_secret bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('validating', 'active', 'paused', 'failing', 'ended', 'deleted')),
        state_reason text,
        position_xid xid8 NOT NULL,
        position_sequence bigint NOT NULL,
        delivered_count bigint NOT NULL DEFAULT 0,
        last_delivered_sequence bigint,
        last_delivered_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz,
        lease_owner text,
        lease_generation bigint NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX exchange_subscriptions_by_organisation ON exchange_subscriptions (organisation_id, created_at, id);
      CREATE INDEX exchange_subscriptions_due ON exchange_subscriptions (lease_expires_at) WHERE state IN ('validating', 'active');

      CREATE TABLE exchange_broker_cursors (
        name text PRIMARY KEY,
        position_xid xid8 NOT NULL,
        position_sequence bigint NOT NULL,
        published_count bigint NOT NULL DEFAULT 0,
        lease_owner text,
        lease_generation bigint NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE INDEX exchange_events_commit_order ON exchange_events (xid, sequence);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX exchange_events_commit_order;
      DROP TABLE exchange_broker_cursors;
      DROP TABLE exchange_subscriptions;
    `);
  }
}
