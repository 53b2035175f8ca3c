import type { AppConfig } from '../../platform/config/config.js';
import type { Outbound } from '../../platform/outbound/outbound.module.js';
import type { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
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

/**
 * A runner ticking every POLL_MS whose lease table offers `offered` at its first look; counts its ticks, its looks and
 * its reads of the feed's signal, and can tell it of a change of the registry.
 */
function setUp(offered: { id: string; generation: string }[]) {
  const counts = { ticks: 0, claims: 0, signals: 0 };
  /** The tick at which each look ran. */
  const lookedAt: number[] = [];
  let changed: () => void = () => undefined;
  const changes = {
    subscribe: (listener: () => void) => {
      changed = listener;
      return () => (changed = () => undefined);
    },
  } as unknown as RegistryChanges;
  let endLease: (value: null) => void = () => undefined;
  const subscriptions = {
    claim: async () => {
      lookedAt.push(counts.ticks);
      return counts.claims++ === 0 ? offered : [];
    },
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
    {} as RegistryReadModel, {} as DeliverySigner, {} as SinkCredentials, {} as Outbound, { forget: () => undefined } as unknown as DeliveryMetrics, changes,
  );
  const looks = async (n: number) => {
    const from = counts.claims;
    while (counts.claims < from + n) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  };
  const ticks = async (n: number) => {
    const from = counts.ticks;
    while (counts.ticks < from + n) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  };
  const stop = async () => {
    endLease(null);
    await runner.beforeApplicationShutdown();
  };
  return { runner, counts, lookedAt, looks, ticks, stop, changed: () => changed() };
}

// The runner's ticks are counted by wrapping the timer it starts at POLL_MS (its lease renewal runs on another).
const realSetInterval = globalThis.setInterval;
let counting: { ticks: number } | null = null;
beforeEach(() => {
  globalThis.setInterval = ((callback: () => void, ms: number) =>
    realSetInterval(() => {
      if (ms === POLL_MS && counting) counting.ticks++;
      callback();
    }, ms)) as typeof setInterval;
});
afterEach(() => {
  globalThis.setInterval = realSetInterval;
  counting = null;
});

describe('the delivery runner', () => {
  it('holding nothing, looks at its first tick and then only every tenth, not at every tick', async () => {
    const { runner, counts, ticks, stop } = setUp([]);
    counting = counts;
    runner.onApplicationBootstrap();
    await ticks(31);
    await stop();
    // Ticks 1, 11, 21 and 31 look (a tick whose look is still running skips, which can only make fewer).
    expect(counts.claims).toBeGreaterThanOrEqual(1);
    expect(counts.claims).toBeLessThanOrEqual(Math.floor((counts.ticks - 1) / 10) + 1);
  });

  it('holding nothing, looks at the tick after a change of the registry (a subscription created or changed anywhere)', async () => {
    const { runner, counts, lookedAt, looks, stop, changed } = setUp([]);
    counting = counts;
    runner.onApplicationBootstrap();
    await looks(1);
    // Just after a look: without the change, the next one would wait for the tenth tick.
    const changedAt = counts.ticks;
    changed();
    await looks(1);
    await stop();
    expect(lookedAt.at(-1)).toBe(changedAt + 1);
  });

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
