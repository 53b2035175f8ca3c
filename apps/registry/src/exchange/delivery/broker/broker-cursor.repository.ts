import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FeedPosition } from '../../feed/cursors.js';

/** A lease on a broker cursor: the generation to present when advancing, and where the cursor stands. */
export interface BrokerLease {
  generation: string;
  position: FeedPosition;
}

/**
 * The broker's cursors (`exchange_broker_cursors`): one leased feed position per stream. Every statement runs on its
 * own, outside any transaction, and never while the publisher waits on NATS: a transaction holding an xid would hold
 * back the feed's horizon, so no reader of the feed (HTTP, subscriptions, the broker itself) would see newer events.
 */
@Injectable()
export class BrokerCursorRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Makes the cursor at `head` unless it exists. A new broker starts at the feed's head rather than replaying every
   * stored event into a stream nobody has read yet; an operator who wants history replays it from the HTTP feed.
   */
  async ensure(name: string, head: FeedPosition): Promise<void> {
    await this.db.query('INSERT INTO exchange_broker_cursors (name, position_xid, position_sequence) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
      name, head.xid, head.sequence,
    ]);
  }

  /**
   * Takes or renews the lease for `seconds`; null while another owner holds it. The generation grows only when the
   * lease changes hands, so a former holder's advance (with the generation it held) is refused from then on.
   */
  async lease(name: string, owner: string, seconds: number): Promise<BrokerLease | null> {
    // Wrapped in a SELECT so both database drivers answer the rows alone (a bare UPDATE answers rows and a count).
    const [row] = (await this.db.query(
      `WITH taken AS (
         UPDATE exchange_broker_cursors
            SET lease_generation = lease_generation + CASE WHEN lease_owner = $2 THEN 0 ELSE 1 END,
                lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
          WHERE name = $1 AND (lease_owner = $2 OR lease_expires_at IS NULL OR lease_expires_at < now())
          RETURNING lease_generation, position_xid, position_sequence)
       SELECT lease_generation::text AS generation, position_xid::text AS xid, position_sequence::text AS sequence FROM taken`,
      [name, owner, seconds],
    )) as { generation: string; xid: string; sequence: string }[];
    return row ? { generation: row.generation, position: { xid: row.xid, sequence: row.sequence } } : null;
  }

  /** Moves the cursor past `published` events, unless the lease changed hands since `generation` was taken (false). */
  async advance(name: string, generation: string, to: FeedPosition, published: number): Promise<boolean> {
    const rows = (await this.db.query(
      `WITH moved AS (
         UPDATE exchange_broker_cursors
            SET position_xid = $3, position_sequence = $4, published_count = published_count + $5, updated_at = now()
          WHERE name = $1 AND lease_generation = $2
          RETURNING name)
       SELECT name FROM moved`,
      [name, generation, to.xid, to.sequence, published],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Gives the lease up at once (a clean shutdown), so another instance need not wait for it to expire. */
  async release(name: string, generation: string): Promise<void> {
    await this.db.query('UPDATE exchange_broker_cursors SET lease_expires_at = NULL, updated_at = now() WHERE name = $1 AND lease_generation = $2', [name, generation]);
  }
}
