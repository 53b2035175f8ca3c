import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { verifyStructured } from '#plaza/dsse';
import { CallerRejections } from '../../apps/registry/src/exchange/feed/caller-rejections.js';
import { FEED_START, type FeedPosition } from '../../apps/registry/src/exchange/feed/cursors.js';
import { type FeedFilter, FeedRepository } from '../../apps/registry/src/exchange/feed/feed.repository.js';
import { SourceConformance } from '../../apps/registry/src/exchange/feed/source-conformance.js';
import { RegistryReadModel } from '../../apps/registry/src/exchange/registry-read-model.js';
import { type NewEvent, SubmissionRepository } from '../../apps/registry/src/exchange/submit/submission.repository.js';
import { SubmitEvents } from '../../apps/registry/src/exchange/submit/submit-events.js';
import { AUTHENTICATOR, type Authenticator } from '../../apps/registry/src/kernel/auth/authenticator.js';
import type { Principal } from '../../apps/registry/src/kernel/auth/principal.js';
import {
  AIR_TYPE, airSchema, BATCH, type DsseKey, exchangeScenario, type ExchangeScenario, nowSeconds, reading, readingData, registerDsseKey, signed, signedBatch, STRUCTURED,
} from '../support/exchange-fixtures.js';
import { createOrganisation } from '../support/fixtures.js';
import { describeOnServer, startTestApp, type TestApp, uniqueSlug } from '../support/test-app.js';

const NOISE_TYPE = 'org.plaza.noise-level-observation';
const AIR_ONLY: FeedFilter = { type: null, covered: [{ standard: 'air-quality-observation', major: 1 }] };
const EVERYTHING: FeedFilter = { type: null, covered: null };

/**
 * The exchange's submission and feed on the database, without HTTP: SubmitEvents, the repositories and the feed's
 * readers are called directly. The cast (a city, its vendor, their keys, a source emitting air and noise readings, an
 * agreement in force for air readings) is registered over the public API in beforeAll, as people would.
 */
describe('the exchange: submission and feed on the database', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let db: DataSource;
  let submit: SubmitEvents;
  let feed: FeedRepository;
  let vendor: Principal;
  let city: Principal;
  let stranger: Principal;
  let strangerKey: DsseKey;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000' });
    s = await exchangeScenario(t, { sourceStandards: [{ standard: 'air-quality-observation', major: 1 }, { standard: 'noise-level-observation', major: 1 }] });
    const other = await createOrganisation(t, uniqueSlug('int-ex-stranger'), 'vendor');
    strangerKey = await registerDsseKey(t, other);
    db = t.app.get(DataSource);
    submit = t.app.get(SubmitEvents, { strict: false });
    feed = t.app.get(FeedRepository, { strict: false });
    const authenticator = t.app.get<Authenticator>(AUTHENTICATOR, { strict: false });
    [vendor, city, stranger] = await Promise.all([s.vendor.adminKey, s.city.adminKey, other.adminKey].map((key) => authenticator.authenticate(`Bearer ${key}`)));
  });
  afterAll(() => t?.close());

  const structured = (principal: Principal, body: Buffer, dryRun = false) => submit.submit(principal, { rawHeaders: ['Content-Type', STRUCTURED], body }, dryRun);
  const batch = (principal: Principal, body: Buffer, dryRun = false) => submit.submit(principal, { rawHeaders: ['Content-Type', BATCH], body }, dryRun);
  const statuses = (submission: Awaited<ReturnType<SubmitEvents['submit']>>) => submission.outcomes.map((o) => o.refusal?.code ?? o.status);
  /** The stored rows of these ids of the scenario's source. */
  const rows = async (ids: string[]) =>
    (await db.query('SELECT sequence::text AS sequence, ce_id, received, core_digest, ext_digest, keyid, mode FROM exchange_events WHERE ce_source = $1 AND ce_id = ANY($2) ORDER BY sequence', [
      s.source, ids,
    ])) as { sequence: string; ce_id: string; received: Buffer; core_digest: Buffer; ext_digest: Buffer | null; keyid: string; mode: string }[];
  /** A text the vendor's agreement does not allow (a field outside its allowed fields): refused at the terms check. */
  const notAllowed = (id: string) => reading(s.source, id, { data: readingData(nowSeconds(), ',"temperature":3') });
  const noise = (id: string) => {
    const time = nowSeconds();
    return reading(s.source, id, {
      attributes: { type: JSON.stringify(NOISE_TYPE), dataschema: JSON.stringify('https://schemas.plaza.example/standards/noise-level-observation/1.0.0/schema.json') },
      data: `{"sensorId":"n-1","periodStart":"${time}","periodEnd":"${time}","location":{"type":"Point","coordinates":[4.35,50.85]},"laeq":47}`,
    });
  };
  /**
   * The source's feed after `after` once it shows every one of `ids`: on the server, a transaction of another suite
   * still open in this database holds back events committed after it began, for a moment.
   */
  const feedShowing = async (after: FeedPosition, ids: string[], filter = EVERYTHING) => {
    for (let attempt = 0; ; attempt++) {
      const events = await feed.eventsAfter([s.sourceId], after, 10_000, filter);
      if (ids.every((id) => events.some((e) => e.id === id)) || attempt === 100) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const positionOf = (event: { xid: string; sequence: string }): FeedPosition => ({ xid: event.xid, sequence: event.sequence });

  it('stores an accepted structured event once, with the exact bytes received and its signed digests; the same event re-signed is a duplicate and adds no row', async () => {
    const text = reading(s.source, 'int-once-1');
    const body = signed(text, s.vendorKey);
    const first = await structured(vendor, body);
    expect(first.outcomes).toEqual([{ index: 0, status: 'accepted', source: s.source, id: 'int-once-1', sequence: expect.stringMatching(/^\d+$/), receivedAt: expect.any(Date) }]);
    const verified = await verifyStructured(body, { [s.vendorKey.keyid]: s.vendorKey.publicKey });
    if (!verified.ok) throw new Error('the fixture did not sign a verifiable event');
    const [stored, ...more] = await rows(['int-once-1']);
    expect(more).toEqual([]);
    expect(stored).toMatchObject({ sequence: first.outcomes[0]!.sequence, keyid: s.vendorKey.keyid, mode: 'structured' });
    expect(stored!.received.equals(body)).toBe(true);
    expect(stored!.core_digest.toString('base64')).toBe(verified.digests.core);
    expect(stored!.ext_digest?.toString('base64')).toBe(verified.digests.ext);

    // A new signature over the same content, other bytes outside the data: the same event, answered as first stored.
    const again = await structured(vendor, signed(text.replace('{"specversion"', '{ "specversion"'), s.vendorKey));
    expect(again.outcomes).toEqual([{ ...first.outcomes[0], status: 'duplicate' }]);
    expect(await rows(['int-once-1'])).toEqual([stored]);
  });

  it('refuses other content under the same source and id as a conflict, keeping the event first stored', async () => {
    const time = nowSeconds();
    await structured(vendor, signed(reading(s.source, 'int-conflict-1', { time }), s.vendorKey));
    const [stored] = await rows(['int-conflict-1']);
    const changed = await structured(vendor, signed(reading(s.source, 'int-conflict-1', { time, data: readingData(time).replace('9.7', '9.8') }), s.vendorKey));
    expect(changed.outcomes).toEqual([expect.objectContaining({ status: 'rejected', refusal: expect.objectContaining({ code: 'exchange.event_conflict', check: 'once' }) })]);
    expect(await rows(['int-conflict-1'])).toEqual([stored]);
  });

  it("stores a batch's accepted events each with its own event object's bytes, once, beside a refused one and a repeat", async () => {
    const [a, b] = [reading(s.source, 'int-batch-a'), reading(s.source, 'int-batch-b')];
    const body = signedBatch([a, notAllowed('int-batch-refused'), b, a], s.vendorKey);
    const submission = await batch(vendor, body);
    expect(statuses(submission)).toEqual(['accepted', 'exchange.field_not_allowed', 'accepted', 'duplicate']);
    expect(submission.outcomes[3]!.sequence).toBe(submission.outcomes[0]!.sequence);
    const stored = await rows(['int-batch-a', 'int-batch-b', 'int-batch-refused']);
    expect(stored.map((r) => [r.ce_id, r.mode])).toEqual([['int-batch-a', 'batch'], ['int-batch-b', 'batch']]);
    const objects = JSON.parse(body.toString('utf8')) as unknown[];
    for (const [row, sent] of [[stored[0]!, objects[0]], [stored[1]!, objects[2]]] as const) {
      expect(body.includes(row.received)).toBe(true);
      expect(JSON.parse(row.received.toString('utf8'))).toEqual(sent);
    }
  });

  it('runs a dry run through every check and stores nothing: no event, no rejection, no conformance count', async () => {
    const rejectionsBefore = (await t.app.get(CallerRejections, { strict: false }).page(vendor, { limit: 200 })).items.length;
    const conformanceBefore = await t.app.get(SourceConformance, { strict: false }).of(s.sourceId);
    const valid = reading(s.source, 'int-dry-valid');
    expect(statuses(await structured(vendor, signed(valid, s.vendorKey), true))).toEqual(['valid']);
    expect(statuses(await batch(vendor, signedBatch([reading(s.source, 'int-dry-b'), notAllowed('int-dry-refused')], s.vendorKey), true))).toEqual(['valid', 'exchange.field_not_allowed']);
    expect(await rows(['int-dry-valid', 'int-dry-b', 'int-dry-refused'])).toEqual([]);
    expect((await t.app.get(CallerRejections, { strict: false }).page(vendor, { limit: 200 })).items).toHaveLength(rejectionsBefore);
    expect(await t.app.get(SourceConformance, { strict: false }).of(s.sourceId)).toEqual(conformanceBefore);
    // What the dry run found valid is accepted for real afterwards.
    expect(statuses(await structured(vendor, signed(valid, s.vendorKey)))).toEqual(['accepted']);
  });

  it("keeps a refused event as its sender's rejection, counting it in the source's conformance only when the sender is its owner or operator", async () => {
    const rejections = t.app.get(CallerRejections, { strict: false });
    const conformance = t.app.get(SourceConformance, { strict: false });
    const before = await conformance.of(s.sourceId);

    expect(statuses(await structured(vendor, signed(notAllowed('int-rej-operator'), s.vendorKey)))).toEqual(['exchange.field_not_allowed']);
    expect((await rejections.page(vendor, { limit: 1 })).items[0]).toMatchObject({
      id: 'int-rej-operator', source: s.source, code: 'exchange.field_not_allowed', check: 'terms', keyid: s.vendorKey.keyid, signatureVerified: true, mode: 'structured', index: null,
    });
    const afterOperator = await conformance.of(s.sourceId);
    expect(afterOperator.rejected).toBe(before.rejected + 1);
    expect(afterOperator.rejectedByCode['exchange.field_not_allowed']).toBe((before.rejectedByCode['exchange.field_not_allowed'] ?? 0) + 1);

    // Another organisation's key, naming the source: refused, kept for that organisation, but no mark on the source's record.
    expect(statuses(await structured(stranger, signed(reading(s.source, 'int-rej-stranger'), strangerKey)))).toEqual(['exchange.not_source_operator']);
    expect((await rejections.page(stranger, {})).items.map((r) => [r.id, r.code])).toEqual([['int-rej-stranger', 'exchange.not_source_operator']]);
    expect((await rejections.page(vendor, { limit: 200 })).items.map((r) => r.id)).not.toContain('int-rej-stranger');
    expect(await conformance.of(s.sourceId)).toEqual(afterOperator);

    // An accepted event counts too, at the time it was received.
    const accepted = await structured(city, signed(reading(s.source, 'int-rej-accepted'), s.cityKey));
    const afterAccepted = await conformance.of(s.sourceId);
    expect(afterAccepted.accepted).toBe(before.accepted + 1);
    expect(Date.parse(afterAccepted.lastAcceptedAt!)).toBeGreaterThanOrEqual(accepted.outcomes[0]!.receivedAt!.getTime() - 1000);
  });

  it('reads the feed in (transaction, sequence) order from a position, and resumes after the last position read without skipping or repeating', async () => {
    const ids = ['int-feed-1', 'int-feed-2', 'int-feed-3', 'int-feed-4', 'int-feed-5'];
    for (const id of ids) await structured(vendor, signed(reading(s.source, id), s.vendorKey));
    const all = await feedShowing(FEED_START, ids);
    const order = (e: { xid: string; sequence: string }) => [BigInt(e.xid), BigInt(e.sequence)] as const;
    for (let i = 1; i < all.length; i++) {
      const [previous, current] = [order(all[i - 1]!), order(all[i]!)];
      expect(previous[0] < current[0] || (previous[0] === current[0] && previous[1] < current[1])).toBe(true);
    }
    expect(all.filter((e) => ids.includes(e.id)).map((e) => e.id)).toEqual(ids);
    const fed = all.find((e) => e.id === 'int-feed-1')!;
    expect(fed).toMatchObject({ source: s.source, type: AIR_TYPE, mode: 'structured', keyid: s.vendorKey.keyid });

    // Pages of two, each read after the last position of the one before, give the whole feed once.
    const paged: string[] = [];
    let position = FEED_START;
    for (let page = await feed.eventsAfter([s.sourceId], position, 2, EVERYTHING); page.length > 0; page = await feed.eventsAfter([s.sourceId], position, 2, EVERYTHING)) {
      paged.push(...page.map((e) => e.sequence));
      position = positionOf(page.at(-1)!);
    }
    expect(paged).toEqual(all.map((e) => e.sequence));

    await structured(vendor, signed(reading(s.source, 'int-feed-later'), s.vendorKey));
    expect((await feedShowing(position, ['int-feed-later'])).map((e) => e.id)).toEqual(['int-feed-later']);
  });

  it('reads only the events its filter lets through: the standards a vendor may read, or one CloudEvents type', async () => {
    await structured(city, signed(noise('int-filter-noise'), s.cityKey));
    await structured(vendor, signed(reading(s.source, 'int-filter-air'), s.vendorKey));
    const ids = (events: { id: string }[]) => events.map((e) => e.id).filter((id) => id.startsWith('int-filter-'));
    expect(ids(await feedShowing(FEED_START, ['int-filter-noise', 'int-filter-air']))).toEqual(['int-filter-noise', 'int-filter-air']);
    const airOnly = await feed.eventsAfter([s.sourceId], FEED_START, 10_000, AIR_ONLY);
    expect(ids(airOnly)).toEqual(['int-filter-air']);
    expect(airOnly.every((e) => e.type === AIR_TYPE)).toBe(true);
    expect(ids(await feed.eventsAfter([s.sourceId], FEED_START, 10_000, { type: NOISE_TYPE, covered: null }))).toEqual(['int-filter-noise']);
    expect(ids(await feed.eventsAfter([s.sourceId], FEED_START, 10_000, { type: NOISE_TYPE, covered: AIR_ONLY.covered }))).toEqual([]);
  });

  describeOnServer('while two transactions insert events (the server runs them at once)', () => {
    /** An event row as the storing phase writes it (the checks are not what is tested here). */
    const newEvent = async (id: string): Promise<NewEvent> => {
      const { versions } = await t.app.get(RegistryReadModel, { strict: false }).standards([AIR_TYPE], [airSchema()]);
      const time = nowSeconds();
      const text = reading(s.source, id, { time });
      return {
        sourceId: s.sourceId, source: s.source, id, type: AIR_TYPE, timeText: time, time: new Date(time), keyid: s.vendorKey.keyid, standardVersionId: versions[0]!.id,
        coreDigest: randomBytes(32), extDigest: null, dssematerial: 'unchecked', received: Buffer.from(text), headers: null,
        receivedAt: new Date(), mode: 'structured', organisationId: vendor.organisationId, apiKeyId: vendor.keyId,
      };
    };

    it('holds back an event committed after a still-open transaction began, then serves both in order: the late commit is not skipped', async () => {
      const submissions = t.app.get(SubmissionRepository, { strict: false });
      const settled = await feed.eventsAfter([s.sourceId], FEED_START, 10_000, EVERYTHING);
      const last = settled.length > 0 ? positionOf(settled.at(-1)!) : FEED_START;

      const open = db.createQueryRunner();
      try {
        await open.startTransaction();
        await submissions.store([await newEvent('int-open-first')], [], [], new Date(), open.manager);
        await submissions.transaction(async (manager) => submissions.store([await newEvent('int-open-second')], [], [], new Date(), manager));
        expect(await rows(['int-open-second'])).toHaveLength(1);
        // Serving the second now would hand out a position beyond the first, which would then never be read.
        expect((await feed.eventsAfter([s.sourceId], last, 10_000, EVERYTHING)).map((e) => e.id)).toEqual([]);
        await open.commitTransaction();
      } finally {
        if (open.isTransactionActive) await open.rollbackTransaction();
        await open.release();
      }
      const after = await feedShowing(last, ['int-open-first', 'int-open-second']);
      expect(after.map((e) => e.id)).toEqual(['int-open-first', 'int-open-second']);
    });
  });
});
