/**
 * Delivery across processes, on the PostgreSQL server: registries killed with SIGKILL while they hold a subscription
 * lose it when its lease lapses, and another registry on the same database takes it over and delivers the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer } from './support/fixtures.js';
import { exchangeScenario, post, reading, signed, STRUCTURED, type ExchangeScenario } from './support/exchange-fixtures.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';
import { describeOnServer, SHARED_LOG_KEY, startTestApp, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

describeOnServer('delivery: lease takeover', () => {
  let scratch: ScratchDatabase;
  let setup: TestApp;
  let s: ExchangeScenario;
  let sink: WebhookReceiver;
  const dataDirs: string[] = [];
  const shared = {
    PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
    PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
    PLAZA_DELIVERY_POLL_MS: '25',
    PLAZA_DELIVERY_LEASE_SECONDS: '2',
    // Every process of one registry shares its secrets and its delivery key.
    PLAZA_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64url'),
    PLAZA_DELIVERY_SIGNING_KEY: SHARED_LOG_KEY,
  };
  const registry = (): Promise<RegistryProcess> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-takeover-'));
    dataDirs.push(dataDir);
    return startRegistry({
      ...shared, DATABASE_URL: scratch.url, PLAZA_DATA_DIR: dataDir, PLAZA_OPERATOR_KEY: setup.operatorKey, PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY, PLAZA_LOG_LEVEL: 'warn',
    });
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.DATABASE_URL!, `plaza_takeover_${process.pid}_${Date.now().toString(36)}`);
    // The suite's own app sets the scene and never delivers.
    setup = await startTestApp({ ...shared, DATABASE_URL: scratch.url, PLAZA_DELIVERY_POLL_MS: '0' });
    s = await exchangeScenario(setup);
    sink = await startWebhookReceiver();
  });
  afterAll(async () => {
    await sink?.close();
    await setup?.close();
    await scratch?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (ids: string[]) => {
    for (const id of ids) await post(setup, s.vendor.adminKey, STRUCTURED, await signed(reading(s.source, id), s.vendorKey)).expect(201);
  };
  const deliveredIds = () => new Set(sink.deliveries().map((d) => (JSON.parse(d.body.toString()) as { id: string }).id));

  it('takes over the subscriptions of a registry killed mid-delivery, and delivers every event at least once', async () => {
    const first = await registry();
    const created = (await setup.http.post('/api/v1/subscriptions').set(bearer(s.city.adminKey)).send({ protocol: 'HTTP', sink: sink.url, source: s.source }).expect(201)).body as { id: string };
    const before = Array.from({ length: 5 }, (_, i) => `before-kill-${i}`);
    await submit(before);
    await sink.waitForDeliveries(5);
    const held = (await setup.app.get(DataSource).query('SELECT lease_owner, lease_generation::text AS generation FROM exchange_subscriptions WHERE id = $1', [created.id]))[0] as { lease_owner: string; generation: string };
    expect(held.lease_owner).toMatch(/:\d+:/);
    await first.kill();
    const after = Array.from({ length: 5 }, (_, i) => `after-kill-${i}`);
    await submit(after);
    const second = await registry();
    try {
      const deadline = Date.now() + 15_000;
      while ([...before, ...after].some((id) => !deliveredIds().has(id))) {
        if (Date.now() > deadline) throw new Error(`not delivered: ${[...before, ...after].filter((id) => !deliveredIds().has(id)).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const now = (await setup.app.get(DataSource).query('SELECT lease_owner, lease_generation::text AS generation FROM exchange_subscriptions WHERE id = $1', [created.id]))[0] as { lease_owner: string; generation: string };
      expect(now.lease_owner).not.toBe(held.lease_owner);
      expect(BigInt(now.generation)).toBeGreaterThan(BigInt(held.generation));
    } finally {
      await second.stop();
    }
  });
});
