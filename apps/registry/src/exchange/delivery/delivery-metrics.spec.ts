import { loadConfig } from '../../platform/config/config.js';
import { Metrics } from '../../platform/metrics/metrics.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import type { SubscriptionRepository } from './subscription.repository.js';

describe('DeliveryMetrics', () => {
  const setup = (counts: Map<string, number> | Error) => {
    const metrics = new Metrics(loadConfig({}));
    const repository = { countByState: async () => (counts instanceof Error ? Promise.reject(counts) : counts) } as unknown as SubscriptionRepository;
    const delivery = new DeliveryMetrics(metrics, repository);
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    };
    return { delivery, value };
  };

  it("reports the lag of the subscription furthest behind, 0 once every one has caught up or been let go", async () => {
    const { delivery, value } = setup(new Map());
    expect(await value('plaza_delivery_lag_seconds')).toBe(0);
    delivery.read('a', new Date(Date.now() - 30_000));
    delivery.read('b', new Date(Date.now() - 90_000));
    expect(await value('plaza_delivery_lag_seconds')).toBeGreaterThanOrEqual(90);
    delivery.read('b', null);
    const lag = (await value('plaza_delivery_lag_seconds'))!;
    expect(lag).toBeGreaterThanOrEqual(30);
    expect(lag).toBeLessThan(90);
    delivery.forget('a');
    expect(await value('plaza_delivery_lag_seconds')).toBe(0);
  });

  it('counts subscriptions in every state but deleted, 0 where there are none, and leaves them out when the database fails', async () => {
    const { value } = setup(new Map([['active', 3], ['failing', 1]]));
    expect(await value('plaza_delivery_subscriptions', { state: 'active' })).toBe(3);
    expect(await value('plaza_delivery_subscriptions', { state: 'paused' })).toBe(0);
    expect(await value('plaza_delivery_subscriptions', { state: 'deleted' })).toBeUndefined();
    const down = setup(new Error('connection lost'));
    expect(await down.value('plaza_delivery_subscriptions', { state: 'active' })).toBeUndefined();
  });
});
