import { CompactSign, importJWK } from 'jose';
import { DataSource } from 'typeorm';
import { DEMO_KEYS } from '../demo/keys.js';
import { en } from '../apps/registry/src/public-site/messages/en.js';
import { bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation, walkPages } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * The public register as a browser without JavaScript gets it: every fact is in the server's HTML, in the language
 * asked for, with user-supplied text shown as text. (test/public-site-browser.e2e-spec.ts drives a real browser.)
 */
describe('public register pages (server-rendered HTML)', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let sourceId: string;
  const hostile = '<script>alert("pwned")</script> Ville & Co';

  beforeAll(async () => {
    t = await startTestApp();
    const citySlug = uniqueSlug('site-city');
    // Display names are unique: the slug keeps this one apart from an earlier run's on a shared server database.
    city = await createOrganisation(t, citySlug, 'city', {
      name: { en: `City ${hostile} ${citySlug}`, fr: `Ville ${hostile} ${citySlug}` },
    });
    vendor = await createOrganisation(t, uniqueSlug('site-vendor'), 'vendor');
    const source = await createSource(t, city.adminKey, `urn:plaza:site:${uniqueSlug('s')}`, {
      operator: vendor.slug,
      name: { en: 'Air station on Rue Saint-Denis', fr: 'Station d’air, rue Saint-Denis' },
      purpose: { en: 'Public air-quality index for the borough', fr: 'Indice public de la qualité de l’air de l’arrondissement' },
    });
    sourceId = source.id;
  });
  afterAll(() => t?.close());

  const page = (path: string, headers: Record<string, string> = {}) => t.http.get(path).set(headers).expect(200).expect('content-type', /text\/html/);

  it('renders the home page in English by default and in French with ?lang=fr, with the right lang attribute', async () => {
    const en = await page('/');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('What collects data in our cities');
    const fr = await page('/?lang=fr');
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain('Ce qui recueille des données dans nos villes');
    // The switch leads to the same page in the other language.
    expect(fr.text).toMatch(/<a class="language" href="\/\?lang=en"/);
  });

  it("follows the browser's preferred language when the address does not name one", async () => {
    expect((await page('/sources', { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' })).text).toContain('<html lang="fr">');
    expect((await page('/sources', { 'accept-language': 'de, en;q=0.4, fr;q=0.2' })).text).toContain('<html lang="en">');
  });

  it("shows a source's owner, operator, purpose and log index, with the city's privacy contact, without JavaScript", async () => {
    const res = await page(`/sources/${sourceId}`);
    expect(res.text).toContain('Air station on Rue Saint-Denis');
    expect(res.text).toContain('Public air-quality index for the borough');
    expect(res.text).toContain(`privacy@${city.slug}.example`);
    const source = (await t.http.get(`/api/v1/sources/${sourceId}`).expect(200)).body as { journalIndex: number };
    expect(res.text).toContain(`href="/log?index=${source.journalIndex}&amp;lang=en"`);
    const fr = await page(`/sources/${sourceId}?lang=fr`);
    expect(fr.text).toContain('Station d’air, rue Saint-Denis');
  });

  it('shows an organisation name holding markup as text, never as markup', async () => {
    const res = await page(`/sources/${sourceId}`);
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Ville &amp; Co');
    const list = await page(`/sources?city=${city.slug}`);
    expect(list.text).not.toContain('<script>alert');
  });

  it('filters the list by city, kind, status and personal information through the query string', async () => {
    expect((await page(`/sources?city=${city.slug}&kind=sensor&status=planned&personalInformation=false`)).text).toContain('Air station on Rue Saint-Denis');
    expect((await page(`/sources?city=${city.slug}&status=active`)).text).not.toContain('Air station on Rue Saint-Denis');
    expect((await page(`/sources?city=${city.slug}&personalInformation=true`)).text).not.toContain('Air station on Rue Saint-Denis');
    // An empty select means no filter, as an HTML form sends it.
    expect((await page(`/sources?city=${city.slug}&kind=&status=&personalInformation=`)).text).toContain('Air station on Rue Saint-Denis');
    // The map's visible area: inside and outside the source's point.
    expect((await page(`/sources?city=${city.slug}&bbox=-73.6,45.49,-73.55,45.52`)).text).toContain('Air station on Rue Saint-Denis');
    expect((await page(`/sources?city=${city.slug}&bbox=2.2,48.8,2.4,48.9`)).text).not.toContain('Air station on Rue Saint-Denis');
  });

  it('answers a missing or non-public record with a 404 page, and a malformed address with a 400 page, in the reader’s language', async () => {
    const missing = await t.http.get('/sources/00000000-0000-4000-8000-000000000000?lang=fr').expect(404).expect('content-type', /text\/html/);
    expect(missing.text).toContain('Introuvable');
    await t.http.get('/sources/not-a-uuid').expect(400).expect('content-type', /text\/html/);
    await t.http.get('/sources?kind=submarine').expect(400).expect('content-type', /text\/html/);
    // A privacy record still in draft is not public: its page reads like a missing one.
    const draft = (await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([sourceId])).expect(201)).body as { id: string };
    await t.http.get(`/privacy-records/${draft.id}`).expect(404).expect('content-type', /text\/html/);
  });

  it('serves pages with their own policy: own scripts only, no inline script (only structured data), the tile server among image sources', async () => {
    const res = await page('/sources');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/img-src 'self' data: https:\/\/tile\.openstreetmap\.org/);
    // Structured data (JSON-LD) is a data block, never run: every other script element has a src.
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/ld\+json")[^>]*>/);
    expect(res.text).toContain('<script type="application/ld+json">');
    // The API keeps the policy it had: no tile server there.
    const api = await t.http.get('/api/v1/sources').expect(200);
    expect(api.headers['content-security-policy']).not.toContain('tile.openstreetmap.org');
  });

  it("refuses to register one of the demo's published signing keys on a registry that is not running the demo", async () => {
    const { kid, d, ...publicJwk } = DEMO_KEYS.airsense!;
    const { challenge } = (await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/challenges`).set(bearer(vendor.adminKey)).expect(201)).body as { challenge: string };
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK({ ...publicJwk, d }, 'EdDSA'));
    const res = await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys`).set(bearer(vendor.adminKey)).send({ jwk: publicJwk, proof, label: 'copied from the demo' }).expect(403);
    expect(res.body.code).toBe('signing_key.demo_key');
    await t.http.get(`/api/v1/signing-keys/${kid}`).expect(404);
  });

  it('renders the agreements, privacy records, standards, proposals and log pages', async () => {
    expect((await page('/agreements')).text).toContain('Data-sharing agreements');
    expect((await page('/privacy-records?lang=fr')).text).toContain('Évaluations des facteurs relatifs à la vie privée');
    const standards = await page('/standards');
    expect(standards.text).toContain('air-quality-observation');
    expect((await page('/standards/air-quality-observation')).text).toContain('/standards/air-quality-observation/1.1.0/schema.json');
    expect((await page('/proposals')).text).toContain('Proposals');
    expect((await page('/proposals/1')).text).toContain('air-quality-observation');
    const before = Number((await t.http.get('/api/v1/log/checkpoint').expect(200)).body.body.split('\n')[1]);
    const log = await page('/log?index=0');
    // The signed size shown (other suites may append meanwhile on a shared database), and the chosen entry with its proof.
    const shown = Number(/<dt>Entries<\/dt><dd>([\d,]+)<\/dd>/.exec(log.text)![1]!.replace(/,/g, ''));
    expect(shown).toBeGreaterThanOrEqual(before);
    expect(log.text).toContain('Entry 0');
    expect(log.text).toContain('&quot;index&quot;:0');
  });
});

describe('public register home page counts', () => {
  // A database of its own: the counts must equal the lists, which other suites on a shared server keep adding to.
  // And no cache of public answers nor of what pages share: these stories count what rendering the home page costs,
  // so every request renders and counts.
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0', PLAZA_REGISTRY_CACHE_MAX_AGE_MS: '0' }, { ownDatabase: true });
    const city = await createOrganisation(t, uniqueSlug('count-city'), 'city');
    await createOrganisation(t, uniqueSlug('count-city'), 'city');
    await createOrganisation(t, uniqueSlug('count-vendor'), 'vendor');
    const sources = [];
    for (let i = 0; i < 3; i++) sources.push(await createSource(t, city.adminKey, `urn:plaza:count:${uniqueSlug('s')}`));
    // A draft privacy record is not public: neither the list nor the count shows it.
    await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([sources[0]!.id])).expect(201);
  });
  afterAll(() => t?.close());

  /** How many SQL statements the app sends while `action` runs (every query goes through a query runner). */
  async function queriesDuring(action: () => Promise<unknown>): Promise<number> {
    const runner = t.app.get(DataSource).createQueryRunner();
    const prototype = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
    await runner.release();
    const query = prototype.query;
    let n = 0;
    prototype.query = function (this: unknown, ...args: unknown[]) {
      n += 1;
      return query.apply(this, args);
    };
    try {
      await action();
    } finally {
      prototype.query = query;
    }
    return n;
  }

  it('shows for each kind of record the number the public list holds', async () => {
    const listed = async (path: string, query: Record<string, string> = {}) => (await walkPages(t, path, { limit: 100, ...query })).items.length;
    const expected = [
      en.countCities(await listed('/api/v1/organisations', { kind: 'city' })),
      en.countVendors(await listed('/api/v1/organisations', { kind: 'vendor' })),
      en.countSources(await listed('/api/v1/sources')),
      en.countAgreements(await listed('/api/v1/agreements')),
      en.countPrivacy(await listed('/api/v1/privacy-records')),
      en.countStandards(await listed('/api/v1/standards')),
      en.countProposals(await listed('/api/v1/proposals')),
    ];
    expect(expected.slice(0, 3)).toEqual([en.countCities(2), en.countVendors(1), en.countSources(3)]);
    expect(expected[4]).toBe(en.countPrivacy(0));
    const home = (await t.http.get('/').expect(200)).text;
    for (const text of expected) expect(home).toContain(text);
  });

  it('costs a handful of queries, however many records the lists hold (one count each, no paging)', async () => {
    await t.http.get('/').expect(200);
    const before = await queriesDuring(() => t.http.get('/').expect(200));
    // Seven counts and the transparency log's checkpoint.
    expect(before).toBeLessThanOrEqual(10);
    // More vendors than one page of the list holds: a count by paging would need another query.
    for (let i = 0; i < 101; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, 101 - i) }, () => createOrganisation(t, uniqueSlug('count-many'), 'vendor')));
    }
    const home = (await t.http.get('/').expect(200)).text;
    expect(home).toContain(en.countVendors(102));
    expect(await queriesDuring(() => t.http.get('/').expect(200))).toBe(before);
  });
});
