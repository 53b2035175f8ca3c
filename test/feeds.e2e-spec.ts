import { parseFeed } from '@rowanmanning/feed-parser';
import { addMember, bearer, createOrganisation, createSource, privacyRecordBody, rawBody, registerSigningKey, signDetached, type TestOrganisation } from './support/fixtures.js';
import { airAgreementBody } from './support/exchange-fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const PUBLIC = 'https://plaza.example/register';
const SOURCE_NAME = 'Air quality sensor, rue Sainte-Catherine';
const PERSON = { name: 'Jeanne Tremblay-Feeds', email: `jeanne.feeds.${Date.now()}@city.example` };
const DRAFT_TITLE = 'Licence plate reading on rue Saint-Denis';
const DRAFT_SUMMARY = 'Secret terms of the parking pilot';

/** The feed at `path`, read by a real feed parser, with the links the parser leaves to its element. */
async function feedAt(t: TestApp, path: string, headers: Record<string, string> = {}) {
  const res = await t.http.get(path).set(headers).expect(200);
  expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
  const feed = parseFeed(res.text);
  const link = (rel: string) => feed.element.findElementsWithName('link').find((l) => l.getAttribute('rel') === rel)?.getAttribute('href') ?? null;
  const index = (id: string | null) => Number(/journal\/(\d+)$/.exec(id ?? '')![1]);
  const entries = feed.items.map((item) => ({
    id: item.id, index: index(item.id), title: item.title, url: item.url, updated: item.updated,
    related: item.element.findElementsWithName('link').find((l) => l.getAttribute('rel') === 'related')?.getAttribute('href') ?? null,
  }));
  return { res, feed, text: res.text, entries, next: link('next'), self: link('self'), first: link('first') };
}

/** Every entry of the feed at `path`, following rel="next" to the end, page by page. */
async function wholeFeed(t: TestApp, path: string, between?: () => Promise<void>) {
  const pages: Awaited<ReturnType<typeof feedAt>>[] = [];
  let url: string | null = path;
  while (url && pages.length < 100) {
    const page = await feedAt(t, url);
    pages.push(page);
    if (pages.length === 1) await between?.();
    url = page.next && page.next.slice(PUBLIC.length);
  }
  return { pages, entries: pages.flatMap((p) => p.entries) };
}

describe('the change feeds (Atom)', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let otherCity: TestOrganisation;
  let vendor: TestOrganisation;
  let cityName: string;
  let sourceId: string;
  let otherSourceId: string;
  let approvedRecordId: string;
  let draftRecordId: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_PUBLIC_URL: PUBLIC, PLAZA_OPERATOR_NAME: 'Plaza feeds operator', PLAZA_RATE_LIMIT_PER_MINUTE: '100000' }, { ownDatabase: true });
    const slug = uniqueSlug('feedcity');
    cityName = `Montréal ${slug}`;
    city = await createOrganisation(t, slug, 'city', { name: { en: cityName, fr: cityName } });
    otherCity = await createOrganisation(t, uniqueSlug('feedother'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('feedvendor'), 'vendor');
    sourceId = (await createSource(t, city.adminKey, `urn:feeds:${slug}:air`, { name: { en: SOURCE_NAME, fr: 'Capteur de qualité de l’air, rue Sainte-Catherine' } })).id;
    otherSourceId = (await createSource(t, otherCity.adminKey, `urn:feeds:${slug}:other`)).id;
    // A member added (a person's name and email), a draft privacy record and a draft agreement: none of it is public.
    await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).send({ ...PERSON, roles: ['member'] }).expect(201);
    draftRecordId = (await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([sourceId], { title: { en: DRAFT_TITLE, fr: DRAFT_TITLE } })).expect(201)).body.id;
    agreementId = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, sourceId, { summary: DRAFT_SUMMARY })).expect(201)).body.id;
    // A privacy record that is approved: its approval is public, its drafting and submission are not.
    // Its author is not the admin who made the approver (four eyes).
    const author = await addMember(t, city.slug, city.adminKey, ['member']);
    const approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    approvedRecordId = (await t.http.post('/api/v1/privacy-records').set(bearer(author.key)).send(privacyRecordBody([sourceId], { title: { en: 'Air monitoring assessment', fr: 'Évaluation de la surveillance de l’air' } })).expect(201)).body.id;
    await t.http.post(`/api/v1/privacy-records/${approvedRecordId}/submit`).set(bearer(author.key)).expect(200);
    await t.http.post(`/api/v1/privacy-records/${approvedRecordId}/approve`).set(bearer(approver.key)).expect(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** The log's own account of an entry: its action and the organisation it belongs to. */
  async function logEntry(index: number): Promise<{ action: string; organisation: string | null; subject: { type: string; id: string } }> {
    const res = await t.http.get(`/api/v1/log/entries?start=${index}&end=${index + 1}`).expect(200);
    return JSON.parse(Buffer.from(res.body.entries[0].entry, 'base64').toString('utf8'));
  }

  it("names a public change in plain words, links the record's page and its log entry, with stable tag ids", async () => {
    const { entries, self, feed } = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&lang=en`);
    const registered = entries.find((e) => e.title === `${cityName} registered the source “${SOURCE_NAME}”`);
    expect(registered).toBeDefined();
    expect(registered!.url).toBe(`${PUBLIC}/sources/${sourceId}?lang=en`);
    expect(registered!.related).toBe(`${PUBLIC}/log?index=${registered!.index}&lang=en`);
    expect(registered!.id).toMatch(new RegExp(`^tag:plaza\\.example,\\d{4}-\\d{2}-\\d{2}:register/journal/${registered!.index}$`));
    expect(registered!.updated).toBeInstanceOf(Date);
    expect(await logEntry(registered!.index)).toMatchObject({ action: 'source.created', subject: { type: 'source', id: sourceId } });
    expect(feed.title).toBe(`Changes to ${cityName}’s records`);
    expect(self).toBe(`${PUBLIC}/feeds/changes.atom?city=${city.slug}&lang=en`);

    const approval = entries.find((e) => e.title === `${cityName}’s privacy impact assessment “Air monitoring assessment” was approved`);
    expect(approval?.url).toBe(`${PUBLIC}/privacy-records/${approvedRecordId}?lang=en`);

    // The same entry keeps its id in the other language and in the whole registry's feed.
    const french = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&lang=fr`);
    const registeredFr = french.entries.find((e) => e.index === registered!.index)!;
    expect(registeredFr.id).toBe(registered!.id);
    expect(registeredFr.title).toBe(`${cityName} a enregistré la source « Capteur de qualité de l’air, rue Sainte-Catherine »`);
    const whole = await feedAt(t, '/feeds/changes.atom?limit=200');
    expect(whole.entries.find((e) => e.index === registered!.index)?.id).toBe(registered!.id);
  });

  it('says only the kind and the organisation of a private change: no name, no email, no draft content, no salt', async () => {
    const { entries, text } = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=200`);
    for (const secret of [PERSON.name, PERSON.email, DRAFT_TITLE, DRAFT_SUMMARY, 'Internal notes', 'Pedestrian', 'salt']) expect(text).not.toContain(secret);
    const byAction = new Map<string, typeof entries>();
    for (const entry of entries) {
      const { action } = await logEntry(entry.index);
      byAction.set(action, [...(byAction.get(action) ?? []), entry]);
    }
    expect(byAction.get('member.created')!.map((e) => e.title)).toContain(`A change to a member of ${cityName}`);
    expect(byAction.get('privacy-record.opened')!.map((e) => e.title)).toEqual([
      `A change to a privacy impact assessment of ${cityName}`, `A change to a privacy impact assessment of ${cityName}`,
    ]);
    // Even the approved record's submission says nothing of it: that state was not public.
    expect(byAction.get('privacy-record.submitted')!.map((e) => e.title)).toEqual([`A change to a privacy impact assessment of ${cityName}`]);
    const [drafted] = byAction.get('agreement.drafted')!;
    expect(drafted!.title).toBe(`A change to a data-sharing agreement of ${cityName}`);
    // A private change links its log entry, never the record.
    expect(drafted!.url).toBe(`${PUBLIC}/log?index=${drafted!.index}&lang=en`);
    expect(text).not.toContain(agreementId);
    expect(text).not.toContain(draftRecordId);
    const french = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=200`, { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' });
    expect(french.res.headers.vary).toContain('Accept-Language');
    expect(french.entries.find((e) => e.index === drafted!.index)?.title).toBe(`Un changement touchant une entente de partage de données de ${cityName}`);
  });

  it("holds only the city's own records under ?city=, and only the source's under ?source=", async () => {
    const { entries } = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=200`);
    expect(entries.length).toBeGreaterThanOrEqual(10);
    for (const entry of entries) expect((await logEntry(entry.index)).organisation).toBe(city.id);
    const other = await feedAt(t, `/feeds/changes.atom?city=${otherCity.slug}&limit=200`);
    expect(other.entries.some((e) => e.url === `${PUBLIC}/sources/${otherSourceId}?lang=en`)).toBe(true);
    expect(other.entries.some((e) => entries.some((mine) => mine.index === e.index))).toBe(false);

    const source = await feedAt(t, `/feeds/changes.atom?source=${sourceId.toUpperCase()}`);
    expect(source.feed.title).toBe(`Changes to the source “${SOURCE_NAME}”`);
    expect(source.entries.length).toBeGreaterThanOrEqual(1);
    for (const entry of source.entries) expect((await logEntry(entry.index)).subject).toEqual({ type: 'source', id: sourceId });
  });

  it('pages back by journal index with rel="next": newest first, every entry once, none skipped while changes are appended', async () => {
    const all = (await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=200`)).entries.map((e) => e.index);
    const { pages, entries } = await wholeFeed(t, `/feeds/changes.atom?city=${city.slug}&limit=3`, async () => {
      // Changes made while a reader pages back land at the head of the feed, not on the pages still to come.
      await t.http.patch(`/api/v1/sources/${sourceId}`).set(bearer(city.adminKey)).send({ description: { en: 'Fine particles, updated', fr: 'Particules fines, mise à jour' } }).expect(200);
    });
    const indexes = entries.map((e) => e.index);
    expect(pages.length).toBe(Math.ceil(all.length / 3));
    expect(indexes).toEqual(all);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(pages.at(-1)!.next).toBeNull();
    expect(pages[1]!.first).toBe(`${PUBLIC}/feeds/changes.atom?city=${city.slug}&limit=3&lang=en`);
    expect(pages[0]!.next).toBe(`${PUBLIC}/feeds/changes.atom?city=${city.slug}&limit=3&before=${indexes[2]}&lang=en`);
    const head = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=3`);
    expect(head.entries[0]!.title).toBe(`${cityName} updated the source “${SOURCE_NAME}”`);
    expect(head.entries[0]!.index).toBeGreaterThan(all[0]!);
  });

  it('answers bad parameters with RFC 9457 problems and stable codes', async () => {
    const problem = async (query: string, status: number, code: string) => {
      const res = await t.http.get(`/feeds/changes.atom?${query}`).expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe(code);
    };
    await problem('city=Not%20a%20slug', 400, 'request.invalid');
    await problem('city=no-such-city-anywhere', 404, 'feeds.unknown_city');
    await problem(`city=${vendor.slug}`, 404, 'feeds.unknown_city');
    await problem('source=42', 400, 'request.invalid');
    await problem('source=6f1c7a52-9d0e-4c57-9b1e-2a4de0c1b7aa', 404, 'feeds.unknown_source');
    await problem(`city=${city.slug}&source=${sourceId}`, 400, 'feeds.conflicting_filters');
    await problem('limit=0', 400, 'request.invalid');
    await problem('limit=201', 400, 'request.invalid');
    await problem('before=abc', 400, 'request.invalid');
    await problem('before=1e3', 400, 'request.invalid');
    await problem('lang=de', 400, 'request.invalid');
    await problem('page=2', 400, 'request.unknown_field');
  });

  it('is offered by the public pages: the registry on every page, a city on its pages, a source on its own', async () => {
    const alternates = async (path: string) => {
      const html = (await t.http.get(path).expect(200)).text;
      return [...html.matchAll(/<link rel="alternate" type="application\/atom\+xml" title="([^"]*)" href="([^"]*)">/g)].map((m) => ({ title: m[1], href: m[2]!.replaceAll('&amp;', '&') }));
    };
    const registry = { title: 'Changes to the Plaza public register', href: '/feeds/changes.atom?lang=en' };
    expect(await alternates('/?lang=en')).toEqual([registry]);
    expect(await alternates('/log?lang=en')).toEqual([registry]);
    const cityFeed = { title: `Changes to ${cityName}’s records`, href: `/feeds/changes.atom?city=${city.slug}&lang=en` };
    expect(await alternates(`/sources?city=${city.slug}&lang=en`)).toEqual([cityFeed, registry]);
    expect(await alternates(`/sources/${sourceId}?lang=en`)).toEqual([
      { title: `Changes to the source “${SOURCE_NAME}”`, href: `/feeds/changes.atom?source=${sourceId}&lang=en` }, cityFeed, registry,
    ]);
    // Each link the pages offer is a feed.
    for (const { href } of await alternates(`/sources/${sourceId}?lang=fr`)) expect((await feedAt(t, href)).feed.language).toBe('fr');
  });

  it('names an agreement from the entry that brought it into force, never its drafting or signing', async () => {
    const id = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, sourceId, { summary: 'Terms still being negotiated' })).expect(201)).body.id as string;
    await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(city.adminKey)).expect(200);
    for (const party of [city, vendor]) {
      const key = await registerSigningKey(t, party);
      const document = await t.http.get(`/api/v1/organisations/${party.slug}/agreements/${id}/versions/1/document`).set(bearer(party.adminKey)).buffer(true).parse(rawBody).expect(200);
      await t.http.post(`/api/v1/agreements/${id}/versions/1/signatures`).set(bearer(party.adminKey)).send({ jws: await signDetached(document.body, key) }).expect(201);
    }
    const { entries } = await feedAt(t, `/feeds/changes.atom?city=${city.slug}&limit=200`);
    const told = new Map<string, string[]>();
    for (const entry of entries) {
      const { action, subject } = await logEntry(entry.index);
      if (subject.type === 'agreement-version' && subject.id === `${id}/1`) told.set(action, [...(told.get(action) ?? []), entry.title!]);
    }
    const unnamed = `A change to a data-sharing agreement of ${cityName}`;
    expect(Object.fromEntries(told)).toEqual({
      'agreement.drafted': [unnamed], 'agreement.signatures-opened': [unnamed], 'agreement.signed': [unnamed],
      'agreement.activated': [`Version 1 of the data-sharing agreement between ${cityName} and Test vendor ${vendor.slug} came into force`],
    });
    const activated = entries.find((e) => e.title!.endsWith('came into force'))!;
    expect(activated.url).toBe(`${PUBLIC}/agreements/${id}?lang=en`);
    // Signing keys are public: their registration is named.
    const { kid } = (await t.http.get(`/api/v1/agreements/${id}`).expect(200)).body.versions[0].signatures[0];
    expect(entries.map((e) => e.title)).toContain(`${cityName} registered the signing key “${kid}”`);
  });
});
