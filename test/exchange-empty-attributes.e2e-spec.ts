import { DataSource } from 'typeorm';
import { bearer } from './support/fixtures.js';
import { BATCH, binaryReading, exchangeScenario, type ExchangeScenario, post, reading, signed, signedBatch, STRUCTURED } from './support/exchange-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * CloudEvents: every optional attribute that is present is non-empty. An empty one is also invisible to the
 * signature (the Verifiability extension digests an empty attribute as an absent one), so each is refused at the
 * envelope check, in each of the three modes.
 */
describe('the exchange refuses an empty attribute in every mode, as CloudEvents requires', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  const prefix = `empty-${Date.now().toString(36)}`;
  const id = (name: string) => `${prefix}-${name}`;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' });
    s = await exchangeScenario(t);
  });
  afterAll(() => t.close());

  const stored = async (eventId: string) =>
    Number((await t.app.get(DataSource).query('SELECT count(*) AS n FROM exchange_events WHERE ce_id = $1', [eventId]))[0].n);
  const vendorPosts = (body: string | Buffer, contentType = STRUCTURED, headers: Record<string, string> = {}) => post(t, s.vendor.adminKey, contentType, body, headers);

  it('refuses a relay that adds "subject": "" to a signed event (the signature still verifies): 422 exchange.attribute_empty, nothing stored', async () => {
    const text = signed(reading(s.source, id('relay')), s.vendorKey).toString();
    const relayed = text.replace(/^\{/, '{"subject":"",');
    const res = await vendorPosts(relayed).expect(422);
    expect(res.body).toMatchObject({ code: 'exchange.attribute_empty', check: 'envelope', errors: [{ pointer: '/subject', detail: expect.any(String) }] });
    expect(await stored(id('relay'))).toBe(0);
    // The event as signed is accepted.
    await vendorPosts(text).expect(201);
  });

  it.each([
    ['subject', { subject: '""' }],
    ['dataschema', { dataschema: '""' }],
    ['datacontenttype', { datacontenttype: '""' }],
    ['extension attribute', { region: '""' }],
  ])('refuses an empty %s in structured mode', async (_name, attributes) => {
    const eventId = id(`structured-${Object.keys(attributes)[0]}`);
    const res = await vendorPosts(signed(reading(s.source, eventId, { attributes }), s.vendorKey)).expect(422);
    expect(res.body).toMatchObject({ code: 'exchange.attribute_empty', check: 'envelope', errors: [{ pointer: `/${Object.keys(attributes)[0]}` }] });
    expect(await stored(eventId)).toBe(0);
  });

  it('refuses only the event of a batch that carries an empty attribute, and accepts the others', async () => {
    const empty = reading(s.source, id('batch-empty'), { attributes: { subject: '""' } });
    const good = reading(s.source, id('batch-good'));
    const res = await vendorPosts(signedBatch([empty, good], s.vendorKey), BATCH).expect(200);
    expect(res.body.results).toEqual([
      expect.objectContaining({ index: 0, status: 'rejected', code: 'exchange.attribute_empty', check: 'envelope', errors: [{ pointer: '/subject', detail: expect.any(String) }] }),
      expect.objectContaining({ index: 1, status: 'accepted' }),
    ]);
    expect(await stored(id('batch-empty'))).toBe(0);
    expect(await stored(id('batch-good'))).toBe(1);
  });

  it('refuses an empty ce-* header in binary mode, even one added after signing', async () => {
    const { headers, body } = binaryReading(s.source, id('binary'), s.vendorKey);
    const res = await t.http.post('/api/v1/exchange/events').set(bearer(s.vendor.adminKey)).set(headers).set('ce-subject', '').send(body.toString()).expect(422);
    expect(res.body).toMatchObject({ code: 'exchange.attribute_empty', check: 'envelope', errors: [{ pointer: '/subject' }] });
    expect(await stored(id('binary'))).toBe(0);
    await t.http.post('/api/v1/exchange/events').set(bearer(s.vendor.adminKey)).set(headers).send(body.toString()).expect(201);
  });
});
