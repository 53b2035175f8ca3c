import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { SubscriptionRepository } from '../../apps/registry/src/exchange/delivery/subscription.repository.js';
import { FeedRepository } from '../../apps/registry/src/exchange/feed/feed.repository.js';
import { Quota } from '../../apps/registry/src/exchange/submit/quota.js';
import { SubmissionRepository } from '../../apps/registry/src/exchange/submit/submission.repository.js';
import { SubmitEvents } from '../../apps/registry/src/exchange/submit/submit-events.js';
import { AUTHENTICATOR, type Authenticator } from '../../apps/registry/src/kernel/auth/authenticator.js';
import type { Principal } from '../../apps/registry/src/kernel/auth/principal.js';
import { ExchangeError } from '../../apps/registry/src/exchange/exchange-error.js';
import { exchangeScenario, type ExchangeScenario, reading, signed, STRUCTURED } from '../support/exchange-fixtures.js';
import { describeOnServer, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Group commit: requests handled at the same moment join one transaction and one commit (exchange/submit/group-commit.ts).
 * On the server, a transaction holding the scenario's source FOR UPDATE (as a status change does) keeps the groups
 * waiting on their locks, so that requests can be seen joining a group, and what they are answered before and after
 * that group commits.
 */
describe('the exchange: group commit', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let db: DataSource;
  let submit: SubmitEvents;
  let vendor: Principal;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000' });
    s = await exchangeScenario(t);
    db = t.app.get(DataSource);
    submit = t.app.get(SubmitEvents, { strict: false });
    vendor = await t.app.get<Authenticator>(AUTHENTICATOR, { strict: false }).authenticate(`Bearer ${s.vendor.adminKey}`);
  });
  afterAll(() => t?.close());

  const structured = (id: string) => submit.submit(vendor, { rawHeaders: ['Content-Type', STRUCTURED], body: signed(reading(s.source, id), s.vendorKey) }, false);
  const stored = async (ids: string[]) =>
    (await db.query('SELECT ce_id, xid::text AS xid FROM exchange_events WHERE ce_source = $1 AND ce_id = ANY($2) ORDER BY ce_id', [s.source, ids])) as { ce_id: string; xid: string }[];
  /** Whether a promise has settled yet, without waiting for it. */
  const settled = async (promise: Promise<unknown>) => Promise.race([promise.then(() => true, () => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("takes each organisation's quota once a group, in the requests' order: those that fit are admitted, the first that does not and all after it are refused", async () => {
    const quota = t.app.get(Quota, { strict: false });
    const org = s.city.id;
    const at = new Date();
    const limit = 100_000;
    expect(await quota.take([{ organisationId: org, events: limit - 3 }, { organisationId: org, events: 2 }, { organisationId: org, events: 2 }, { organisationId: s.vendor.id, events: 1 }], at)).toEqual([
      true, true, false, true,
    ]);
    // One event is left this minute: a request of two is refused before any work, one of one still fits.
    expect(() => quota.precheck(org, 2, at)).toThrow(ExchangeError);
    expect(await quota.take([{ organisationId: org, events: 1 }], at)).toEqual([true]);
    expect(await quota.take([{ organisationId: org, events: 1 }], at)).toEqual([false]);
  });

  it('stores a group in a transaction of generic plans that commits, or rolls back whole, and hands its connection back as it found it', async () => {
    const repository = t.app.get(SubmissionRepository, { strict: false });
    const minute = (offset: number) => new Date(Date.UTC(2001, 0, 1, 0, offset));
    const quotaRow = async (at: Date) => (await db.query('SELECT events FROM exchange_quota WHERE organisation_id = $1 AND minute = $2', [s.city.id, at])) as unknown[];
    const write = (manager: EntityManager, at: Date) => manager.query('INSERT INTO exchange_quota (organisation_id, minute, events) VALUES ($1, $2, 1)', [s.city.id, at]);
    const planMode = async (manager: EntityManager) => ((await manager.query("SELECT current_setting('plan_cache_mode') AS mode")) as { mode: string }[])[0]!.mode;

    const inside = await repository.transaction(async (manager) => {
      await write(manager, minute(0));
      return planMode(manager);
    });
    expect(inside).toBe('force_generic_plan');
    expect(await quotaRow(minute(0))).toHaveLength(1);

    const refusal = new Error('refused by the test');
    await expect(repository.transaction(async (manager) => {
      await write(manager, minute(1));
      throw refusal;
    })).rejects.toBe(refusal);
    expect(await quotaRow(minute(1))).toEqual([]);
    // The setting ended with each transaction: statements on the pool's connections plan as configured again.
    const modes = await Promise.all([1, 2, 3].map(() => planMode(db.manager)));
    expect(modes).toEqual(['auto', 'auto', 'auto']);
    await db.query('DELETE FROM exchange_quota WHERE organisation_id = $1 AND minute < $2', [s.city.id, minute(2)]);
  });

  describeOnServer('while a transaction holds the source (the server runs them at once)', () => {
    let holder: QueryRunner;
    const hold = async () => {
      holder = db.createQueryRunner();
      await holder.startTransaction();
      await holder.query('SELECT id FROM sources WHERE id = $1 FOR UPDATE', [s.sourceId]);
    };
    afterEach(async () => {
      if (holder?.isTransactionActive) await holder.rollbackTransaction();
      await holder?.release();
    });

    it('answers nobody before the group commits, then stores the concurrent requests in one transaction', async () => {
      await hold();
      // Two groups are let into their transactions at once; the requests that come while they wait form the third.
      const first = [structured('gc-first-a'), structured('gc-first-b')];
      await pause(200);
      const later = [structured('gc-later-a'), structured('gc-later-b'), structured('gc-later-c')];
      await pause(300);
      for (const answer of [...first, ...later]) expect(await settled(answer)).toBe(false);
      expect(await stored(['gc-first-a', 'gc-first-b', 'gc-later-a', 'gc-later-b', 'gc-later-c'])).toEqual([]);

      await holder.commitTransaction();
      const answers = await Promise.all([...first, ...later]);
      expect(answers.map((a) => a.outcomes[0]!.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
      // Answered only after the commit: every accepted event is visible to a new reader at once.
      const rows = await stored(['gc-later-a', 'gc-later-b', 'gc-later-c']);
      expect(rows.map((r) => r.ce_id)).toEqual(['gc-later-a', 'gc-later-b', 'gc-later-c']);
      expect(new Set(rows.map((r) => r.xid)).size).toBe(1);
    });

    it("stores each request of a group the database refuses on its own: only the request whose row broke it fails", async () => {
      await db.query(`CREATE FUNCTION gc_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN IF NEW.ce_id = 'gc-poison' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
      await db.query('CREATE TRIGGER gc_refuse_poison BEFORE INSERT ON exchange_events FOR EACH ROW EXECUTE FUNCTION gc_refuse_poison()');
      try {
        await hold();
        const blockers = [structured('gc-blocker-a'), structured('gc-blocker-b')];
        await pause(200);
        const group = [structured('gc-healthy-a'), structured('gc-poison'), structured('gc-healthy-b')];
        await pause(200);
        await holder.commitTransaction();
        expect((await Promise.all(blockers)).map((a) => a.outcomes[0]!.status)).toEqual(['accepted', 'accepted']);
        const [healthyA, poison, healthyB] = await Promise.allSettled(group);
        expect(healthyA).toEqual({ status: 'fulfilled', value: expect.objectContaining({ outcomes: [expect.objectContaining({ status: 'accepted' })] }) });
        expect(healthyB).toEqual({ status: 'fulfilled', value: expect.objectContaining({ outcomes: [expect.objectContaining({ status: 'accepted' })] }) });
        expect(poison.status).toBe('rejected');
        expect((await stored(['gc-healthy-a', 'gc-healthy-b', 'gc-poison'])).map((r) => r.ce_id)).toEqual(['gc-healthy-a', 'gc-healthy-b']);
      } finally {
        await db.query('DROP TRIGGER gc_refuse_poison ON exchange_events; DROP FUNCTION gc_refuse_poison()');
      }
    });

    it('applies a revocation that commits while a request waits for its group, after its signature was verified: the group judges the key again', async () => {
      expect((await structured('gc-before-revocation')).outcomes[0]!.status).toBe('accepted');
      // The next group waits on the vendor's quota rows (this minute's and the next), taken before its transaction.
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      holder = db.createQueryRunner();
      await holder.startTransaction();
      await holder.query(
        `INSERT INTO exchange_quota (organisation_id, minute, events) SELECT $1, m, 0 FROM unnest($2::timestamptz[]) AS m
         ON CONFLICT (organisation_id, minute) DO UPDATE SET events = exchange_quota.events`,
        [s.vendor.id, [new Date(minute), new Date(minute + 60_000)]],
      );
      const waiting = structured('gc-after-revocation');
      await pause(300);
      expect(await settled(waiting)).toBe(false);
      // Revoked behind the registry's back (no notification: what phase 2 looked up may still say active).
      await db.query('UPDATE signing_keys SET revoked_at = now() WHERE kid = $1', [s.vendorKey.keyid]);
      await holder.commitTransaction();
      expect((await waiting).outcomes).toEqual([expect.objectContaining({ status: 'rejected', refusal: expect.objectContaining({ code: 'exchange.key_revoked' }) })]);
      expect(await stored(['gc-after-revocation'])).toEqual([]);
    });
  });
});

describe('the exchange: group commit with a delay (PLAZA_EXCHANGE_GROUP_DELAY_MS)', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let submit: SubmitEvents;
  let vendor: Principal;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000', PLAZA_EXCHANGE_GROUP_DELAY_MS: '300' });
    s = await exchangeScenario(t);
    submit = t.app.get(SubmitEvents, { strict: false });
    vendor = await t.app.get<Authenticator>(AUTHENTICATOR, { strict: false }).authenticate(`Bearer ${s.vendor.adminKey}`);
  });
  afterAll(() => t?.close());

  it('holds the first request of a group for the delay, so that requests coming meanwhile share its transaction', async () => {
    const ids = ['gd-a', 'gd-b', 'gd-c'];
    const answers = await Promise.all(ids.map((id) => submit.submit(vendor, { rawHeaders: ['Content-Type', STRUCTURED], body: signed(reading(s.source, id), s.vendorKey) }, false)));
    expect(answers.map((a) => a.outcomes[0]!.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const rows = (await t.app.get(DataSource).query('SELECT DISTINCT xid::text AS xid FROM exchange_events WHERE ce_source = $1 AND ce_id = ANY($2)', [s.source, ids])) as unknown[];
    expect(rows).toHaveLength(1);
  });
});

describe('the exchange without prepared statements (PLAZA_DB_PREPARED_READS=false: a pooler in transaction mode)', () => {
  let t: TestApp;
  let s: ExchangeScenario;

  beforeAll(async () => {
    // One connection, so that what it holds is everything the registry prepared.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000', PLAZA_DB_PREPARED_READS: 'false', PLAZA_DB_POOL_SIZE: '1' });
    s = await exchangeScenario(t);
  });
  afterAll(() => t?.close());

  it('takes the quota, locks, stores, polls the feed and claims deliveries with unnamed statements: its connection keeps none prepared', async () => {
    const vendor = await t.app.get<Authenticator>(AUTHENTICATOR, { strict: false }).authenticate(`Bearer ${s.vendor.adminKey}`);
    const body = signed(reading(s.source, 'unprepared-1'), s.vendorKey);
    const answer = await t.app.get(SubmitEvents, { strict: false }).submit(vendor, { rawHeaders: ['Content-Type', STRUCTURED], body }, false);
    expect(answer.outcomes).toEqual([expect.objectContaining({ status: 'accepted' })]);
    expect(await t.app.get(FeedRepository, { strict: false }).signal()).toMatch(/^\d+@\d+$/);
    expect(await t.app.get(SubscriptionRepository, { strict: false }).claim('unprepared-test', 30, 1)).toEqual([]);
    expect(await t.app.get(DataSource).query('SELECT name FROM pg_prepared_statements')).toEqual([]);
  });
});
