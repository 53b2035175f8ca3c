import type { AddressInfo } from 'node:net';
import { DataFactory, Store } from 'n3';
import { fetchHttp, seedDemo } from '../demo/seed.js';
import { airAgreementBody } from './support/exchange-fixtures.js';
import { bearer, createOrganisation, sourceBody, type TestOrganisation } from './support/fixtures.js';
import { NS, objects, parseRdf, subjectsOfType, texts, validateDcatAp } from './support/rdf.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const { namedNode } = DataFactory;
const PUBLIC = 'https://plaza.example/register';
const LICENCE = 'https://open.canada.ca/en/open-government-licence-canada';

/** Every page of a catalogue from `path`, following hydra:next: the quads of all of them. */
async function wholeCatalogue(t: TestApp, path: string, accept = 'text/turtle') {
  const quads = [];
  let url: string | undefined = path;
  for (let pages = 0; url && pages < 100; pages++) {
    const res = await t.http.get(url).set('accept', accept).expect(200);
    const page = await parseRdf(res.text, accept);
    quads.push(...page);
    const next = new Store(page).getQuads(null, `${NS.hydra}next`, null, null)[0]?.object.value;
    url = next?.slice(PUBLIC.length);
  }
  return quads;
}

describe('the DCAT-AP 3 catalogue', () => {
  let t: TestApp;
  let city: TestOrganisation;

  beforeAll(async () => {
    t = await startTestApp(
      { PLAZA_PUBLIC_URL: PUBLIC, PLAZA_DEFAULT_LICENCE: LICENCE, PLAZA_OPERATOR_NAME: 'Plaza test operator', PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_VOTING_PERIOD_HOURS: '0' },
      { ownDatabase: true },
    );
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await seedDemo(fetchHttp(base), { operatorKey: t.operatorKey, suffix: uniqueSlug('cat').slice(-12) });
    city = await createOrganisation(t, uniqueSlug('catcity'), 'city');
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('validates against the DCAT-AP 3 shapes on the demo register: no violation of the mandatory and range shapes, few recommended warnings', async () => {
    const quads = await wholeCatalogue(t, '/catalog?limit=7');
    const datasets = subjectsOfType(new Store(quads), `${NS.dcat}Dataset`);
    expect(datasets.length).toBeGreaterThanOrEqual(5);
    const { violations, warnings } = await validateDcatAp(quads);
    expect(violations).toEqual([]);
    const byShape = warnings.reduce<Record<string, number>>((counts, w) => ({ ...counts, [w.path]: (counts[w.path] ?? 0) + 1 }), {});
    console.info(`DCAT-AP 3 recommended-shape warnings on ${datasets.length} datasets: ${warnings.length}`, byShape);
    // What the registry does not know: when each catalogue was issued, last modified and which place it covers; the
    // end of a source still running (or the period of one never activated); the kind of the operator and of a licence;
    // a contact for the exchange as a whole.
    const known = [`${NS.dct}issued`, `${NS.dct}modified`, `${NS.dct}spatial`, `${NS.dcat}endDate`, `${NS.dct}temporal`, `${NS.dct}type`, `${NS.dcat}contactPoint`];
    expect(warnings.filter((w) => !known.includes(w.path))).toEqual([]);
    const catalogues = subjectsOfType(new Store(quads), `${NS.dcat}Catalog`).length;
    expect(warnings.length).toBeLessThanOrEqual(3 * catalogues + datasets.length + 3);
  });

  it('maps a source to a dcat:Dataset at its public page, with bilingual texts, its city, contact, themes, place, licence and standards', async () => {
    const created = await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send(sourceBody(`urn:cat:${city.slug}:a`, { licence: 'https://creativecommons.org/licenses/by/4.0/' })).expect(201);
    const plain = await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send(sourceBody(`urn:cat:${city.slug}:b`)).expect(201);
    await t.http.post(`/api/v1/sources/${created.body.id}/status`).set(bearer(city.adminKey)).send({ status: 'active' }).expect(200);
    const res = await t.http.get(`/catalog?city=${city.slug}`).expect(200);
    const store = new Store(await parseRdf(res.text, 'text/turtle'));
    const iri = `${PUBLIC}/sources/${created.body.id}`;

    expect(subjectsOfType(store, `${NS.dcat}Catalog`)).toEqual([`${PUBLIC}/catalog?city=${city.slug}`]);
    expect(subjectsOfType(store, `${NS.dcat}Dataset`).sort()).toEqual([iri, `${PUBLIC}/sources/${plain.body.id}`].sort());
    expect(objects(store, iri, `${NS.dct}identifier`)).toEqual([iri]);
    expect(texts(store, iri, `${NS.dct}title`)).toEqual({ en: 'Air station', fr: 'Station de qualité de l’air' });
    expect(texts(store, iri, `${NS.dct}description`)).toEqual({ en: 'Measures fine particles', fr: 'Mesure les particules fines' });
    expect(texts(store, iri, `${NS.dcat}keyword`)).toEqual({ en: 'PM2.5', fr: 'PM2,5' });
    const [publisher] = objects(store, iri, `${NS.dct}publisher`);
    expect(publisher).toBe(`${PUBLIC}/sources?city=${city.slug}`);
    expect(objects(store, publisher!, `${NS.rdf}type`)).toContain(`${NS.foaf}Agent`);
    expect(texts(store, publisher!, `${NS.foaf}name`).fr).toBe(`Ville test ${city.slug}`);
    const [contact] = objects(store, iri, `${NS.dcat}contactPoint`);
    expect(objects(store, contact!, `${NS.vcard}hasEmail`)).toEqual([`mailto:privacy@${city.slug}.example`]);
    expect(objects(store, iri, `${NS.dcat}theme`).sort()).toEqual(
      ['ENVI', 'HEAL', 'REGI'].map((code) => `http://publications.europa.eu/resource/authority/data-theme/${code}`),
    );
    const [place] = objects(store, iri, `${NS.dct}spatial`);
    expect(place).toBe(`${iri}#location`);
    expect(objects(store, place!, `${NS.rdf}type`)).toEqual([`${NS.dct}Location`]);
    expect(JSON.parse(objects(store, place!, `${NS.locn}geometry`)[0]!)).toEqual({ type: 'Point', coordinates: [-73.5673, 45.5017] });
    const [period] = objects(store, iri, `${NS.dct}temporal`);
    expect(objects(store, period!, `${NS.dcat}startDate`)).toHaveLength(1);
    expect(objects(store, period!, `${NS.dcat}endDate`)).toEqual([]);
    expect(objects(store, iri, `${NS.dct}license`)).toEqual(['https://creativecommons.org/licenses/by/4.0/']);
    expect(objects(store, `${PUBLIC}/sources/${plain.body.id}`, `${NS.dct}license`)).toEqual([LICENCE]);
    expect(objects(store, iri, `${NS.dct}conformsTo`).length).toBeGreaterThanOrEqual(1);
    expect(objects(store, iri, `${NS.dct}conformsTo`).every((id) => id.startsWith('https://'))).toBe(true);
    expect(objects(store, iri, `${NS.dct}accessRights`)).toEqual(['http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC']);
    const [events] = objects(store, iri, `${NS.dcat}distribution`);
    expect(objects(store, events!, `${NS.dcat}accessService`)).toEqual([`${PUBLIC}/#exchange`]);
    expect(objects(store, events!, `${NS.dct}accessRights`)).toEqual(['http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC']);
    expect(objects(store, `${PUBLIC}/#exchange`, `${NS.dcat}servesDataset`)).toContain(iri);
    // Every subject is a page of the public register (or a fragment of one), never an API route.
    for (const subject of new Set(store.getSubjects(null, null, null).map((s) => s.value))) {
      if (subject.startsWith(PUBLIC)) expect(subject).not.toContain('/api/');
    }
  });

  it("links each dataset to exactly the public privacy records and agreements the API lists for its source, never an abandoned draft", async () => {
    // An agreement the city abandoned before it came into force stays its parties': no dataset may link it.
    const vendor = await createOrganisation(t, uniqueSlug('catvendor'), 'vendor');
    const covered = (await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send(sourceBody(`urn:cat:${city.slug}:abandoned`)).expect(201)).body.id as string;
    const abandoned = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, covered)).expect(201)).body.id as string;
    await t.http.post(`/api/v1/agreements/${abandoned}/terminate`).set(bearer(city.adminKey)).send({ reason: 'Plans changed' }).expect(200);
    const store = new Store(await wholeCatalogue(t, '/catalog'));
    expect(store.getQuads(null, null, namedNode(`${PUBLIC}/agreements/${abandoned}`), null)).toEqual([]);
    const datasets = subjectsOfType(store, `${NS.dcat}Dataset`);
    const linked = { records: 0, agreements: 0 };
    for (const dataset of datasets) {
      const id = dataset.slice(`${PUBLIC}/sources/`.length);
      const [records, agreements] = await Promise.all([
        t.http.get(`/api/v1/privacy-records?source=${id}&limit=100`).expect(200),
        t.http.get(`/api/v1/agreements?source=${id}&limit=100`).expect(200),
      ]);
      const pages = objects(store, dataset, `${NS.foaf}page`).filter((page) => page.startsWith(`${PUBLIC}/privacy-records/`));
      expect(pages.sort()).toEqual((records.body.items as { id: string }[]).map((r) => `${PUBLIC}/privacy-records/${r.id}`).sort());
      const relations = objects(store, dataset, `${NS.dct}relation`);
      expect(relations.sort()).toEqual((agreements.body.items as { id: string }[]).map((a) => `${PUBLIC}/agreements/${a.id}`).sort());
      linked.records += pages.length;
      linked.agreements += relations.length;
    }
    // The demo's approved assessments and agreements in force cover sources: not only empty lists were compared.
    expect(linked.records).toBeGreaterThan(0);
    expect(linked.agreements).toBeGreaterThan(0);
  });

  it('answers Turtle by default and JSON-LD when asked, with the same triples, and 406 for a type it does not serve', async () => {
    const turtle = await t.http.get(`/catalog?city=${city.slug}`).expect(200);
    expect(turtle.headers['content-type']).toBe('text/turtle; charset=utf-8');
    expect(turtle.headers.vary).toMatch(/accept/i);
    const json = await t.http.get(`/catalog?city=${city.slug}`).set('accept', 'application/ld+json').expect(200);
    expect(json.headers['content-type']).toBe('application/ld+json; charset=utf-8');
    expect(JSON.parse(json.text)['@context']).toMatchObject({ dcat: NS.dcat });
    const linked = await t.http.get(`/catalog.jsonld?city=${city.slug}`).set('accept', 'text/turtle').expect(200);
    expect(linked.headers['content-type']).toBe('application/ld+json; charset=utf-8');
    const asSet = async (text: string, type: string) => new Set((await parseRdf(text, type)).map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}:${(q.object as { language?: string }).language ?? ''}`.replace(/\/catalog(\.jsonld)?\?/g, '/catalog?')));
    const fromTurtle = await asSet(turtle.text, 'text/turtle');
    expect(await asSet(json.text, 'application/ld+json')).toEqual(fromTurtle);
    expect((await t.http.get(`/catalog.ttl?city=${city.slug}`).set('accept', 'application/ld+json').expect(200)).headers['content-type']).toBe('text/turtle; charset=utf-8');

    const refused = await t.http.get('/catalog').set('accept', 'application/rdf+xml').expect(406);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('catalogue.not_acceptable');
    await t.http.get('/catalog').set('accept', 'text/html, */*;q=0.1').expect('content-type', 'text/turtle; charset=utf-8').expect(200);
  });

  it('answers HEAD as GET without the body, from the public-answer cache as well', async () => {
    for (const path of [`/catalog?city=${city.slug}`, `/catalog.jsonld?city=${city.slug}`]) {
      const head = await t.http.head(path).expect(200);
      const again = await t.http.head(path).expect(200);
      const get = await t.http.get(path).expect(200);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(again.headers['content-type']).toBe(get.headers['content-type']);
      expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(get.text));
      expect(get.text.length).toBeGreaterThan(100);
    }
  });

  it.each([
    ['limit=0', 'request.invalid'], ['limit=501', 'request.invalid'], ['limit=', 'request.invalid'], ['pin=abc', 'request.invalid'], ['pin=1e3', 'request.invalid'],
    ['pin=-1', 'request.invalid'], ['pin=1&pin=2', 'request.invalid'], ['city=Not%20A%20Slug', 'request.invalid'], ['page=2', 'request.unknown_field'],
    ['after=3', 'catalogue.invalid_position'], ['pin=5&after=5', 'catalogue.invalid_position'], ['pin=999999999', 'catalogue.pin_beyond_journal'],
  ])('refuses ?%s with a 400 problem (%s)', async (query, code) => {
    const res = await t.http.get(`/catalog?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe(code);
  });

  it('answers 404 for a city it does not have, and for a vendor', async () => {
    expect((await t.http.get('/catalog?city=no-such-city').expect(404)).body.code).toBe('catalogue.unknown_city');
    const vendor = await createOrganisation(t, uniqueSlug('catvendor'), 'vendor');
    expect((await t.http.get(`/catalog?city=${vendor.slug}`).expect(404)).body.code).toBe('catalogue.unknown_city');
  });

  it('percent-encodes what an IRI may not hold in the addresses a city typed: no serialiser breaks and no triple is added', async () => {
    const odd = await createOrganisation(t, uniqueSlug('oddcity'), 'city');
    const email = '"x> . <h:a> <h:b> <h:c> . <a:"@odd.example';
    await t.http.patch(`/api/v1/organisations/${odd.slug}`).set(bearer(odd.adminKey)).send({ privacyContact: { name: { en: 'Office', fr: 'Bureau' }, email } }).expect(200);
    const licence = 'https://licences.example/open|v2^{x}';
    const created = await t.http.post('/api/v1/sources').set(bearer(odd.adminKey)).send(sourceBody(`urn:cat:${odd.slug}:odd`, { licence })).expect(201);
    const iri = `${PUBLIC}/sources/${created.body.id}`;
    for (const accept of ['text/turtle', 'application/ld+json']) {
      const store = new Store(await parseRdf((await t.http.get(`/catalog?city=${odd.slug}`).set('accept', accept).expect(200)).text, accept));
      expect(objects(store, iri, `${NS.dct}license`)).toEqual(['https://licences.example/open%7Cv2%5E%7Bx%7D']);
      expect(store.getQuads('h:a', null, null, null)).toEqual([]);
      const emails = store.getQuads(null, `${NS.vcard}hasEmail`, null, null).map((q) => q.object.value);
      expect(emails).toEqual(['mailto:%22x%3E%20.%20%3Ch:a%3E%20%3Ch:b%3E%20%3Ch:c%3E%20.%20%3Ca:%22@odd.example']);
    }
  });

  it('refuses a licence that is not a URL, storing nothing', async () => {
    for (const licence of ['CC-BY-4.0', 'ftp://example.org/licence', '', 42]) {
      const res = await t.http.post('/api/v1/sources').set(bearer(city.adminKey)).send(sourceBody(`urn:cat:${city.slug}:bad`, { licence })).expect(400);
      expect(res.body.code).toBe('request.invalid');
    }
    await t.http.get('/api/v1/sources').query({ q: `urn:cat:${city.slug}:bad` }).expect(200).expect((res) => expect(res.body.items).toEqual([]));
  });

  it('puts a schema.org Dataset in every source page and a DataCatalog in the sources list, whose JSON no name can break out of, and links the catalogue', async () => {
    const hostile = '</script><script>alert(1)</script>';
    const created = await t.http.post('/api/v1/sources').set(bearer(city.adminKey))
      .send(sourceBody(`urn:cat:${city.slug}:hostile`, { name: { en: hostile, fr: `${hostile} & <!--` } })).expect(201);
    const structured = (page: string) => [...page.matchAll(/<script type="application\/ld\+json">([^<]*)<\/script>/g)].map((m) => JSON.parse(m[1]!));

    for (const [lang, name] of [['en', hostile], ['fr', `${hostile} & <!--`]] as const) {
      const page = (await t.http.get(`/sources/${created.body.id}?lang=${lang}`).expect(200)).text;
      expect(page).not.toContain('<script>alert(1)');
      const [dataset] = structured(page);
      expect(dataset).toMatchObject({
        '@context': 'https://schema.org', '@type': 'Dataset', url: `${PUBLIC}/sources/${created.body.id}`, identifier: `${PUBLIC}/sources/${created.body.id}`,
        name, inLanguage: lang, license: LICENCE, keywords: [lang === 'en' ? 'PM2.5' : 'PM2,5'],
        publisher: { '@type': 'Organization', url: `${PUBLIC}/sources?city=${city.slug}` },
        spatialCoverage: { '@type': 'Place', geo: { '@type': 'GeoCoordinates', longitude: -73.5673, latitude: 45.5017 } },
        includedInDataCatalog: { '@type': 'DataCatalog', url: `${PUBLIC}/sources` },
      });
      expect(dataset.description.length).toBeGreaterThan(0);
      expect(page).toContain('<link rel="alternate" type="text/turtle" title="DCAT-AP catalogue" href="/catalog.ttl">');
    }

    const list = (await t.http.get(`/sources?city=${city.slug}`).expect(200)).text;
    expect(list).not.toContain('<script>alert(1)');
    const [catalog] = structured(list);
    expect(catalog).toMatchObject({ '@context': 'https://schema.org', '@type': 'DataCatalog', url: `${PUBLIC}/sources` });
    expect(catalog.dataset).toContainEqual({ '@type': 'Dataset', '@id': `${PUBLIC}/sources/${created.body.id}`, url: `${PUBLIC}/sources/${created.body.id}`, name: hostile });
  });
});
