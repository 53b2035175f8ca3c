import { DataSource } from 'typeorm';
import { registerDsseKey, signedAgreement } from './support/exchange-fixtures.js';
import { addMember, bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/** One history item as a resident reads it: the text of its line, its log link, and the fields table's rows. */
interface Item {
  index: number;
  text: string;
  log: string;
  fields: [string, string, string][];
}

/** The history section of a page, parsed from its server-rendered HTML. */
function history(page: string): { items: Item[]; section: string } {
  const section = /<section aria-labelledby="history"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
  const items = [...section.matchAll(/<li class="history-change" data-index="(\d+)">([\s\S]*?)<\/li>/g)].map(([, index, body]) => ({
    index: Number(index),
    text: body!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
    log: /<a href="([^"]*)">(?:Log entry|Entrée) \d+/.exec(body!)?.[1]?.replace(/&amp;/g, '&') ?? '',
    fields: [...body!.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map(([, f, b, a]) => [f!, b!, a!] as [string, string, string]),
  }));
  return { items, section };
}

/**
 * Each public record's page shows its history: dated changes, by organisation (the operator for a city shown as such),
 * the fields each changed before and after in words, and a link to each change's log entry; drafts and withheld states
 * say only that a change happened.
 */
describe("a public record's history on its page", () => {
  let t: TestApp;
  let db: DataSource;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let cityName: string;

  beforeAll(async () => {
    // Nothing cached: one story edits kept states behind the registry's back, which no change announces.
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0', PLAZA_REGISTRY_CACHE_MAX_AGE_MS: '0' }, { ownDatabase: true });
    db = t.app.get(DataSource);
    city = await createOrganisation(t, uniqueSlug('hp-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('hp-vendor'), 'vendor');
    cityName = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.name.en as string;
  });
  afterAll(() => t?.close());

  const page = async (path: string) => (await t.http.get(path).expect(200).expect('content-type', /text\/html/)).text;

  it("lists a source's changes newest first, with the fields changed in words and a link to each log entry, in both languages", async () => {
    // The city's first admin holds a key the operator issued; one its own admin issued acts for the city alone.
    const own = await addMember(t, city.slug, city.adminKey, ['admin']);
    const source = await createSource(t, own.key, `urn:plaza:hp:${uniqueSlug('s')}`, { operator: vendor.slug });
    const renamed = (await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(own.key)).send({ name: { en: 'Corner station', fr: 'Station du coin' } }).expect(200)).body;
    const active = (await t.http.post(`/api/v1/sources/${source.id}/status`).set(bearer(own.key)).send({ status: 'active' }).expect(200)).body;

    const { items, section } = history(await page(`/sources/${source.id}?lang=en`));
    expect(items.map((i) => i.index)).toEqual([active.journalIndex, renamed.journalIndex, source.journalIndex]);
    expect(items.map((i) => i.log)).toEqual(items.map((i) => `/log?index=${i.index}&lang=en`));
    // Who: the organisation, never a person.
    expect(items[1]!.text).toContain(`(${cityName})`);
    expect(items[1]!.fields).toEqual([['Name', 'Air station', 'Corner station']]);
    expect(items[0]!.fields).toEqual(expect.arrayContaining([['Status', 'planned', 'active']]));
    expect(items[2]!.text).toContain('The first public state of this record kept in its history.');
    expect(section).not.toMatch(/[{}"]\s*:/); // words, not JSON
    expect(section).not.toMatch(/@example/);

    const fr = history(await page(`/sources/${source.id}?lang=fr`));
    expect(fr.section).toContain('Historique');
    expect(fr.items[1]!.fields).toEqual([['Nom', 'Station de qualité de l’air', 'Station du coin']]);
    expect(fr.items[1]!.log).toBe(`/log?index=${renamed.journalIndex}&lang=fr`);
  });

  it("shows the operator acting for a city as such in the city's history, and an agreement's drafting only as a private change", async () => {
    await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ jurisdiction: 'CA-BC' }).expect(200);
    const cityPage = history(await page(`/sources?city=${city.slug}&lang=en`));
    expect(cityPage.items[0]!.text).toContain(`(The operator, for ${cityName})`);
    expect(cityPage.items[0]!.fields).toEqual(expect.arrayContaining([['Jurisdiction', expect.any(String), 'CA-BC']]));

    const source = await createSource(t, city.adminKey, `urn:plaza:hp:${uniqueSlug('a')}`, { operator: vendor.slug });
    const agreementId = await signedAgreement(t, { org: city, key: await registerDsseKey(t, city) }, { org: vendor, key: await registerDsseKey(t, vendor) }, source.id);
    await t.http.post(`/api/v1/agreements/${agreementId}/suspend`).set(bearer(city.adminKey)).send({ reason: 'Sensor maintenance' }).expect(200);
    const { items } = history(await page(`/agreements/${agreementId}?lang=en`));
    const journal = (await t.http.get(`/api/v1/agreements/${agreementId}`).expect(200)).body.versions[0].journal as { index: number; action: string }[];
    expect(items.map((i) => i.index)).toEqual(journal.map((e) => e.index).reverse());
    const drafted = items.find((i) => i.index === journal.find((e) => e.action === 'agreement.drafted')!.index)!;
    expect(drafted.text).toContain('was not public at the time');
    expect(drafted.text).not.toContain('vendor sends');
    const suspended = items[0]!;
    expect(suspended.fields).toEqual(expect.arrayContaining([['Status', 'active', 'suspended'], ['Reason for the status', 'none', 'Sensor maintenance']]));
  });

  it('pages a long history: 50 changes a page, newest first, each older page linked from the one before, every field change shown', async () => {
    const source = await createSource(t, city.adminKey, `urn:plaza:hp:${uniqueSlug('long')}`);
    const renames: number[] = [];
    for (let n = 1; n <= 55; n++) {
      const renamed = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ name: { en: `Station ${n}`, fr: `Station ${n}` } }).expect(200);
      renames.push(renamed.body.journalIndex as number);
    }
    const first = await page(`/sources/${source.id}?lang=en`);
    const latest = history(first);
    expect(latest.items.map((i) => i.index)).toEqual([...renames].reverse().slice(0, 50));
    // The oldest change shown still says what it changed: its state before is on the older page.
    expect(latest.items.at(-1)!.fields).toEqual([['Name', 'Station 5', 'Station 6']]);
    const link = /<a rel="next" href="([^"]+)">Older changes<\/a>/.exec(latest.section)?.[1]?.replace(/&amp;/g, '&');
    expect(link).toBe(`/sources/${source.id}?history=${renames[5]}&lang=en#history`);

    const older = history(await page(link!.replace('#history', '')));
    expect(older.items.map((i) => i.index)).toEqual([...renames.slice(0, 5).reverse(), source.journalIndex]);
    expect(older.items[0]!.fields).toEqual([['Name', 'Station 4', 'Station 5']]);
    expect(older.section).not.toContain('rel="next"');
    // The record's page itself is the same whichever page of its history is shown.
    expect(first.slice(0, first.indexOf('<section aria-labelledby="history"'))).toContain('Station 55');
  });

  it('refuses a history position that is not a journal index with a 400 page, never a 500', async () => {
    const source = await createSource(t, city.adminKey, `urn:plaza:hp:${uniqueSlug('bad')}`);
    for (const bad of ['abc', '0', '-3', '1e3', '99999999999999999']) {
      await t.http.get(`/sources/${source.id}?history=${bad}`).expect(400);
    }
  });

  it("shows a standard's history too, from the import that added it, with its log entry", async () => {
    const standard = (await t.http.get('/api/v1/standards/air-quality-observation').expect(200)).body as { journalIndex: number };
    const { items, section } = history(await page('/standards/air-quality-observation?lang=fr'));
    expect(section).toContain('<h2 id="history">Historique</h2>');
    expect(items.map((i) => i.index)).toContain(standard.journalIndex);
    expect(items.every((i) => i.log === `/log?index=${i.index}&lang=fr`)).toBe(true);
  });

  it('says a withheld state was withheld and where, and where the history starts when older changes were not kept', async () => {
    const source = await createSource(t, city.adminKey, `urn:plaza:hp:${uniqueSlug('w')}`, { description: { en: 'Call Jane Roe at home', fr: 'Appelez Jane Roe chez elle' } });
    await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ description: { en: 'Particles', fr: 'Particules' } }).expect(200);
    const withholding = (await t.http.post('/api/v1/log/withholdings').set(bearer(t.operatorKey)).send({ index: source.journalIndex }).expect(201)).body;
    const { items, section } = history(await page(`/sources/${source.id}?lang=en`));
    expect(section).not.toContain('Jane Roe');
    const withheld = items.find((i) => i.index === source.journalIndex)!;
    expect(withheld.text).toContain('withheld by the operator');
    expect(section).toContain(`href="/log?index=${withholding.journalIndex}&amp;lang=en"`);

    // As if the first change predated kept states.
    const [kept] = (await db.query('SELECT * FROM journal_states WHERE index = $1', [source.journalIndex])) as Record<string, unknown>[];
    await db.query('DELETE FROM journal_states WHERE index = $1', [source.journalIndex]);
    try {
      const older = history(await page(`/sources/${source.id}?lang=en`));
      expect(older.items.find((i) => i.index === source.journalIndex)!.text).toContain('not kept');
      expect(older.section).toMatch(/This history starts at entry \d+ of the log/);
    } finally {
      await db.query('INSERT INTO journal_states (index, state, public, withheld) VALUES ($1, $2, $3, $4)', [source.journalIndex, kept!.state, kept!.public, kept!.withheld]);
    }
  });
});
