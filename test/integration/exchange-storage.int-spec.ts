import { randomBytes } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { DataSource } from 'typeorm';
import { FEED_START, type FeedPosition } from '../../apps/registry/src/exchange/feed/cursors.js';
import { type FeedFilter, FeedRepository, type StoredEvent } from '../../apps/registry/src/exchange/feed/feed.repository.js';
import { RegistryReadModel } from '../../apps/registry/src/exchange/registry-read-model.js';
import { EventRetention } from '../../apps/registry/src/exchange/retention/event-retention.js';
import { monthPartitionName, RetentionRepository } from '../../apps/registry/src/exchange/retention/retention.repository.js';
import { type NewEvent, SubmissionRepository } from '../../apps/registry/src/exchange/submit/submission.repository.js';
import { SubmitEvents } from '../../apps/registry/src/exchange/submit/submit-events.js';
import { AUTHENTICATOR, type Authenticator } from '../../apps/registry/src/kernel/auth/authenticator.js';
import type { Principal } from '../../apps/registry/src/kernel/auth/principal.js';
import {
  AIR_TYPE, airAgreementBody, airSchema, BATCH, type DsseKey, exchangeScenario, type ExchangeScenario, nowSeconds, reading, readingData, signed, signedBatch, STRUCTURED,
} from '../support/exchange-fixtures.js';
import { bearer, signDetached, type TestOrganisation } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const EVERYTHING: FeedFilter = { type: null, covered: null };
/** The first instant of the UTC month `months` before now's. */
const monthStart = (months: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
};
/** An instant in the middle of that month. */
const midMonth = (months: number) => new Date(monthStart(months).getTime() + 14 * 86_400_000);

/**
 * Accepted events at scale: partitioned by month of receipt, their identities in a table of their own, and deleted
 * past their agreements' retention. The cast (a city, its vendor, an air-quality source, an agreement signed by both
 * with a retention of one year) is registered over the public API in beforeAll; a stored event is moved to another
 * month by changing its receipt in SQL (PostgreSQL moves the row to that month's partition).
 */
describe('the exchange: events stored by month, identities kept apart, retention', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let db: DataSource;
  let submit: SubmitEvents;
  let feed: FeedRepository;
  let partitions: RetentionRepository;
  let retention: EventRetention;
  let vendor: Principal;
  let city: Principal;

  beforeAll(async () => {
    t = await startTestApp({
      PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000', PLAZA_RETENTION_INTERVAL_SECONDS: '0', PLAZA_RETENTION_BATCH_ROWS: '2',
    });
    s = await exchangeScenario(t);
    db = t.app.get(DataSource);
    submit = t.app.get(SubmitEvents, { strict: false });
    feed = t.app.get(FeedRepository, { strict: false });
    partitions = t.app.get(RetentionRepository, { strict: false });
    retention = t.app.get(EventRetention, { strict: false });
    const authenticator = t.app.get<Authenticator>(AUTHENTICATOR, { strict: false });
    [vendor, city] = await Promise.all([s.vendor.adminKey, s.city.adminKey].map((key) => authenticator.authenticate(`Bearer ${key}`)));
  });
  afterAll(() => t?.close());

  const structured = (principal: Principal, body: Buffer) => submit.submit(principal, { rawHeaders: ['Content-Type', STRUCTURED], body }, false);
  const batch = (principal: Principal, body: Buffer) => submit.submit(principal, { rawHeaders: ['Content-Type', BATCH], body }, false);
  const statuses = (submission: Awaited<ReturnType<SubmitEvents['submit']>>) => submission.outcomes.map((o) => o.refusal?.code ?? o.status);
  /** Moves these events of the scenario's source (and their identities) to another receipt instant, so another month's partition. */
  const receivedAt = async (ids: string[], at: Date) => {
    await db.query('UPDATE exchange_events SET received_at = $3 WHERE ce_source = $1 AND ce_id = ANY($2)', [s.source, ids, at]);
    await db.query('UPDATE exchange_event_identities SET received_at = $3 WHERE ce_source = $1 AND ce_id = ANY($2)', [s.source, ids, at]);
  };
  /** The stored rows of these ids, with the partition each is in. */
  const rows = async (ids: string[]) =>
    (await db.query(
      `SELECT ce_id AS id, sequence::text AS sequence, tableoid::regclass::text AS partition FROM exchange_events WHERE ce_source = $1 AND ce_id = ANY($2) ORDER BY ce_id`,
      [s.source, ids],
    )) as { id: string; sequence: string; partition: string }[];
  const identities = async (ids: string[]) =>
    ((await db.query('SELECT ce_id FROM exchange_event_identities WHERE ce_source = $1 AND ce_id = ANY($2) ORDER BY ce_id', [s.source, ids])) as { ce_id: string }[]).map(
      (r) => r.ce_id,
    );
  const exists = async (table: string) => ((await db.query('SELECT to_regclass($1) IS NOT NULL AS found', [table])) as { found: boolean }[])[0]!.found;
  /** The source's feed after `after` once it shows every one of `ids` (on the server, another suite's open transaction may hold it back a moment). */
  const feedShowing = async (after: FeedPosition, ids: string[], limit = 10_000) => {
    for (let attempt = 0; ; attempt++) {
      const events = await feed.eventsAfter([s.sourceId], after, limit, EVERYTHING);
      if (ids.every((id) => events.some((e) => e.id === id)) || attempt === 100) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const positionOf = (event: StoredEvent): FeedPosition => ({ xid: event.xid, sequence: event.sequence });

  describe('identities across partitions', () => {
    it("answers the same event again as a duplicate with its first sequence, and other content as a conflict, when the first is in an older month's partition", async () => {
      const time = nowSeconds();
      const text = reading(s.source, 'st-identity', { time });
      const first = await structured(city, signed(text, s.cityKey));
      expect(statuses(first)).toEqual(['accepted']);
      const old = midMonth(14);
      await partitions.createMonth(monthStart(14));
      await receivedAt(['st-identity'], old);
      const [stored] = await rows(['st-identity']);
      expect(stored).toEqual({ id: 'st-identity', sequence: first.outcomes[0]!.sequence, partition: monthPartitionName(monthStart(14)) });

      const again = await structured(city, signed(text.replace('{"specversion"', '{ "specversion"'), s.cityKey));
      expect(again.outcomes).toEqual([{ ...first.outcomes[0], status: 'duplicate', receivedAt: old }]);
      const changed = await structured(city, signed(reading(s.source, 'st-identity', { time, data: readingData(time).replace('9.7', '9.8') }), s.cityKey));
      expect(changed.outcomes).toEqual([
        expect.objectContaining({ status: 'rejected', refusal: expect.objectContaining({ code: 'exchange.event_conflict', detail: expect.stringContaining(`sequence ${stored!.sequence}`) }) }),
      ]);
      expect(await rows(['st-identity'])).toEqual([stored]);
    });

    it('stores a pair repeated in one statement once, as its first occurrence, with each row its own exact bytes and digests', async () => {
      const { versions } = await t.app.get(RegistryReadModel, { strict: false }).standards([AIR_TYPE], [airSchema()]);
      const row = (id: string, text: string, extDigest: Buffer | null): NewEvent => {
        const time = nowSeconds();
        return {
          sourceId: s.sourceId, source: s.source, id, type: AIR_TYPE, timeText: time, time: new Date(time), keyid: s.cityKey.keyid, standardVersionId: versions[0]!.id,
          coreDigest: randomBytes(32), extDigest, dssematerial: 'unchecked', received: Buffer.from(text), headers: null, receivedAt: new Date(), mode: 'batch',
          organisationId: city.organisationId, apiKeyId: city.keyId,
        };
      };
      const events = [
        row('st-pack-a', reading(s.source, 'st-pack-a'), null),
        row('st-pack-b', `${reading(s.source, 'st-pack-b')}${' '.repeat(700)}`, randomBytes(32)),
        row('st-pack-a', reading(s.source, 'st-pack-a', { data: readingData(nowSeconds(), ',"later":1') }), randomBytes(32)),
        row('st-pack-c', '{}', randomBytes(32)),
      ];
      const submissions = t.app.get(SubmissionRepository, { strict: false });
      const claimed = await submissions.transaction((manager) => submissions.store(events, [], [], new Date(), manager));
      expect(claimed.map((c) => c.id)).toEqual(['st-pack-a', 'st-pack-b', 'st-pack-c']);
      const stored = (await db.query(
        `SELECT ce_id, sequence::text AS sequence, received, core_digest, ext_digest FROM exchange_events WHERE ce_source = $1 AND ce_id LIKE 'st-pack-%' ORDER BY ce_id`,
        [s.source],
      )) as { ce_id: string; sequence: string; received: Buffer; core_digest: Buffer; ext_digest: Buffer | null }[];
      expect(stored.map((r) => [r.ce_id, r.sequence])).toEqual(claimed.map((c) => [c.id, c.sequence]));
      for (const [r, sent] of [[stored[0]!, events[0]!], [stored[1]!, events[1]!], [stored[2]!, events[3]!]] as const) {
        expect(r.received.equals(sent.received)).toBe(true);
        expect(r.core_digest.equals(sent.coreDigest)).toBe(true);
        expect(r.ext_digest === null ? sent.extDigest === null : sent.extDigest !== null && r.ext_digest.equals(sent.extDigest)).toBe(true);
      }
      const [identity] = await submissions.identities([{ source: s.source, id: 'st-pack-a' }], db.manager);
      expect(identity!.coreDigest.equals(events[0]!.coreDigest)).toBe(true);
      expect(identity!.extDigest).toBeNull();
    });
  });

  it('reads the feed in (transaction, sequence) order across month partitions, and pages across the boundary without skipping or repeating', async () => {
    const settled = await feed.eventsAfter([s.sourceId], FEED_START, 10_000, EVERYTHING);
    const start = settled.length > 0 ? positionOf(settled.at(-1)!) : FEED_START;
    const ids = ['st-feed-1', 'st-feed-2', 'st-feed-3', 'st-feed-4'];
    // On the server another suite's open transaction can hold back this source's earlier events past `start`; they may show up among these.
    const ours = (events: StoredEvent[]) => {
      expect(events.filter((e) => e.sourceId !== s.sourceId)).toEqual([]);
      return events.map((e) => e.id).filter((id) => ids.includes(id));
    };
    for (const id of ids) await structured(city, signed(reading(s.source, id), s.cityKey));
    // Two months back, the last instant of last month, and this month: received one after the other in time.
    await partitions.createMonth(monthStart(2));
    await partitions.createMonth(monthStart(1));
    await receivedAt(['st-feed-1'], midMonth(2));
    await receivedAt(['st-feed-2'], new Date(monthStart(0).getTime() - 1));
    await receivedAt(['st-feed-3'], monthStart(0));
    expect((await rows(ids)).map((r) => r.partition)).toEqual([monthPartitionName(monthStart(2)), monthPartitionName(monthStart(1)), ...Array(2).fill(monthPartitionName(monthStart(0)))]);

    const all = await feedShowing(start, ids);
    expect(ours(all)).toEqual(ids);
    const paged: string[] = [];
    let position = start;
    for (let page = await feed.eventsAfter([s.sourceId], position, 1, EVERYTHING); page.length > 0; page = await feed.eventsAfter([s.sourceId], position, 1, EVERYTHING)) {
      paged.push(...ours(page));
      position = positionOf(page.at(-1)!);
    }
    expect(paged).toEqual(ids);
  });

  describe('retention', () => {
    let longer: string;

    /** A second agreement for the same vendor and source, keeping data five years, signed only by `signers`. */
    const agreementKeeping = async (retentionPeriod: string, signers: [TestOrganisation, DsseKey][]) => {
      const { id } = (await t.http.post('/api/v1/agreements').set(bearer(s.city.adminKey)).send({ ...airAgreementBody(s.vendor.slug, s.sourceId), retention: retentionPeriod }).expect(201))
        .body as { id: string };
      await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(s.city.adminKey)).expect(200);
      for (const signer of signers) await sign(id, ...signer);
      return id;
    };
    const sign = async (agreementId: string, org: TestOrganisation, key: DsseKey) => {
      const view = (await t.http.get(`/api/v1/organisations/${org.slug}/agreements/${agreementId}`).set(bearer(org.adminKey)).expect(200)).body as { versions: { documentBase64: string }[] };
      const jws = await signDetached(new Uint8Array(Buffer.from(view.versions[0]!.documentBase64, 'base64')), {
        kid: key.keyid, alg: 'EdDSA', privateKey: (await importJWK(key.privateKey as JWK, 'EdDSA')) as CryptoKey,
      });
      await t.http.post(`/api/v1/agreements/${agreementId}/versions/1/signatures`).set(bearer(org.adminKey)).send({ jws }).expect(201);
    };

    beforeAll(async () => {
      longer = await agreementKeeping('P5Y', [[s.city, s.cityKey]]);
    });

    it("deletes in batches the vendor's events past its signed agreement's retention, with their identities, keeps the owner's and the recent ones, and drops the month it emptied", async () => {
      const due = ['st-due-1', 'st-due-2', 'st-due-3', 'st-due-4', 'st-due-5'];
      const vendorKept = ['st-kept-recent', 'st-kept-fresh'];
      const submitted = await batch(vendor, signedBatch([...due, ...vendorKept].map((id) => reading(s.source, id)), s.vendorKey));
      expect(statuses(submitted)).toEqual(Array(7).fill('accepted'));
      expect(statuses(await structured(city, signed(reading(s.source, 'st-owner-old'), s.cityKey)))).toEqual(['accepted']);

      // One year is the only retention signed by every party (the five years are signed by the city alone).
      await partitions.createMonth(monthStart(18));
      await partitions.createMonth(monthStart(19));
      await receivedAt(due.slice(0, 3), midMonth(18));
      await receivedAt(due.slice(3), midMonth(40));
      await receivedAt(['st-kept-recent'], midMonth(6));
      await receivedAt(['st-owner-old'], midMonth(19));
      expect((await rows(due)).map((r) => r.partition)).toEqual([...Array(3).fill(monthPartitionName(monthStart(18))), 'exchange_events_default', 'exchange_events_default']);

      const run = await retention.run();
      // Two rows a statement: at least three statements for five events (on the server, other suites' due events add to both).
      expect(run.deleted).toBeGreaterThanOrEqual(5);
      expect(run.statements).toBeGreaterThanOrEqual(3);
      const everything = [...due, ...vendorKept, 'st-owner-old'];
      expect((await rows(everything)).map((r) => r.id)).toEqual(['st-kept-fresh', 'st-kept-recent', 'st-owner-old']);
      expect(await identities(everything)).toEqual(['st-kept-fresh', 'st-kept-recent', 'st-owner-old']);
      // Dropping waits at most a moment for the table's lock: on the server, other suites' transactions may hold it off.
      for (let attempt = 0; attempt < 20 && (await exists(monthPartitionName(monthStart(18)))); attempt++) await retention.dropEmptiedMonths(new Date());
      expect(await exists(monthPartitionName(monthStart(18)))).toBe(false);
      expect(await exists(monthPartitionName(monthStart(19)))).toBe(true);
      expect((await feed.eventsAfter([s.sourceId], FEED_START, 10_000, EVERYTHING)).map((e) => e.id).filter((id) => due.includes(id))).toEqual([]);

      // Forgotten, the same event is new again: accepted under a new sequence.
      const again = await structured(vendor, signed(reading(s.source, 'st-due-1'), s.vendorKey));
      expect(statuses(again)).toEqual(['accepted']);
      expect(BigInt(again.outcomes[0]!.sequence!)).toBeGreaterThan(BigInt(submitted.outcomes.at(-1)!.sequence!));
    });

    it('keeps a vendor event for the longest retention once every party has signed the version that states it', async () => {
      await sign(longer, s.vendor, s.vendorKey);
      const ids = ['st-longest-inside', 'st-longest-past'];
      expect(statuses(await batch(vendor, signedBatch(ids.map((id) => reading(s.source, id)), s.vendorKey)))).toEqual(['accepted', 'accepted']);
      await receivedAt(['st-longest-inside'], midMonth(18));
      await receivedAt(['st-longest-past'], midMonth(64));
      await retention.run();
      expect((await rows(ids)).map((r) => r.id)).toEqual(['st-longest-inside']);
    });

    it("makes the partitions of a month and the next ahead of time, moving into the new month the rows the default partition took for it", async () => {
      // A month with no partition yet, far ahead: its rows wait in the default partition until one is made.
      const future = new Date(Date.UTC(new Date().getUTCFullYear() + 3, 0, 1));
      const [month, next] = [monthPartitionName(future), monthPartitionName(new Date(Date.UTC(future.getUTCFullYear(), 1, 1)))];
      try {
        expect(statuses(await structured(city, signed(reading(s.source, 'st-future'), s.cityKey)))).toEqual(['accepted']);
        await receivedAt(['st-future'], new Date(future.getTime() + 86_400_000));
        expect((await rows(['st-future']))[0]!.partition).toBe('exchange_events_default');
        expect(await retention.partitionsAhead(new Date(future.getTime() + 2 * 86_400_000))).toEqual([month, next]);
        expect((await rows(['st-future']))[0]!.partition).toBe(month);
        expect(await retention.partitionsAhead(new Date(future.getTime() + 2 * 86_400_000))).toEqual([]);
      } finally {
        await db.query(`DELETE FROM exchange_events WHERE ce_source = $1 AND ce_id = 'st-future'`, [s.source]);
        for (const table of [month, next]) await db.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });
});
