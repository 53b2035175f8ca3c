import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Metrics } from '../../platform/metrics/metrics.js';
import { SUBSCRIPTION_STATES } from './subscription.entity.js';
import { SubscriptionRepository } from './subscription.repository.js';

/**
 * Delivery's metrics: subscriptions by state (read at scrape time), events delivered, and the lag of the
 * subscriptions this process delivers: how long ago the oldest event a subscription has read but not yet had
 * acknowledged was accepted (0 once each has caught up). Kept per subscription in memory, never as a label.
 */
@Injectable()
export class DeliveryMetrics {
  /** Subscription id: when the oldest event it has yet to deliver was accepted (ms), or null when it has caught up. */
  private readonly behind = new Map<string, number | null>();
  private readonly events: Counter;

  constructor(@Inject(Metrics) metrics: Metrics, @Inject(SubscriptionRepository) subscriptions: SubscriptionRepository) {
    const behind = this.behind;
    metrics.gauge({
      name: 'plaza_delivery_subscriptions',
      help: 'Subscriptions by state (validating, active, paused, failing, ended; deleted ones aside).',
      labelNames: ['state'],
      // Every worker reads the same rows.
      aggregator: 'max',
      async collect() {
        this.reset();
        const counts = await subscriptions.countByState().catch(() => null);
        if (counts === null) return;
        for (const state of SUBSCRIPTION_STATES) if (state !== 'deleted') this.set({ state }, counts.get(state) ?? 0);
      },
    });
    metrics.gauge({
      name: 'plaza_delivery_lag_seconds',
      help: 'Of the subscriptions being delivered, how long ago the oldest event still to be delivered was accepted (0: all caught up), at scrape time.',
      aggregator: 'max',
      collect() {
        const now = Date.now();
        let oldest = now;
        for (const at of behind.values()) if (at !== null && at < oldest) oldest = at;
        this.set((now - oldest) / 1000);
      },
    });
    this.events = metrics.counter({ name: 'plaza_delivery_events_total', help: 'Events delivered to sinks (acknowledged with a 2xx).' });
  }

  /** What a subscription's read of the feed found still to deliver: the oldest such event's acceptance, or none. */
  read(subscriptionId: string, oldestReceivedAt: Date | null): void {
    this.behind.set(subscriptionId, oldestReceivedAt?.getTime() ?? null);
  }

  delivered(count: number): void {
    this.events.inc(count);
  }

  /** The subscription is no longer delivered by this process. */
  forget(subscriptionId: string): void {
    this.behind.delete(subscriptionId);
  }
}
