import { DataSource } from 'typeorm';
import { registerDsseKey, signedAgreement } from './support/exchange-fixtures.js';
import { addMember, bearer, createOrganisation, createSource, newVersion, proposalBody, type TestOrganisation } from './support/fixtures.js';
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
    // Nothing cached: two stories edit kept states behind the registry's back, which no change announces. A vote
    // closes as soon as it is called (the coalition members of this database vote, a tenth of them is a quorum).
    t = await startTestApp(
      { PLAZA_PUBLIC_CACHE_MB: '0', PLAZA_REGISTRY_CACHE_MAX_AGE_MS: '0', PLAZA_VOTING_QUORUM_PERCENT: '10', PLAZA_VOTING_PERIOD_HOURS: '0' }, { ownDatabase: true },
    );
    db = t.app.get(DataSource);
    city = await createOrganisation(t, uniqueSlug('hp-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('hp-vendor'), 'vendor');
    cityName = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.name.en as string;
  });
  afterAll(() => t?.close());

  const page = async (path: string) => (await t.http.get(path).expect(200).expect('content-type', /text\/html/)).text;

  it("lists a source's changes newest first, with the fields changed in words (codes too) and a link to each log entry, in both languages", async () => {
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
    expect(items[0]!.fields).toEqual(expect.arrayContaining([['Status', 'Planned', 'Active']]));
    expect(items[2]!.text).toContain('The first public state of this record kept in its history.');
    expect(section).not.toMatch(/[{}"]\s*:/); // words, not JSON
    expect(section).not.toMatch(/@example/);

    const fr = history(await page(`/sources/${source.id}?lang=fr`));
    expect(fr.section).toContain('Historique');
    expect(fr.items[1]!.fields).toEqual([['Nom', 'Station de qualité de l’air', 'Station du coin']]);
    expect(fr.items[1]!.log).toBe(`/log?index=${renamed.journalIndex}&lang=fr`);
    expect(fr.items[0]!.fields).toEqual(expect.arrayContaining([['Statut', 'Prévu', 'Actif']]));
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
    expect(suspended.fields).toEqual(expect.arrayContaining([['Status', 'Active', 'Suspended'], ['Reason for the status', 'none', 'Sensor maintenance']]));
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

  it("lists a proposal's reviews and votes in its history, and its standard's page the version it published and deprecated, in both languages; a private state stays private", async () => {
    // Three coalition cities, each acting through a standards editor its own admin named: the organisation acts, never the person.
    const voters = await Promise.all(['hp-coal-a', 'hp-coal-b', 'hp-coal-c'].map(async (base) => {
      const org = await createOrganisation(t, uniqueSlug(base), 'city', { coalitionMember: true });
      const name = (await t.http.get(`/api/v1/organisations/${org.slug}`).expect(200)).body.name as { en: string; fr: string };
      return { ...org, name, key: (await addMember(t, org.slug, org.adminKey, ['admin', 'standards-editor'])).key };
    }));
    const [a, b, c] = voters as [typeof voters[0], typeof voters[0], typeof voters[0]];
    const decide = async (body: object) => {
      const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(body).expect(201)).body as { number: number };
      await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(200);
      return number;
    };
    const content = newVersion('noise-level-observation', '1.1.0', '1.2.0', (schema) => {
      schema.properties.comment = { type: 'string', maxLength: 200, description: 'Free note from the operator' };
    });
    const n = await decide(proposalBody('noise-level-observation', '1.2.0', content));
    await t.http.post(`/api/v1/proposals/${n}/reviews`).set(bearer(b.key)).send({ verdict: 'approve', comment: 'Looks right to Bee.' }).expect(201);
    await t.http.post(`/api/v1/proposals/${n}/voting`).set(bearer(b.key)).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(a.key)).send({ choice: 'no' }).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(a.key)).send({ choice: 'yes' }).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(b.key)).send({ choice: 'yes' }).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(c.key)).send({ choice: 'abstain' }).expect(200);
    expect((await t.http.post(`/api/v1/proposals/${n}/decision`).set(bearer(c.key)).expect(200)).body.status).toBe('accepted');

    const proposal = (await t.http.get(`/api/v1/proposals/${n}`).expect(200)).body as { journalIndex: number; reviews: { journalIndex: number }[]; votes: { organisation: string; journalIndex: number }[] };
    const review = proposal.reviews[0]!.journalIndex;
    const votes = proposal.votes.map((v) => v.journalIndex);
    const changedVote = proposal.votes.find((v) => v.organisation === a.slug)!.journalIndex;
    let firstVote = 0;
    for (const lang of ['en', 'fr'] as const) {
      const { items, section } = history(await page(`/proposals/${n}?lang=${lang}`));
      const indexes = items.map((i) => i.index);
      expect(indexes).toEqual([...indexes].sort((x, y) => y - x));
      expect(indexes).toEqual(expect.arrayContaining([proposal.journalIndex, review, ...votes]));
      // Every entry of the process in one list: the review, the vote opened, four votes (one changed).
      const process = items.filter((i) => i.index >= review && i.index <= Math.max(...votes)).reverse();
      expect(process).toHaveLength(6);
      firstVote = process[2]!.index;
      expect(items.every((i) => i.log === `/log?index=${i.index}&lang=${lang}`)).toBe(true);
      const item = (index: number) => items.find((i) => i.index === index)!;
      expect(item(review).text).toContain(`(${b.name[lang]})`);
      expect(item(firstVote).text).toContain(`(${a.name[lang]})`);
      expect(item(changedVote).fields).toEqual([['Vote', ...({ en: ['No', 'Yes'], fr: ['Contre', 'Pour'] } as const)[lang]]]);
      expect(section).not.toContain('Member ');
      expect(section).not.toMatch(/[{}"]\s*:/);
    }

    // A deprecation, decided the same way, changes the version: the standard's page lists its publication and its
    // deprecation with the fields that changed.
    const d = await decide({ kind: 'deprecation', standard: 'noise-level-observation', version: '1.2.0', title: { en: 'Retire 1.2.0', fr: 'Retirer 1.2.0' }, body: '## Motivation\n\nTest.\n' });
    await t.http.post(`/api/v1/proposals/${d}/voting`).set(bearer(b.key)).expect(200);
    for (const voter of voters) await t.http.put(`/api/v1/proposals/${d}/vote`).set(bearer(voter.key)).send({ choice: 'yes' }).expect(200);
    expect((await t.http.post(`/api/v1/proposals/${d}/decision`).set(bearer(c.key)).expect(200)).body.status).toBe('accepted');
    const version = (await t.http.get('/api/v1/standards/noise-level-observation/versions/1.2.0').expect(200)).body as { status: string; journalIndex: number };
    expect(version.status).toBe('deprecated');
    for (const lang of ['en', 'fr'] as const) {
      const { items } = history(await page(`/standards/noise-level-observation?lang=${lang}`));
      const publishedWords = { en: 'A new version of a data standard was published', fr: 'Une nouvelle version d’une norme de données a été publiée' }[lang];
      // The only version published since this story began.
      const published = items.filter((i) => i.index > review && i.text.includes(publishedWords));
      expect(published).toHaveLength(1);
      expect(published[0]!.log).toBe(`/log?index=${published[0]!.index}&lang=${lang}`);
      const deprecated = items.find((i) => i.index === version.journalIndex)!;
      expect(deprecated.log).toBe(`/log?index=${version.journalIndex}&lang=${lang}`);
      expect(deprecated.fields).toEqual(expect.arrayContaining([
        [{ en: 'Status', fr: 'Statut' }[lang], ...({ en: ['Published', 'Deprecated'], fr: ['Publiée', 'Dépréciée'] } as const)[lang]],
        [{ en: 'Deprecated', fr: 'Dépréciation' }[lang], { en: 'none', fr: 'aucun' }[lang], expect.any(String)],
      ]));
    }

    // A state that was not public when written (as a draft is) is never shown nor disclosed: a's first vote, made so.
    await db.query('UPDATE journal_states SET public = false WHERE index = $1', [firstVote]);
    try {
      for (const lang of ['en', 'fr'] as const) {
        const { items } = history(await page(`/proposals/${n}?lang=${lang}`));
        expect(items.find((i) => i.index === firstVote)!.text).toContain({ en: 'was not public at the time', fr: 'n’était pas public' }[lang]);
        // The change after it can no longer say what it was.
        expect(items.find((i) => i.index === changedVote)!.fields).toEqual([]);
      }
      expect((await t.http.get('/api/v1/log/record').query({ index: firstVote }).expect(409)).body.code).toBe('log.record_superseded');
    } finally {
      await db.query('UPDATE journal_states SET public = true WHERE index = $1', [firstVote]);
    }
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
