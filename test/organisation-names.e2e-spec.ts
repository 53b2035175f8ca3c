import { DataSource } from 'typeorm';
import { bearer, createOrganisation, organisationBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/** Names people read: none may hide characters, and none may pass for another organisation's. */
describe('names people read', () => {
  let t: TestApp;
  let city: TestOrganisation;
  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('names-city'), 'city');
  });
  afterAll(() => t?.close());

  const create = (slug: string, name: { en: string; fr: string }) => t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'vendor', { name }));

  describe('refuses invisible format and control characters with a 400 naming the field', () => {
    it.each([
      ['a right-to-left override', '\u202e'],
      ['a left-to-right embedding', '\u202a'],
      ['a first-strong isolate', '\u2068'],
      ['a pop directional isolate', '\u2069'],
      ['a zero-width space', '\u200b'],
      ['a zero-width joiner', '\u200d'],
      ['a word joiner', '\u2060'],
      ['a byte order mark', '\ufeff'],
      ['a soft hyphen', '\u00ad'],
      ['a line separator', '\u2028'],
      ['an escape', '\u001b'],
      ['a line feed in a name', '\n'],
      ['a noncharacter (U+FFFF), which XML cannot carry', '\uffff'],
    ])('%s', async (_what, character) => {
      const slug = uniqueSlug('names-hidden');
      const res = await create(slug, { en: `Air${character}Sense ${slug}`, fr: `AirSense ${slug}` }).expect(400);
      expect(res.body).toMatchObject({ code: 'request.invalid', errors: [{ pointer: '#/name/en', detail: expect.stringContaining(`U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`) }] });
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it("in a member's name, a source's description and an edit, but keeps line breaks in long texts", async () => {
      const member = await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).send({ name: 'Alex\u202eTremblay', email: `rlo@${city.slug}.example`, roles: ['member'] }).expect(400);
      expect(member.body.errors).toEqual([expect.objectContaining({ pointer: '#/name' })]);
      const edit = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ privacyContact: { name: { en: 'Privacy\u200b office', fr: 'Bureau' }, email: `p@${city.slug}.example` } }).expect(400);
      expect(edit.body.errors).toEqual([expect.objectContaining({ pointer: '#/privacyContact/name/en' })]);
      const source = { kind: 'sensor', technology: 'air-quality-sensor', name: { en: 'Station', fr: 'Station' }, purpose: { en: 'Air', fr: 'Air' }, measures: [{ en: 'PM2.5', fr: 'PM2,5' }],
        personalInformation: false, legalAuthority: { en: 'Charter', fr: 'Charte' }, location: { type: 'Point', coordinates: [-73.5, 45.5] }, standards: [], ceSource: `urn:plaza:names:${uniqueSlug('s')}` };
      const hidden = await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send({ ...source, description: { en: 'First line.\n\nSecond\u2066 line.', fr: 'Une ligne.' } }).expect(400);
      expect(hidden.body.errors).toEqual([expect.objectContaining({ pointer: '#/description/en' })]);
      await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send({ ...source, description: { en: 'First line.\n\n\tSecond line.', fr: 'Une ligne.\r\nDeux.' } }).expect(201);
    });
  });

  describe("refuses another organisation's display name (409 organisation.name_taken)", () => {
    it.each([
      ['the same name', (n: string) => n],
      ['another letter case', (n: string) => n.toUpperCase()],
      ['other spacing', (n: string) => `  ${n.replace(' ', '  \u00a0 ')} `],
      ['full-width letters', (n: string) => n.replace(/[A-Za-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0))],
    ])('%s, in either language', async (_what, variant) => {
      const taken = `Acme Sensors ${uniqueSlug('x')}`;
      await create(uniqueSlug('names-first'), { en: taken, fr: `Capteurs Acme ${taken}` }).expect(201);
      // The English name of one is the French name of the other.
      const slug = uniqueSlug('names-second');
      const res = await create(slug, { en: `Other ${slug}`, fr: variant(taken) }).expect(409);
      expect(res.body.code).toBe('organisation.name_taken');
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it("on an edit, and the operator's name too; an organisation keeps and re-sends its own name", async () => {
      const rival = await createOrganisation(t, uniqueSlug('names-rival'), 'vendor');
      const own = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.name;
      const res = await t.http.patch(`/api/v1/organisations/${rival.slug}`).set(bearer(rival.adminKey)).send({ name: { en: own.fr.toLowerCase(), fr: 'Autre' } }).expect(409);
      expect(res.body.code).toBe('organisation.name_taken');
      expect((await t.http.get(`/api/v1/organisations/${rival.slug}`).expect(200)).body.name.fr).not.toBe('Autre');
      await t.http.patch(`/api/v1/organisations/${rival.slug}`).set(bearer(rival.adminKey)).send({ name: { en: 'Registry Operator', fr: 'Autre' } }).expect(409);
      await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ name: { en: own.en.toUpperCase(), fr: own.fr } }).expect(200);
      // The name it gave up is free for another.
      await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ name: { en: `Renamed ${city.slug}`, fr: `Renommée ${city.slug}` } }).expect(200);
      await t.http.patch(`/api/v1/organisations/${rival.slug}`).set(bearer(rival.adminKey)).send({ name: own }).expect(200);
    });

    it('lets only one of two concurrent registrations of one name through', async () => {
      const name = { en: `Racing ${uniqueSlug('r')}`, fr: `Course ${uniqueSlug('r')}` };
      const answers = await Promise.all([create(uniqueSlug('names-race'), name), create(uniqueSlug('names-race'), name)]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it('is enforced by the database itself: a unique index on the normalised names', async () => {
      const sql = "SELECT indexdef FROM pg_indexes WHERE tablename = 'organisation_display_names' AND indexdef LIKE 'CREATE UNIQUE INDEX%'";
      const rows = await t.app.get(DataSource).query(sql);
      expect(rows.map((r: { indexdef: string }) => r.indexdef)).toEqual([expect.stringContaining('(name_key)')]);
    });
  });
});
