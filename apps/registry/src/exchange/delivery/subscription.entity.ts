import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../../platform/journal/journaled.entity.js';

export const SUBSCRIPTION_STATES = ['validating', 'active', 'paused', 'failing', 'ended', 'deleted'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

/**
 * A subscription as a registry record: what its organisation asked for. Its delivery state (feed position, attempts,
 * lease) lives in the same row but is not part of the record: SubscriptionRepository reads and writes it apart.
 */
@Entity('exchange_subscriptions')
export class Subscription extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'source_id', type: 'uuid', nullable: true })
  sourceId: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  types: string[] | null;

  @Column({ type: 'jsonb' })
  filters: unknown[];

  @Column({ type: 'text' })
  protocol: 'HTTP';

  @Column({ type: 'text' })
  sink: string;

  @Column({ type: 'boolean' })
  batching: boolean;

  @Column({ name: 'max_batch_size', type: 'integer' })
  maxBatchSize: number;

  @Column({ name: 'requested_rate', type: 'integer' })
  requestedRate: number;

  @Column({ name: 'allowed_rate', type: 'integer', nullable: true })
  allowedRate: number | null;

  @Column({ name: 'sink_credential', type: 'bytea', nullable: true, select: false })
  sinkCredential: Buffer | null;

  @Column({ name: 'callback_secret', type: 'bytea', select: false })
  callbackSecret: Buffer;

  @Column({ type: 'text' })
  state: SubscriptionState;

  @Column({ name: 'state_reason', type: 'text', nullable: true })
  stateReason: string | null;
}
