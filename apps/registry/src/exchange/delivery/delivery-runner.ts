import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { Outbound } from '../../platform/outbound/outbound.module.js';
import { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
import { FeedAccess } from '../feed/feed-access.js';
import { FeedRepository } from '../feed/feed.repository.js';
import { RegistryReadModel } from '../registry-read-model.js';
import { DeliverySigner } from './delivery-signer.js';
import { SinkCredentials } from './sink-credentials.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { type DeliveryParts, SubscriptionDelivery } from './subscription-delivery.js';
import { SubscriptionRepository } from './subscription.repository.js';
import { SubscriptionService } from './subscription.service.js';

/** Subscriptions one process delivers at once, and takes at one look (so several processes share them out). */
const MAX_HELD = 200;
const CLAIM_PER_LOOK = 20;
/**
 * A process holding no subscription looks for one at the tick after a change of the registry (a subscription created,
 * changed or removed, here or in another process, or one this process let go), and otherwise only every this many
 * ticks, for what no change announces: a lapsed lease, one another process let go, a next attempt coming due. Each
 * look is a statement: looking ten times a second cost an idle registry about a third of its CPU.
 */
const IDLE_LOOK_TICKS = 10;

/**
 * The delivery follower of every process: it takes the subscriptions due whose lease is free or has lapsed (a crashed
 * process's), delivers each from one place at a time, renews its leases, and lets go of them at shutdown so another
 * process takes them over at once.
 */
@Injectable()
export class DeliveryRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly held = new Map<string, { generation: string; delivery: SubscriptionDelivery; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private renewal: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  /** Whether the next tick looks whatever it holds: at the start, and after a change of the registry. */
  private lookWanted = true;
  /** Ticks since the last look, while holding nothing. */
  private idleTicks = 0;
  private unsubscribe: (() => void) | undefined;
  private signal = '';
  private readonly parts: DeliveryParts;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SubscriptionRepository) private readonly subscriptions: SubscriptionRepository,
    @Inject(SubscriptionService) service: SubscriptionService,
    @Inject(FeedRepository) feed: FeedRepository,
    @Inject(FeedAccess) access: FeedAccess,
    @Inject(RegistryReadModel) registry: RegistryReadModel,
    @Inject(DeliverySigner) signer: DeliverySigner,
    @Inject(SinkCredentials) credentials: SinkCredentials,
    @Inject(Outbound) outbound: Outbound,
    @Inject(DeliveryMetrics) private readonly metrics: DeliveryMetrics,
    @Inject(RegistryChanges) private readonly changes: RegistryChanges,
  ) {
    this.parts = { config, subscriptions, service, feed, access, registry, signer, credentials, outbound, feedSignal: () => this.signal, metrics };
  }

  onApplicationBootstrap(): void {
    if (this.config.deliveryPollMs === 0) return;
    this.unsubscribe = this.changes.subscribe(() => (this.lookWanted = true));
    this.timer = setInterval(() => {
      if (this.ticking !== null) return;
      if (this.held.size === 0 && !this.lookWanted && ++this.idleTicks < IDLE_LOOK_TICKS) return;
      this.idleTicks = 0;
      this.lookWanted = false;
      this.ticking = this.tick().finally(() => (this.ticking = null));
    }, this.config.deliveryPollMs);
    this.timer.unref();
    // On its own timer, whatever the polling interval: a lease must never lapse while it is held.
    this.renewal = setInterval(() => void this.renew(), (this.config.deliveryLeaseSeconds * 1000) / 3);
    this.renewal.unref();
  }

  private async renew(): Promise<void> {
    try {
      const held = [...this.held.entries()].map(([id, h]) => ({ id, generation: h.generation }));
      const kept = await this.subscriptions.renew(this.owner, this.config.deliveryLeaseSeconds, held);
      for (const { id } of held) if (!kept.has(id)) this.held.get(id)?.delivery.stop();
    } catch (error) {
      this.logger.warn(`renewing the delivery leases failed: ${(error as Error).name}; trying again`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    clearInterval(this.renewal);
    await this.ticking;
    for (const { delivery } of this.held.values()) delivery.stop();
    await Promise.all([...this.held.values()].map((h) => h.done));
    await this.subscriptions.releaseAll(this.owner).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      // Only a delivery in progress compares the signal; one taken up below reads the feed first whatever it says.
      if (this.held.size > 0) this.signal = await this.parts.feed.signal();
      if (this.held.size >= MAX_HELD) return;
      const room = Math.min(CLAIM_PER_LOOK, MAX_HELD - this.held.size);
      for (const { id, generation } of await this.subscriptions.claim(this.owner, this.config.deliveryLeaseSeconds, room)) {
        const delivery = new SubscriptionDelivery(this.parts, id, generation);
        // Taken again (after a change by the subscriber) while this process's earlier delivery of it is still finishing
        // a step: that one stops first, so the subscription is never delivered from two places at once.
        const earlier = this.held.get(id);
        earlier?.delivery.stop();
        const done = (earlier?.done ?? Promise.resolve())
          .then(() => delivery.run())
          .catch((error: unknown) => this.logger.warn(`delivery of subscription ${id} stopped: ${(error as Error).name}; it is picked up again`))
          .finally(() => {
            if (this.held.get(id)?.delivery === delivery) {
              this.held.delete(id);
              this.metrics.forget(id);
            }
            // Let go at once, so the next look takes it up again as it now stands.
            void this.subscriptions.release(this.owner, id, generation).catch(() => undefined).finally(() => (this.lookWanted = true));
          });
        this.held.set(id, { generation, delivery, done });
      }
    } catch (error) {
      this.logger.warn(`looking for subscriptions to deliver failed: ${(error as Error).name}; trying again`);
    }
  }
}
