import type { AppConfig } from '../../platform/config/config.js';
import type { Outbound } from '../../platform/outbound/outbound.module.js';
import type { FeedAccess } from '../feed/feed-access.js';
import type { FeedRepository } from '../feed/feed.repository.js';
import type { RegistryReadModel } from '../registry-read-model.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { DeliveryRunner } from './delivery-runner.js';
import type { DeliverySigner } from './delivery-signer.js';
import type { SinkCredentials } from './sink-credentials.js';
import type { SubscriptionRepository } from './subscription.repository.js';
import type { SubscriptionService } from './subscription.service.js';

const POLL_MS = 5;

/** A runner polling every POLL_MS whose lease table offers `offered` at its first look; counts its looks and its reads of the feed's signal. */
function setUp(offered: { id: string; generation: string }[]) {
  const counts = { claims: 0, signals: 0 };
  let endLease: (value: null) => void = () => undefined;
  const subscriptions = {
    claim: async () => (counts.claims++ === 0 ? offered : []),
    // A delivery taken up stays at its first step until the test lets it end.
    leased: () => new Promise<null>((resolve) => (endLease = resolve)),
    renew: async () => new Set(offered.map((o) => o.id)),
    release: async () => undefined,
    releaseAll: async () => undefined,
  } as unknown as SubscriptionRepository;
  const feed = {
    signal: async () => {
      counts.signals++;
      return '1@1';
    },
  } as unknown as FeedRepository;
  const runner = new DeliveryRunner(
    { deliveryPollMs: POLL_MS, deliveryLeaseSeconds: 30 } as AppConfig, subscriptions, {} as SubscriptionService, feed, {} as FeedAccess,
    {} as RegistryReadModel, {} as DeliverySigner, {} as SinkCredentials, {} as Outbound, { forget: () => undefined } as unknown as DeliveryMetrics,
  );
  const looks = async (n: number) => {
    const from = counts.claims;
    while (counts.claims < from + n) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  };
  const stop = async () => {
    endLease(null);
    await runner.beforeApplicationShutdown();
  };
  return { runner, counts, looks, stop };
}

describe('the delivery runner', () => {
  it("does not read the feed's signal while it delivers nothing: an idle registry only looks for subscriptions due", async () => {
    const { runner, counts, looks, stop } = setUp([]);
    runner.onApplicationBootstrap();
    await looks(5);
    await stop();
    expect(counts.signals).toBe(0);
  });

  it("reads the feed's signal at every look while it holds a subscription, for that delivery to see new events", async () => {
    const { runner, counts, looks, stop } = setUp([{ id: 'subscription-1', generation: '1' }]);
    runner.onApplicationBootstrap();
    await looks(5);
    await stop();
    // The first look took the subscription up; every look after it read the signal.
    expect(counts.signals).toBeGreaterThanOrEqual(4);
  });
});
