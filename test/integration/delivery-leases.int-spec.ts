import { SubscriptionRepository } from '../../apps/registry/src/exchange/delivery/subscription.repository.js';
import { SubscriptionService } from '../../apps/registry/src/exchange/delivery/subscription.service.js';
import type { Principal } from '../../apps/registry/src/kernel/auth/principal.js';
import { registerOrganisation } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

/**
 * Delivery's leases (exchange/delivery/subscription.repository.ts): one process at a time delivers a subscription, a
 * write from a lease holder whose generation is stale is refused, a lapsed lease is taken over, and a change by the
 * subscriber takes the subscription away from whoever holds it. Delivery itself is off (PLAZA_DELIVERY_POLL_MS=0):
 * the test plays the processes.
 */
describe('delivery leases', () => {
  let ctx: RegistryContext;
  let subscriptions: SubscriptionRepository;
  let city: Principal;
  let id: string;

  beforeAll(async () => {
    // Its own database: on a shared server database, other suites' registries would take these leases first.
    ctx = await startRegistryContext({ PLAZA_DELIVERY_POLL_MS: '0', PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: 'sink.example', PLAZA_SUBSCRIPTIONS_PER_ORGANISATION: '3' }, { ownDatabase: true });
    subscriptions = ctx.get(SubscriptionRepository);
    city = (await registerOrganisation(ctx, 'lease-city', 'city')).principal;
    id = (await ctx.get(SubscriptionService).create(city, { protocol: 'HTTP', sink: 'https://sink.example/hook' })).id;
  });
  afterAll(() => ctx?.close());

  const delivered = (sequence: string) => ({ kind: 'delivered' as const, position: { xid: '1', sequence }, count: 1, lastSequence: sequence, at: new Date() });
  const mine = (claimed: { id: string; generation: string }[]) => claimed.filter((c) => c.id === id);

  it('lets one process hold a subscription, refuses a stale holder, and hands a lapsed lease to another process with a new generation', async () => {
    const [first] = mine(await subscriptions.claim('process-a', 60, 1000));
    expect(first).toBeDefined();
    expect(mine(await subscriptions.claim('process-b', 60, 1000))).toEqual([]);
    expect(await subscriptions.record(id, first!.generation, delivered('5'))).toBe(true);

    // Process A is presumed dead: its lease lapses and B takes the subscription with the next generation.
    await ctx.db.query("UPDATE exchange_subscriptions SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [id]);
    const [second] = mine(await subscriptions.claim('process-b', 60, 1000));
    expect(BigInt(second!.generation)).toBe(BigInt(first!.generation) + 1n);
    expect(await subscriptions.record(id, first!.generation, delivered('9'))).toBe(false);
    expect((await subscriptions.renew('process-a', 60, [first!])).size).toBe(0);
    expect(await subscriptions.record(id, second!.generation, delivered('7'))).toBe(true);
    expect((await subscriptions.progress([id])).get(id)!.position).toEqual({ xid: '1', sequence: '7' });
  });

  it("takes the subscription from its holder when the subscriber changes it, so the holder's next write is refused", async () => {
    await ctx.db.query('UPDATE exchange_subscriptions SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1', [id]);
    const [held] = mine(await subscriptions.claim('process-a', 60, 1000));
    await ctx.get(SubscriptionService).pause(city, id);
    expect(await subscriptions.record(id, held!.generation, delivered('8'))).toBe(false);
    expect(mine(await subscriptions.claim('process-b', 60, 1000))).toEqual([]);
    await ctx.get(SubscriptionService).resume(city, id);
    expect(mine(await subscriptions.claim('process-b', 60, 1000))).toHaveLength(1);
  });

  it('journals every change without the credential', async () => {
    const created = await ctx.get(SubscriptionService).create(city, {
      protocol: 'HTTP', sink: 'https://sink.example/other', sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: 'never-journaled' },
    });
    const rows = (await ctx.db.query("SELECT action FROM journal_entries WHERE subject_type = 'subscription' AND subject_id = $1", [created.id])) as { action: string }[];
    expect(rows.map((r) => r.action)).toEqual(['subscription.created']);
    const stored = (await ctx.db.query('SELECT sink_credential FROM exchange_subscriptions WHERE id = $1', [created.id])) as { sink_credential: Buffer }[];
    expect(stored[0]!.sink_credential.includes(Buffer.from('never-journaled'))).toBe(false);
    expect(JSON.stringify(await ctx.get(SubscriptionService).get(city, created.id))).not.toContain('never-journaled');
  });

  it('holds an organisation to PLAZA_SUBSCRIPTIONS_PER_ORGANISATION, deleted ones aside', async () => {
    const other = (await registerOrganisation(ctx, 'limit-city', 'city')).principal;
    const service = ctx.get(SubscriptionService);
    const make = () => service.create(other, { protocol: 'HTTP', sink: 'https://sink.example/limit' });
    const [first] = [await make(), await make(), await make()];
    await expect(make()).rejects.toMatchObject({ code: 'exchange.subscription_limit' });
    await service.remove(other, first!.id);
    await expect(make()).resolves.toMatchObject({ state: 'validating' });
  });
});
