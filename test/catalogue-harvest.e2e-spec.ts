import { Store } from 'n3';
import { bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { NS, objects, parseRdf, subjectsOfType, texts } from './support/rdf.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const PUBLIC = 'https://plaza.example';
const PAGE = 3;

interface Harvested {
  title: string;
  modified: string;
  status: string;
  endDate: string | undefined;
}

interface Harvest {
  datasets: Map<string, Harvested>;
  /** Every identifier in the order seen, duplicates included. */
  seen: string[];
  pages: number;
  totals: string[];
}

/**
 * What ckanext-dcat's RDF harvester does: HEAD the source URL, then GET each page with the media type HEAD answered,
 * parse it with an RDF library, take every dcat:Dataset by its dct:identifier, and follow hydra:next to the end.
 * `between` runs after the first page, as another client's change during a harvest would.
 */
async function harvest(t: TestApp, url: string, between: () => Promise<void> = async () => {}): Promise<Harvest> {
  const head = await t.http.head(url).expect(200);
  const mediaType = String(head.headers['content-type']).split(';')[0]!.trim();
  const result: Harvest = { datasets: new Map(), seen: [], pages: 0, totals: [] };
  let next: string | undefined = url;
  while (next) {
    const res: { text: string; headers: Record<string, string> } = await t.http.get(next).set('accept', mediaType).expect(200);
    expect(res.headers['content-type']).toContain(mediaType);
    const store: Store = new Store(await parseRdf(res.text, mediaType));
    for (const dataset of subjectsOfType(store, `${NS.dcat}Dataset`)) {
      const [identifier] = objects(store, dataset, `${NS.dct}identifier`);
      const [period] = objects(store, dataset, `${NS.dct}temporal`);
      result.seen.push(identifier!);
      result.datasets.set(identifier!, {
        title: texts(store, dataset, `${NS.dct}title`).en!,
        modified: objects(store, dataset, `${NS.dct}modified`)[0]!,
        status: objects(store, dataset, `${NS.adms}status`)[0]!,
        endDate: period ? objects(store, period, `${NS.dcat}endDate`)[0] : undefined,
      });
    }
    const [view] = subjectsOfType(store, `${NS.hydra}PartialCollectionView`);
    result.totals.push(objects(store, view!, `${NS.hydra}totalItems`)[0]!);
    next = objects(store, view!, `${NS.hydra}next`)[0]?.slice(PUBLIC.length);
    if (result.pages++ === 0) await between();
    expect(result.pages).toBeLessThan(50);
  }
  return result;
}

describe('harvesting the catalogue as ckanext-dcat does', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let ids: string[];

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_PUBLIC_URL: PUBLIC });
    city = await createOrganisation(t, uniqueSlug('harvest'), 'city');
    ids = [];
    for (let i = 0; i < 7; i++) ids.push((await createSource(t, city.adminKey, `urn:harvest:${city.slug}:${i}`)).id);
    for (const id of ids.slice(0, 3)) await t.http.post(`/api/v1/sources/${id}/status`).set(bearer(city.adminKey)).send({ status: 'active' }).expect(200);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it.each(['/catalog', '/catalog.ttl', '/catalog.jsonld'])('sees the same identifiers again, an edited source with its new title and modified date, and a retired one marked so (%s)', async (path) => {
    const url = `${path}?city=${city.slug}&limit=${PAGE}`;
    const first = await harvest(t, url);
    const iri = (id: string) => `${PUBLIC}/sources/${id}`;
    expect([...first.datasets.keys()].sort()).toEqual(ids.map(iri).sort());
    expect(first.seen).toHaveLength(ids.length);
    expect(first.pages).toBe(Math.ceil(ids.length / PAGE));

    const edited = ids[1]!;
    const retired = ids[2]!;
    const title = `Renamed ${path}`;
    await t.http.patch(`/api/v1/sources/${edited}`).set(bearer(city.adminKey)).send({ name: { en: title, fr: `Renommé ${path}` } }).expect(200);
    const alreadyRetired = first.datasets.get(iri(retired))!.endDate !== undefined;
    if (!alreadyRetired) await t.http.post(`/api/v1/sources/${retired}/status`).set(bearer(city.adminKey)).send({ status: 'retired' }).expect(200);

    const second = await harvest(t, url);
    expect([...second.datasets.keys()].sort()).toEqual([...first.datasets.keys()].sort());
    const before = first.datasets.get(iri(edited))!;
    const after = second.datasets.get(iri(edited))!;
    expect(after.title).toBe(title);
    expect(Date.parse(after.modified)).toBeGreaterThan(Date.parse(before.modified));
    const gone = second.datasets.get(iri(retired))!;
    expect(gone.status).toBe('http://purl.org/adms/status/Withdrawn');
    expect(Number.isNaN(Date.parse(gone.endDate!))).toBe(false);
    // The others are as they were.
    for (const id of ids.filter((id) => id !== edited && id !== retired)) expect(second.datasets.get(iri(id))).toEqual(first.datasets.get(iri(id)));
  });

  it('pins a harvest to the journal size of its first page: a source registered meanwhile neither shifts a page nor appears twice, and the next harvest finds it', async () => {
    const url = `/catalog?city=${city.slug}&limit=${PAGE}`;
    let added = '';
    const during = await harvest(t, url, async () => {
      added = `${PUBLIC}/sources/${(await createSource(t, city.adminKey, `urn:harvest:${city.slug}:late-${Date.now()}`)).id}`;
    });
    expect(during.seen).toHaveLength(new Set(during.seen).size);
    expect(during.seen).not.toContain(added);
    expect(new Set(during.totals)).toEqual(new Set([String(during.seen.length)]));

    const later = await harvest(t, url);
    expect(later.seen).toContain(added);
    expect(later.seen).toEqual([...during.seen, added]);
  });

  it('keys pages on the order of registration, so the registry-wide harvest holds this city\'s sources once each, in order', async () => {
    const all = await harvest(t, `/catalog?limit=50`);
    const ours = all.seen.filter((identifier) => ids.some((id) => identifier.endsWith(id)));
    expect(ours).toEqual(ids.map((id) => `${PUBLIC}/sources/${id}`));
    expect(all.seen).toHaveLength(new Set(all.seen).size);
  });
});
