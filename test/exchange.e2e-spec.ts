import { decodeBase64, SCHEME_VERSION, verifyBinary, verifyStructured } from '#plaza/dsse';
import { bearer, createOrganisation } from './support/fixtures.js';
import {
  AIR_TYPE, airAgreementBody, BATCH, binaryReading, exchangeScenario, type ExchangeScenario, nowSeconds, post, reading, readingData, registerDsseKey, STRUCTURED, signed, signedBatch,
} from './support/exchange-fixtures.js';
import type { EventFeedResponse, ServedEvent } from '../apps/registry/src/exchange/exchange.dto.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

describe('the exchange gateway: signed events in, verifiable events out', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' });
    s = await exchangeScenario(t);
  });
  afterAll(() => t.close());

  const feed = async (apiKey: string, query: Record<string, string | number> = {}) =>
    (await t.http.get('/api/v1/exchange/events').set(bearer(apiKey)).query({ source: s.source, ...query }).expect(200)).body as EventFeedResponse;
  /**
   * The feed once it shows these events. An accepted event is served once every transaction of the database that
   * began before it has ended, so a suite running beside this one on a server database can hold it back a moment.
   */
  const feedShowing = async (ids: string[], query: Record<string, string | number> = {}): Promise<EventFeedResponse> => {
    for (let attempt = 0; ; attempt++) {
      const page = await feed(s.city.adminKey, { limit: 1000, ...query });
      if (ids.every((id) => page.items.some((item) => item.id === id)) || attempt === 100) return page;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('accepts a structured event (201), answers its signed retry as a duplicate (200, same sequence and time) and a changed one as a conflict (409)', async () => {
    const time = nowSeconds();
    const text = reading(s.source, 'st-1', { time });
    const first = await post(t, s.vendor.adminKey, STRUCTURED, signed(text, s.vendorKey)).expect(201);
    expect(first.body).toEqual({ status: 'accepted', source: s.source, id: 'st-1', sequence: expect.stringMatching(/^\d+$/), receivedAt: expect.any(String) });
    expect(new Date(first.body.receivedAt).toISOString()).toBe(first.body.receivedAt);

    // Re-signed (a new signature over the same content, with different whitespace outside the data): the same event.
    const again = await post(t, s.vendorMemberKey, STRUCTURED, signed(text.replace('{"specversion"', '{ "specversion"'), s.vendorKey)).expect(200);
    expect(again.body).toEqual({ ...first.body, status: 'duplicate' });

    const changed = await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'st-1', { time, data: readingData(time).replace('9.7', '9.8') }), s.vendorKey)).expect(409);
    expect(changed.body).toMatchObject({ code: 'exchange.event_conflict', check: 'once', status: 409 });
    expect(changed.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts binary mode: ce-* headers, the body as data', async () => {
    const { headers, body } = binaryReading(s.source, 'bin-1', s.vendorKey);
    const res = await post(t, s.vendor.adminKey, headers['content-type']!, body, headers).expect(201);
    expect(res.body).toMatchObject({ status: 'accepted', id: 'bin-1' });
  });

  it('answers a batch per event, storing the accepted ones even when others are rejected', async () => {
    const good = reading(s.source, 'batch-1');
    const unknownSource = reading(`${s.source}:nowhere`, 'batch-2');
    const res = await post(t, s.vendor.adminKey, BATCH, signedBatch([good, unknownSource, reading(s.source, 'batch-3'), good], s.vendorKey)).expect(200);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'duplicate']);
    expect(res.body.results[1]).toMatchObject({ index: 1, code: 'exchange.source_unknown', check: 'source', id: 'batch-2' });
    expect(res.body.results[3].sequence).toBe(res.body.results[0].sequence);
    const ids = (await feedShowing(['batch-1', 'batch-3'])).items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['batch-1', 'batch-3']));
    expect(ids).not.toContain('batch-2');
  });

  it('lets the owning city send events for its own source without an agreement', async () => {
    await post(t, s.city.adminKey, STRUCTURED, signed(reading(s.source, 'city-1', { data: readingData(nowSeconds(), ',"temperature":4.5') }), s.cityKey)).expect(201);
  });

  it('serves accepted events exactly as received, so the city verifies the vendor signature itself', async () => {
    const page = await feedShowing(['st-1', 'bin-1', 'batch-1'], { type: AIR_TYPE });
    const items = page.items.filter((i) => ['st-1', 'bin-1', 'batch-1'].includes(i.id));
    expect(items.map((i) => i.mode).sort()).toEqual(['batch', 'binary', 'structured']);
    for (const item of items) {
      expect(item).toMatchObject({ source: s.source, type: AIR_TYPE, scheme: SCHEME_VERSION, keyid: s.vendorKey.keyid });
      const keys = { [s.vendorKey.keyid]: s.vendorKey.publicKey };
      const result = item.mode === 'binary'
        ? await verifyBinary(item.headers!, decodeBase64(item.bodyBase64!)!, keys)
        : await verifyStructured(decodeBase64(item.eventBase64!)!, keys);
      expect(result).toMatchObject({ ok: true, keyid: s.vendorKey.keyid });
      expect(result.ok && result.event.attributes.time).toBe(item.time);
    }
    // A changed byte would not verify: the served bytes are the signed bytes.
    const structured = items.find((i) => i.mode === 'structured')!;
    const altered = Buffer.from(decodeBase64(structured.eventBase64!)!).toString('utf8').replace('9.7', '9.6');
    expect((await verifyStructured(altered, { [s.vendorKey.keyid]: s.vendorKey.publicKey })).ok).toBe(false);
  });

  it('serves a structured or batch event as a JSON object beside its bytes, and the deprecated text form still verifies', async () => {
    const items = (await feedShowing(['st-1', 'bin-1', 'batch-1'])).items.filter((i) => ['st-1', 'bin-1', 'batch-1'].includes(i.id));
    const keys = { [s.vendorKey.keyid]: s.vendorKey.publicKey };
    for (const item of items.filter((i) => i.mode !== 'binary')) {
      const bytes = Buffer.from(decodeBase64(item.eventBase64!)!);
      expect(item.cloudEvent).toEqual(JSON.parse(bytes.toString('utf8')));
      expect(item.cloudEvent).toMatchObject({ id: item.id, source: s.source, type: AIR_TYPE, data: { pollutants: expect.any(Object) } });
      expect(item.event).toBe(bytes.toString('utf8'));
      expect(await verifyStructured(item.event!, keys)).toMatchObject({ ok: true });
    }
    const binary = items.find((i) => i.mode === 'binary')!;
    expect(binary).not.toHaveProperty('cloudEvent');
    expect(binary).not.toHaveProperty('eventBase64');
    expect(binary).not.toHaveProperty('event');
  });

  it('pages the feed by cursor and gives a poll cursor that picks up what is accepted later', async () => {
    const all = (await feedShowing(['st-1', 'bin-1', 'batch-1', 'batch-3', 'city-1'])).items;
    const first = await feed(s.city.adminKey, { limit: 2 });
    expect(first.items).toEqual(all.slice(0, 2));
    expect(first.nextCursor).not.toBeNull();
    const rest = await feed(s.city.adminKey, { limit: 1000, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((i) => i.sequence)).toEqual(all.map((i) => i.sequence));
    expect(rest.nextCursor).toBeNull();
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'late-1'), s.vendorKey)).expect(201);
    const later = await feedShowing(['late-1'], { cursor: rest.pollCursor });
    expect(later.items.map((i) => i.id)).toEqual(['late-1']);
    const bad = await t.http.get('/api/v1/exchange/events').set(bearer(s.city.adminKey)).query({ source: s.source, cursor: Buffer.from('{"x":"99999999999999999999","s":"1"}').toString('base64url') }).expect(400);
    expect(bad.body.code).toBe('request.invalid_cursor');
  });

  it('lets only the city and the parties to an agreement covering the source read its events: anyone else gets 404', async () => {
    expect((await feed(s.vendorMemberKey)).items.length).toBeGreaterThan(0);
    const stranger = await createOrganisation(t, uniqueSlug('ex-stranger'), 'vendor');
    const refused = await t.http.get('/api/v1/exchange/events').set(bearer(stranger.adminKey)).query({ source: s.source }).expect(404);
    const missing = await t.http.get('/api/v1/exchange/events').set(bearer(stranger.adminKey)).query({ source: `${s.source}:none` }).expect(404);
    expect(refused.body.code).toBe('exchange.source_not_found');
    expect(missing.body.code).toBe(refused.body.code);
    await t.http.get('/api/v1/exchange/events').query({ source: s.source }).expect(401);
  });

  it('runs every check in a dry run and stores nothing', async () => {
    const text = reading(s.source, 'dry-1');
    const valid = await post(t, s.vendor.adminKey, STRUCTURED, signed(text, s.vendorKey), {}, '/api/v1/exchange/events/dry-run').expect(200);
    expect(valid.body).toEqual({ status: 'valid', source: s.source, id: 'dry-1' });
    const refused = await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'dry-2', { data: readingData(nowSeconds(), ',"temperature":3') }), s.vendorKey), {}, '/api/v1/exchange/events/dry-run').expect(422);
    expect(refused.body).toMatchObject({ code: 'exchange.field_not_allowed', check: 'terms', errors: [{ pointer: '/data/temperature' }] });
    const changed = reading(s.source, 'st-1', { data: readingData(nowSeconds()).replace('9.7', '1.5') });
    const batch = await post(t, s.vendor.adminKey, BATCH, signedBatch([reading(s.source, 'dry-3'), changed], s.vendorKey), {}, '/api/v1/exchange/events/dry-run').expect(200);
    expect(batch.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual(['valid', 'exchange.event_conflict']);
    const ids = (await feed(s.city.adminKey, { limit: 1000 })).items.map((i) => i.id);
    expect(ids.filter((id) => id.startsWith('dry-'))).toEqual([]);
    const rejections = (await t.http.get('/api/v1/exchange/rejections').set(bearer(s.vendor.adminKey)).query({ limit: 200 }).expect(200)).body.items as { id: string }[];
    expect(rejections.filter((r) => r.id?.startsWith('dry-'))).toEqual([]);
    // The event checked in the dry run is accepted for real afterwards.
    await post(t, s.vendor.adminKey, STRUCTURED, signed(text, s.vendorKey)).expect(201);
  });

  it('lists rejections newest first, however many digits their positions have (never sorted as text)', async () => {
    const ids = Array.from({ length: 12 }, (_, n) => `order-${n}`);
    for (const id of ids) {
      await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, id, { data: readingData(nowSeconds(), ',"temperature":3') }), s.vendorKey)).expect(422);
    }
    const listed = (await t.http.get('/api/v1/exchange/rejections').set(bearer(s.vendor.adminKey)).query({ limit: 12 }).expect(200)).body.items as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual([...ids].reverse());
  });

  it("shows a vendor its own rejections with their details, and nobody else's", async () => {
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'rej-1', { data: readingData(nowSeconds(), ',"temperature":3') }), s.vendorKey)).expect(422);
    const mine = (await t.http.get('/api/v1/exchange/rejections').set(bearer(s.vendorMemberKey)).expect(200)).body.items as Record<string, unknown>[];
    expect(mine[0]).toMatchObject({
      id: 'rej-1', source: s.source, code: 'exchange.field_not_allowed', check: 'terms', signatureVerified: true, keyid: s.vendorKey.keyid,
      errors: [{ pointer: '/data/temperature', detail: expect.any(String) }], mode: 'structured', index: null,
    });
    const cityView = (await t.http.get('/api/v1/exchange/rejections').set(bearer(s.city.adminKey)).expect(200)).body.items as { id: string }[];
    expect(cityView.map((r) => r.id)).not.toContain('rej-1');
  });

  it('keeps a public conformance record per source, counting only events whose signature verified', async () => {
    const before = (await t.http.get(`/api/v1/sources/${s.sourceId}/conformance`).expect(200)).body;
    // Unsigned: refused at the signature check, so it cannot count against the vendor.
    await post(t, s.vendor.adminKey, STRUCTURED, reading(s.source, 'conf-1')).expect(422);
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'conf-2', { data: readingData(nowSeconds(), ',"temperature":3') }), s.vendorKey)).expect(422);
    // One reading, sent twice: built twice, its time could fall in the next second and make it another event.
    const third = reading(s.source, 'conf-3');
    await post(t, s.vendor.adminKey, STRUCTURED, signed(third, s.vendorKey)).expect(201);
    await post(t, s.vendor.adminKey, STRUCTURED, signed(third, s.vendorKey)).expect(200);
    const after = (await t.http.get(`/api/v1/sources/${s.sourceId}/conformance`).expect(200)).body;
    expect(after).toMatchObject({ source: s.sourceId, ceSource: s.source, accepted: before.accepted + 1, rejected: before.rejected + 1 });
    expect(after.rejectedByCode['exchange.field_not_allowed']).toBe((before.rejectedByCode['exchange.field_not_allowed'] ?? 0) + 1);
    expect(after.rejectedByCode['exchange.signature_missing']).toBeUndefined();
    expect(Date.parse(after.lastAcceptedAt)).toBeGreaterThanOrEqual(Date.parse(before.lastAcceptedAt));
    expect((await t.http.get('/api/v1/sources/00000000-0000-4000-8000-000000000000/conformance').expect(404)).body.code).toBe('source.not_found');
  });

  it("does not count in a source's public record what another organisation's key signs about it", async () => {
    const before = (await t.http.get(`/api/v1/sources/${s.sourceId}/conformance`).expect(200)).body;
    const stranger = await createOrganisation(t, uniqueSlug('ex-smear'), 'vendor');
    const key = await registerDsseKey(t, stranger);
    for (const n of [1, 2, 3]) {
      const res = await post(t, stranger.adminKey, STRUCTURED, signed(reading(s.source, `smear-${n}`), key)).expect(403);
      expect(res.body.code).toBe('exchange.not_source_operator');
    }
    const after = (await t.http.get(`/api/v1/sources/${s.sourceId}/conformance`).expect(200)).body;
    expect(after.rejectedByCode).toEqual(before.rejectedByCode);
    expect(after.rejected).toBe(before.rejected);
  });

  it('accepts events signed with a P-256 key (raw r||s)', async () => {
    const key = await registerDsseKey(t, s.vendor, 'ES256');
    const res = await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'p256-1'), key)).expect(201);
    expect(res.body.status).toBe('accepted');
  });
});

describe("who reads a source's events", () => {
  let t: TestApp;
  let s: ExchangeScenario;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' });
    // The source also emits noise levels, which the vendor's agreement does not cover.
    s = await exchangeScenario(t, { sourceStandards: [{ standard: 'air-quality-observation', major: 1 }, { standard: 'noise-level-observation', major: 1 }] });
  });
  afterAll(() => t.close());

  const NOISE_TYPE = 'org.plaza.noise-level-observation';
  const read = (apiKey: string, query: Record<string, string> = {}) => t.http.get('/api/v1/exchange/events').set(bearer(apiKey)).query({ source: s.source, limit: 1000, ...query });
  const noise = (id: string) => {
    const time = nowSeconds();
    return reading(s.source, id, {
      attributes: { type: JSON.stringify(NOISE_TYPE), dataschema: JSON.stringify('https://schemas.plaza.example/standards/noise-level-observation/1.0.0/schema.json') },
      data: `{"sensorId":"n-1","periodStart":"${time}","periodEnd":"${time}","location":{"type":"Point","coordinates":[4.35,50.85]},"laeq":47}`,
    });
  };

  it('refuses a vendor named only in an agreement that was terminated before it came into force (404)', async () => {
    const other = await createOrganisation(t, uniqueSlug('ex-drafted'), 'vendor');
    const { id } = (await t.http.post('/api/v1/agreements').set(bearer(s.city.adminKey)).send(airAgreementBody(other.slug, s.sourceId)).expect(201)).body as { id: string };
    await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(s.city.adminKey)).expect(200);
    await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(s.city.adminKey)).send({ reason: 'Abandoned before signature.' }).expect(200);
    expect((await read(other.adminKey).expect(404)).body.code).toBe('exchange.source_not_found');
  });

  it('shows the city every event of its source, and a vendor only the types its agreement covers (another type asked for: 404)', async () => {
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'who-air'), s.vendorKey)).expect(201);
    await post(t, s.city.adminKey, STRUCTURED, signed(noise('who-noise'), s.cityKey)).expect(201);
    let cityIds: string[] = [];
    for (let attempt = 0; attempt < 100 && cityIds.length < 2; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      cityIds = ((await read(s.city.adminKey).expect(200)).body.items as ServedEvent[]).map((i) => i.id);
    }
    expect(cityIds.sort()).toEqual(['who-air', 'who-noise']);
    expect(((await read(s.vendorMemberKey).expect(200)).body.items as ServedEvent[]).map((i) => i.id)).toEqual(['who-air']);
    expect(((await read(s.vendor.adminKey, { type: AIR_TYPE }).expect(200)).body.items as ServedEvent[]).map((i) => i.id)).toEqual(['who-air']);
    expect((await read(s.vendor.adminKey, { type: NOISE_TYPE }).expect(404)).body.code).toBe('exchange.source_not_found');
    expect(((await read(s.city.adminKey, { type: NOISE_TYPE }).expect(200)).body.items as ServedEvent[]).map((i) => i.id)).toEqual(['who-noise']);
  });

  it("stops serving a vendor the source's events once its agreement is terminated, while the city still reads them", async () => {
    await read(s.vendor.adminKey).expect(200);
    await t.http.post(`/api/v1/agreements/${s.agreementId}/terminate`).set(bearer(s.city.adminKey)).send({ reason: 'The contract ended.' }).expect(200);
    expect((await read(s.vendor.adminKey).expect(404)).body.code).toBe('exchange.source_not_found');
    await read(s.city.adminKey).expect(200);
  });
});

describe('the exchange quota', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '5' });
    s = await exchangeScenario(t);
  });
  afterAll(() => t.close());

  it("refuses a request that would go beyond the organisation's events a minute with 429 and Retry-After, counting nothing for it", async () => {
    // Avoid a minute boundary during the test: the window is the calendar minute.
    if (new Date().getSeconds() > 50) await new Promise((resolve) => setTimeout(resolve, 11_000));
    const batch = (prefix: string, n: number) => signedBatch(Array.from({ length: n }, (_, i) => reading(s.source, `${prefix}-${i}`)), s.vendorKey);
    expect((await post(t, s.vendor.adminKey, BATCH, batch('q1', 4)).expect(200)).body.accepted).toBe(4);
    const refused = await post(t, s.vendor.adminKey, BATCH, batch('q2', 2)).expect(429);
    expect(refused.body.code).toBe('exchange.quota_exceeded');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The refused request took nothing: one more event still fits, and the city's quota is its own.
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'q3'), s.vendorKey)).expect(201);
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'q4'), s.vendorKey)).expect(429);
    await post(t, s.city.adminKey, STRUCTURED, signed(reading(s.source, 'q5'), s.cityKey)).expect(201);
  });
});
