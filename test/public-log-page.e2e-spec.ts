import { addMember, bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { airAgreementBody } from './support/exchange-fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const SOURCE_NAME = 'Air quality sensor, rue Sainte-Catherine';
const SOURCE_NAME_FR = 'Capteur de qualité de l’air, rue Sainte-Catherine';
const PERSON = { name: 'Jeanne Tremblay-Logpage', email: `jeanne.logpage.${Date.now()}@city.example` };
const DRAFT_SUMMARY = 'Secret terms of the parking pilot, log page';
const HOUR = 3_600_000;

/** One row of the log page's latest entries, as a resident reads it. */
interface Row {
  index: number;
  kind: string;
  title: string;
  link: string | null;
  by: string;
}

const unescape = (text: string) => text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
const textOf = (cell: string) => unescape(cell.replace(/<[^>]*>/g, '').trim());

/** The rows of a log page and its rel="next" link. */
function readLog(html: string): { rows: Row[]; older: string | null } {
  const rows = [...html.matchAll(/<tr data-index="(\d+)" data-kind="([^"]+)"><th scope="row">.*?<\/th><td>.*?<\/td><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => ({
    index: Number(m[1]), kind: m[2]!, title: textOf(m[3]!), link: /<a href="([^"]*)">/.exec(m[3]!)?.[1] ?? null, by: textOf(m[4]!),
  }));
  const older = /<a rel="next" href="([^"]*)">/.exec(html)?.[1];
  return { rows: rows.map((r) => ({ ...r, link: r.link && unescape(r.link) })), older: older ? unescape(older) : null };
}

/**
 * The log page reads like a register: each entry in words, naming and linking its record only when the record and that
 * state are public, who made it (organisations, never people; the operator for an organisation shown as such), and
 * filters by city, kind and day with pages keyed on the journal index.
 */
describe('the public log page in words', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let otherCity: TestOrganisation;
  let vendor: TestOrganisation;
  let cityName: string;
  let sourceId: string;
  let agreementId: string;
  let cityKey: string;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' }, { ownDatabase: true });
    const slug = uniqueSlug('logcity');
    cityName = `Montréal ${slug}`;
    city = await createOrganisation(t, slug, 'city', { name: { en: cityName, fr: cityName } });
    otherCity = await createOrganisation(t, uniqueSlug('logother'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('logvendor'), 'vendor');
    // The first admin's key was issued by the operator, so the operator stands behind it; the city's own admin acts for itself.
    cityKey = (await addMember(t, city.slug, city.adminKey, ['admin'])).key;
    sourceId = (await createSource(t, cityKey, `urn:logpage:${slug}:air`, { name: { en: SOURCE_NAME, fr: SOURCE_NAME_FR } })).id;
    await createSource(t, otherCity.adminKey, `urn:logpage:${slug}:other`);
    // A member added by the city (a person's name and email) and a draft agreement: neither is public.
    await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(cityKey)).send({ ...PERSON, roles: ['member'] }).expect(201);
    agreementId = (await t.http.post('/api/v1/agreements').set(bearer(cityKey)).send(airAgreementBody(vendor.slug, sourceId, { summary: DRAFT_SUMMARY })).expect(201)).body.id;
    // The operator changes the city's public details for it.
    await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ jurisdiction: 'CA-QC' }).expect(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  async function logPage(query: string, status = 200): Promise<{ html: string; rows: Row[]; older: string | null }> {
    const res = await t.http.get(`/log?${query}`).expect(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    return { html: res.text, ...readLog(res.text) };
  }

  /** The log's own account of an entry. */
  async function logEntry(index: number): Promise<{ action: string; organisation: string | null; subject: { type: string; id: string }; time: string }> {
    const res = await t.http.get(`/api/v1/log/entries?start=${index}&end=${index + 1}`).expect(200);
    return JSON.parse(Buffer.from(res.body.entries[0].entry, 'base64').toString('utf8'));
  }

  /** Every row the filtered log lists, following its "Older entries" links, with `between` run after the first page. */
  async function wholeLog(query: string, between?: () => Promise<void>): Promise<{ pages: number; rows: Row[] }> {
    const rows: Row[] = [];
    let path: string | null = `/log?${query}`;
    let pages = 0;
    while (path && pages < 50) {
      const page = readLog((await t.http.get(path).expect(200)).text);
      rows.push(...page.rows);
      if (++pages === 1) await between?.();
      path = page.older;
    }
    return { pages, rows };
  }

  it('names a public record in the page’s language, says the change in words and links the record', async () => {
    const { rows } = await logPage(`city=${city.slug}&lang=en`);
    const registered = rows.find((r) => r.title === `${cityName} registered the source “${SOURCE_NAME}”`);
    expect(registered).toMatchObject({ kind: 'source', link: `/sources/${sourceId}?lang=en`, by: cityName });
    expect(await logEntry(registered!.index)).toMatchObject({ action: 'source.created', subject: { type: 'source', id: sourceId } });
    const french = await logPage(`city=${city.slug}&lang=fr`);
    expect(french.rows.find((r) => r.index === registered!.index)).toMatchObject({
      title: `${cityName} a enregistré la source « ${SOURCE_NAME_FR} »`, link: `/sources/${sourceId}?lang=fr`, by: cityName,
    });
    expect(french.html).toContain('<label for="f-kind">Type de dossier</label>');
    // The entry's own link shows it with its proof, in words too.
    const shown = await logPage(`index=${registered!.index}&lang=en`);
    expect(shown.html).toContain(`<h2 id="entry">Entry ${registered!.index}</h2>`);
    expect(shown.html).toContain(`<a href="/sources/${sourceId}?lang=en">${cityName} registered the source “${SOURCE_NAME}”</a> (<code>source.created</code>)`);
  });

  it('says only the kind and the organisation of a private change, and leaks no name, email, content or id', async () => {
    const { rows, html } = await logPage(`city=${city.slug}&lang=en`);
    for (const secret of [PERSON.name, PERSON.email, DRAFT_SUMMARY, agreementId, 'salt']) expect(html).not.toContain(secret);
    const actions = new Map(await Promise.all(rows.map(async (r) => [r.index, (await logEntry(r.index)).action] as const)));
    const added = rows.filter((r) => actions.get(r.index) === 'member.created');
    // Newest first: the person the city's own admin added, then the two admins added with keys the operator stands behind.
    expect(added.map((r) => r.title)).toEqual(Array(3).fill(`A change to a member of ${cityName}`));
    expect(added.every((r) => r.link === null)).toBe(true);
    expect(added.map((r) => r.by)).toEqual([cityName, `The operator, for ${cityName}`, `The operator, for ${cityName}`]);
    const drafted = rows.find((r) => actions.get(r.index) === 'agreement.drafted')!;
    expect(drafted).toMatchObject({ kind: 'agreement-version', title: `A change to a data-sharing agreement of ${cityName}`, link: null, by: cityName });
    const french = await logPage(`city=${city.slug}&kind=agreement-version&lang=fr`);
    expect(french.rows.find((r) => r.index === drafted.index)?.title).toBe(`Un changement touchant une entente de partage de données de ${cityName}`);
    expect(french.html).not.toContain(DRAFT_SUMMARY);
  });

  it('shows the operator acting for an organisation as such, in both languages', async () => {
    const { rows } = await logPage(`city=${city.slug}&kind=organisation&lang=en`);
    const updated = rows.find((r) => r.title === `${cityName} updated its details`);
    expect(updated).toMatchObject({ by: `The operator, for ${cityName}`, link: `/sources?city=${city.slug}&lang=en` });
    expect(await logEntry(updated!.index)).toMatchObject({ action: 'organisation.updated', organisation: city.id });
    const french = await logPage(`city=${city.slug}&kind=organisation&lang=fr`);
    expect(french.rows.find((r) => r.index === updated!.index)?.by).toBe(`L’exploitant, pour ${cityName}`);
    expect(french.html).toContain('jamais par une personne');
  });

  it('filters by city, by kind and by day, and keeps the filters in its form and links', async () => {
    const mine = await logPage(`city=${city.slug}`);
    expect(mine.rows.length).toBeGreaterThanOrEqual(6);
    for (const row of mine.rows) expect((await logEntry(row.index)).organisation).toBe(city.id);
    expect(mine.html).toContain(`<option value="${city.slug}" selected>`);
    const other = await logPage(`city=${otherCity.slug}`);
    expect(other.rows.length).toBeGreaterThan(0);
    expect(other.rows.some((r) => mine.rows.some((m) => m.index === r.index))).toBe(false);

    const sources = await logPage('kind=source');
    expect(sources.rows.length).toBeGreaterThanOrEqual(2);
    expect(sources.rows.every((r) => r.kind === 'source')).toBe(true);
    expect(sources.html).toContain('<option value="source" selected>');

    // Days are UTC days, both included: the days the city's entries were made hold them all, the days around them none.
    const days = (await Promise.all(mine.rows.map(async (r) => (await logEntry(r.index)).time.slice(0, 10)))).sort();
    const shift = (day: string, offset: number) => new Date(Date.parse(`${day}T00:00:00Z`) + offset * 24 * HOUR).toISOString().slice(0, 10);
    const [first, last] = [days[0]!, days.at(-1)!];
    const within = await logPage(`city=${city.slug}&from=${first}&to=${last}`);
    expect(within.rows.map((r) => r.index)).toEqual(mine.rows.map((r) => r.index));
    expect(within.html).toContain(`name="from" type="date" value="${first}"`);
    expect((await logPage(`city=${city.slug}&from=${shift(last, 1)}`)).rows).toEqual([]);
    expect((await logPage(`city=${city.slug}&to=${shift(first, -1)}`)).html).toContain('No entry matches these filters.');
    // An empty field of the form is no filter.
    expect((await logPage(`city=${city.slug}&kind=&from=&to=&lang=en`)).rows.map((r) => r.index)).toEqual(mine.rows.map((r) => r.index));
    // Showing an entry keeps the list filtered.
    const chosen = await logPage(`city=${city.slug}&kind=source&index=${mine.rows[0]!.index}`);
    expect(chosen.rows.every((r) => r.kind === 'source')).toBe(true);
    expect(chosen.html).toContain(`<input type="hidden" name="city" value="${city.slug}">`);
  });

  it('pages back by journal index: newest first, every entry once, none skipped while changes are appended', async () => {
    // More than a page (50) of the city's entries.
    for (let i = 0; i < 52; i++) {
      await t.http.patch(`/api/v1/sources/${sourceId}`).set(bearer(cityKey)).send({ description: { en: `Fine particles ${i}`, fr: `Particules fines ${i}` } }).expect(200);
    }
    // The city's entries in the signed log, newest first, as the log itself serves them.
    const size = Number((await t.http.get('/api/v1/log/checkpoint').expect(200)).body.body.split('\n')[1]);
    const served = (await t.http.get(`/api/v1/log/entries?start=0&end=${size}`).expect(200)).body.entries as { index: number; entry: string }[];
    const expected = served
      .filter((e) => JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8')).organisation === city.id)
      .map((e) => e.index)
      .reverse();
    const { pages, rows } = await wholeLog(`city=${city.slug}&lang=en`, async () => {
      // A change made while a reader pages back lands on the newest page, not on the pages still to come.
      await t.http.patch(`/api/v1/sources/${sourceId}`).set(bearer(cityKey)).send({ description: { en: 'Fine particles, later', fr: 'Particules fines, plus tard' } }).expect(200);
    });
    const indexes = rows.map((r) => r.index);
    expect(pages).toBe(Math.ceil(expected.length / 50));
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(indexes).toEqual(expected);
    expect(new Set(indexes).size).toBe(indexes.length);
    const second = await logPage(`city=${city.slug}&before=${indexes[49]! + 1}&lang=en`);
    expect(second.html).toContain(`<a href="/log?city=${city.slug}&amp;lang=en">Newest entries</a>`);
    const head = await logPage(`city=${city.slug}&lang=en`);
    expect(head.rows[0]!.title).toBe(`${cityName} updated the source “${SOURCE_NAME}”`);
    expect(head.rows[0]!.index).toBeGreaterThan(indexes[0]!);
  }, 120_000);

  it('answers a bad parameter with the 400 page, an unknown city with the 404 page, never a 500', async () => {
    for (const query of [
      'city=Not%20a%20slug', 'kind=person', 'kind=source&kind=member', 'from=2026-02-30', 'from=yesterday', 'to=2026-13-01', 'to=2026-1-5',
      'from=2026-05-02&to=2026-05-01', 'before=0', 'before=abc', 'before=1e3', 'before=-4', 'index=-1', 'lang=de', 'page=2',
    ]) {
      const res = await t.http.get(`/log?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('This address is not valid');
    }
    const unknown = await t.http.get('/log?city=no-such-city-anywhere&lang=fr').expect(404);
    expect(unknown.headers['content-type']).toMatch(/^text\/html/);
  });

  it('stays a cached public read: the same page twice has the same strong ETag', async () => {
    const first = await t.http.get(`/log?city=${city.slug}&kind=source&lang=en`).expect(200);
    expect(first.headers.etag).toMatch(/^"/);
    await t.http.get(`/log?city=${city.slug}&kind=source&lang=en`).set('if-none-match', first.headers.etag).expect(304);
  });
});
