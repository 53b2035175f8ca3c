import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery, UUID_KEY } from '../../kernel/paging/paging.js';
import { queryPrepared } from '../prepared-statement.js';
import type { FeedPosition } from '../feed/cursors.js';
import { Subscription } from './subscription.entity.js';

/** What a new subscription is given; it starts `validating`, at the feed position given. */
export type NewSubscription = Pick<
  Subscription,
  'organisationId' | 'sourceId' | 'types' | 'filters' | 'protocol' | 'sink' | 'batching' | 'maxBatchSize' | 'requestedRate' | 'sinkCredential'
>;

/** Where a subscription's delivery stands: not part of the record, moved by the process holding its lease. */
export interface DeliveryProgress {
  position: FeedPosition;
  deliveredCount: number;
  lastDeliveredSequence: string | null;
  lastDeliveredAt: Date | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
}

/** A subscription as its lease holder delivers it: the record, its progress, its sealed credential and the generation held. */
export interface LeasedSubscription {
  subscription: Subscription;
  progress: DeliveryProgress;
  sealedCredential: Buffer | null;
  sealedCallbackSecret: Buffer;
  generation: string;
}

/** The delivery states a lease holder may write; each names the generation it holds and does nothing if that is stale. */
export type DeliveryOutcome =
  | { kind: 'delivered'; position: FeedPosition; count: number; lastSequence: string | null; at: Date }
  | { kind: 'failed'; attempts: number; lastError: string; nextAttemptAt: Date }
  | { kind: 'consented'; allowedRate: number | null }
  | { kind: 'awaiting-consent'; attempts: number; lastError: string; nextAttemptAt: Date };

/** The rows an UPDATE ... RETURNING gave: TypeORM answers an UPDATE with [rows, count]. */
const updated = <T>(result: unknown): T[] => (result as [T[], number])[0];

interface ProgressRow {
  position_xid: string; position_sequence: string; delivered_count: string; last_delivered_sequence: string | null; last_delivered_at: Date | null;
  attempts: number; last_error: string | null; next_attempt_at: Date | null;
}
const PROGRESS_COLUMNS = `position_xid::text AS position_xid, position_sequence::text AS position_sequence, delivered_count::text AS delivered_count,
  last_delivered_sequence::text AS last_delivered_sequence, last_delivered_at, attempts, last_error, next_attempt_at`;
const toProgress = (r: ProgressRow): DeliveryProgress => ({
  position: { xid: r.position_xid, sequence: r.position_sequence }, deliveredCount: Number(r.delivered_count), lastDeliveredSequence: r.last_delivered_sequence,
  lastDeliveredAt: r.last_delivered_at, attempts: r.attempts, lastError: r.last_error, nextAttemptAt: r.next_attempt_at,
});

/**
 * Every query of exchange_subscriptions. Record changes (create, pause, resume, rewind, delete, and the states the
 * delivery reaches: failing, ended) run in a unit of work and take the row away from whoever holds its lease: the
 * generation grows, so the holder's next write is refused and it lets go. Delivery writes are single statements
 * outside any longer transaction, so no transaction stays open across a request to a sink.
 */
@Injectable()
export class SubscriptionRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 's.created_at', cast: 'timestamptz' } }, 'createdAt', 's.id', UUID_KEY);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async insert(fields: NewSubscription, position: FeedPosition, manager: EntityManager): Promise<Subscription> {
    const [row] = (await manager.query(
      `INSERT INTO exchange_subscriptions (organisation_id, source_id, types, filters, protocol, sink, batching, max_batch_size, requested_rate, sink_credential,
                                           callback_secret, state, position_xid, position_sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '\\x', 'validating', $11::xid8, $12) RETURNING id`,
      [fields.organisationId, fields.sourceId, fields.types, JSON.stringify(fields.filters), fields.protocol, fields.sink, fields.batching, fields.maxBatchSize,
        fields.requestedRate, fields.sinkCredential, position.xid, position.sequence],
    )) as { id: string }[];
    return manager.findOneByOrFail(Subscription, { id: row!.id });
  }

  /** How many subscriptions there are in each state (deleted ones aside), for the metrics. */
  async countByState(): Promise<Map<string, number>> {
    const rows = (await this.db.manager.query("SELECT state, count(*)::int AS n FROM exchange_subscriptions WHERE state <> 'deleted' GROUP BY state")) as { state: string; n: number }[];
    return new Map(rows.map((row) => [row.state, row.n]));
  }

  /** How many subscriptions the organisation holds, counted under a lock its other creations wait for. */
  async countForCreation(organisationId: string, manager: EntityManager): Promise<number> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`plaza.subscriptions:${organisationId}`]);
    const [row] = (await manager.query("SELECT count(*)::int AS n FROM exchange_subscriptions WHERE organisation_id = $1 AND state <> 'deleted'", [organisationId])) as { n: number }[];
    return row!.n;
  }

  /** One of the organisation's subscriptions (never a deleted one); locked for a change when a manager is given. */
  findOwned(organisationId: string, id: string, manager?: EntityManager): Promise<Subscription | null> {
    if (!UUID_KEY.test(id)) return Promise.resolve(null);
    const query = (manager ?? this.db.manager)
      .createQueryBuilder(Subscription, 's')
      .where("s.id = :id AND s.organisation_id = :organisationId AND s.state <> 'deleted'", { id, organisationId });
    return (manager ? query.setLock('pessimistic_write') : query).getOne();
  }

  /** The subscription whose latest change is the journal entry `index`, for its journaled kind. */
  static atJournalIndex(manager: EntityManager, index: number): Promise<Subscription | null> {
    return manager.findOneBy(Subscription, { journalIndex: index });
  }

  /** Whether a sink credential is stored, for each of these subscriptions. */
  static async hasCredential(manager: EntityManager, id: string): Promise<boolean> {
    return (await SubscriptionRepository.credentialsStored(manager, [id])).has(id);
  }

  static async credentialsStored(manager: EntityManager, ids: string[]): Promise<Set<string>> {
    const rows = (await manager.query('SELECT id FROM exchange_subscriptions WHERE id = ANY($1::uuid[]) AND sink_credential IS NOT NULL', [ids])) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  credentialsOf(ids: string[]): Promise<Set<string>> {
    return SubscriptionRepository.credentialsStored(this.db.manager, ids);
  }

  /** Seals the credential onto a subscription just inserted (its id is the cipher's associated data). */
  async setCredential(id: string, sealed: Buffer, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE exchange_subscriptions SET sink_credential = $2 WHERE id = $1', [id, sealed]);
  }

  page(organisationId: string, page: PageQuery) {
    return this.pager.page(
      this.db.manager.createQueryBuilder(Subscription, 's').where("s.organisation_id = :organisationId AND s.state <> 'deleted'", { organisationId }),
      page,
    );
  }

  async progress(ids: string[]): Promise<Map<string, DeliveryProgress>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.db.manager.query(`SELECT id, ${PROGRESS_COLUMNS} FROM exchange_subscriptions WHERE id = ANY($1::uuid[])`, [ids])) as (ProgressRow & { id: string })[];
    return new Map(rows.map((r) => [r.id, toProgress(r)]));
  }

  /**
   * Saves a change to the record, in its unit of work. The lease is taken away (a new generation, no holder), and,
   * where given, the feed position moves, the attempts start again and a new callback secret replaces the old.
   */
  async change(
    subscription: Subscription,
    manager: EntityManager,
    delivery: { position?: FeedPosition; resetAttempts?: boolean; callbackSecret?: Buffer; eraseCredential?: boolean } = {},
  ): Promise<void> {
    await manager.save(subscription);
    await manager.query(
      `UPDATE exchange_subscriptions
          SET lease_owner = NULL, lease_expires_at = NULL, lease_generation = lease_generation + 1,
              position_xid = coalesce($2::xid8, position_xid), position_sequence = coalesce($3::bigint, position_sequence),
              attempts = CASE WHEN $4 THEN 0 ELSE attempts END, last_error = CASE WHEN $4 THEN NULL ELSE last_error END,
              next_attempt_at = CASE WHEN $4 THEN NULL ELSE next_attempt_at END,
              callback_secret = coalesce($5, callback_secret),
              sink_credential = CASE WHEN $6 THEN NULL ELSE sink_credential END
        WHERE id = $1`,
      [subscription.id, delivery.position?.xid ?? null, delivery.position?.sequence ?? null, delivery.resetAttempts ?? false, delivery.callbackSecret ?? null,
        delivery.eraseCredential ?? false],
    );
  }

  /** A subscription waiting for its sink's consent, with its sealed callback secret. */
  async waitingForConsent(id: string): Promise<{ subscription: Subscription; sealedSecret: Buffer } | null> {
    if (!UUID_KEY.test(id)) return null;
    const subscription = await this.db.manager
      .createQueryBuilder(Subscription, 's')
      .addSelect('s.callbackSecret')
      .where("s.id = :id AND s.state = 'validating'", { id })
      .getOne();
    return subscription ? { subscription, sealedSecret: subscription.callbackSecret } : null;
  }

  /** Seals a new callback secret onto a subscription just inserted or resumed. */
  async setCallbackSecret(id: string, sealed: Buffer, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE exchange_subscriptions SET callback_secret = $2 WHERE id = $1', [id, sealed]);
  }

  // ---- the delivery side: leases and progress, each one statement ----

  /** Takes up to `limit` subscriptions due for delivery whose lease is free or has lapsed (a crashed holder's). */
  async claim(owner: string, leaseSeconds: number, limit: number): Promise<{ id: string; generation: string }[]> {
    // Prepared: every process runs it several times a second, and planning it cost more than running it.
    return (await queryPrepared(this.db, 'exchange_delivery_claim',
      `UPDATE exchange_subscriptions SET lease_owner = $1, lease_generation = lease_generation + 1, lease_expires_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM exchange_subscriptions
                      WHERE state IN ('validating', 'active') AND (lease_expires_at IS NULL OR lease_expires_at < now())
                        AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                      ORDER BY lease_expires_at NULLS FIRST LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, lease_generation::text AS generation`,
      [owner, leaseSeconds, limit],
    )) as { id: string; generation: string }[];
  }

  /** Extends the leases still held; the ones lost (taken away by a change, or over) are missing from the answer. */
  async renew(owner: string, leaseSeconds: number, held: { id: string; generation: string }[]): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const rows = updated<{ id: string }>(await this.db.manager.query(
      `UPDATE exchange_subscriptions s SET lease_expires_at = now() + make_interval(secs => $2)
         FROM unnest($3::uuid[], $4::bigint[]) AS h(id, generation)
        WHERE s.id = h.id AND s.lease_generation = h.generation AND s.lease_owner = $1 AND s.state IN ('validating', 'active')
        RETURNING s.id`,
      [owner, leaseSeconds, held.map((h) => h.id), held.map((h) => h.generation)],
    ));
    return new Set(rows.map((r) => r.id));
  }

  /** Lets go of one lease, if still held as it was taken. */
  async release(owner: string, id: string, generation: string): Promise<void> {
    await this.db.manager.query('UPDATE exchange_subscriptions SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2 AND lease_generation = $3', [
      id, owner, generation,
    ]);
  }

  /** Lets go of every lease this process holds, so another process may take its subscriptions at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.db.manager.query('UPDATE exchange_subscriptions SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1', [owner]);
  }

  /** The subscription as its lease holder delivers it; null when the generation is no longer held. */
  async leased(id: string, generation: string): Promise<LeasedSubscription | null> {
    const subscription = await this.db.manager
      .createQueryBuilder(Subscription, 's')
      .addSelect('s.sinkCredential')
      .addSelect('s.callbackSecret')
      .where("s.id = :id AND s.lease_generation = :generation AND s.state IN ('validating', 'active')", { id, generation })
      .getOne();
    if (!subscription) return null;
    const sealedCallbackSecret = subscription.callbackSecret;
    const [row] = (await this.db.manager.query(`SELECT ${PROGRESS_COLUMNS} FROM exchange_subscriptions WHERE id = $1`, [id])) as ProgressRow[];
    const sealedCredential = subscription.sinkCredential;
    subscription.sinkCredential = null;
    return { subscription, progress: toProgress(row!), sealedCredential, sealedCallbackSecret, generation };
  }

  /** Whether this generation still holds the subscription, for a delivery about to be sent. */
  async holds(id: string, generation: string): Promise<boolean> {
    const rows = (await this.db.manager.query(
      "SELECT 1 FROM exchange_subscriptions WHERE id = $1 AND lease_generation = $2 AND state IN ('validating', 'active')",
      [id, generation],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Writes what a delivery attempt came to, if the generation is still held; false when it is not (the holder must let go). */
  async record(id: string, generation: string, outcome: DeliveryOutcome): Promise<boolean> {
    const held = `WHERE id = $1 AND lease_generation = $2 AND state IN ('validating', 'active') RETURNING id`;
    let result: unknown;
    switch (outcome.kind) {
      case 'delivered':
        result = await this.db.manager.query(
          `UPDATE exchange_subscriptions SET position_xid = $3::xid8, position_sequence = $4, delivered_count = delivered_count + $5,
                  last_delivered_sequence = coalesce($6, last_delivered_sequence), last_delivered_at = CASE WHEN $5 > 0 THEN $7 ELSE last_delivered_at END,
                  attempts = 0, last_error = NULL, next_attempt_at = NULL ${held}`,
          [id, generation, outcome.position.xid, outcome.position.sequence, outcome.count, outcome.lastSequence, outcome.at],
        );
        break;
      case 'failed':
      case 'awaiting-consent':
        result = await this.db.manager.query(`UPDATE exchange_subscriptions SET attempts = $3, last_error = $4, next_attempt_at = $5 ${held}`, [
          id, generation, outcome.attempts, outcome.lastError, outcome.nextAttemptAt,
        ]);
        break;
      case 'consented':
        result = await this.db.manager.query(
          `UPDATE exchange_subscriptions SET state = 'active', state_reason = NULL, allowed_rate = $3, attempts = 0, last_error = NULL, next_attempt_at = NULL ${held}`,
          [id, generation, outcome.allowedRate],
        );
        break;
    }
    return updated(result).length > 0;
  }

  /** Locks the subscription for a state change the delivery reached (failing, ended), if the generation is still held. */
  async leasedForChange(id: string, generation: string, manager: EntityManager): Promise<Subscription | null> {
    return manager
      .createQueryBuilder(Subscription, 's')
      .where("s.id = :id AND s.lease_generation = :generation AND s.state IN ('validating', 'active')", { id, generation })
      .setLock('pessimistic_write')
      .getOne();
  }
}
