import { DataSource } from 'typeorm';
import { UnitOfWork, UnjournaledWriteError, UnlistedKindError } from '../apps/registry/src/platform/journal/unit-of-work.js';
import { organisationKind } from '../apps/registry/src/organisations/organisation-record.js';
import { Organisation } from '../apps/registry/src/organisations/organisation.entity.js';
import { bearer, createOrganisation, organisationBody } from './support/fixtures.js';
import { describeOnServer, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { SYSTEM_ACTOR } from '../apps/registry/src/kernel/auth/actor.js';

describe('the change journal', () => {
  let t: TestApp;
  let db: DataSource;
  let uow: UnitOfWork;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    uow = t.app.get(UnitOfWork);
  });
  afterAll(() => t.close());

  const headSize = async () => Number((await db.query('SELECT size FROM journal_head'))[0].size);
  // Both hold under concurrent writers (other suites share a server database): each is one statement, one snapshot.
  const orphanEntries = async () =>
    Number((await db.query("SELECT count(*) AS n FROM journal_entries j WHERE j.action = 'organisation.created' AND NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id::text = j.subject_id)"))[0].n);
  const gapFree = async () => {
    const [row] = await db.query('SELECT (SELECT size FROM journal_head) AS head, count(*) AS count, coalesce(max(index), -1) AS max FROM journal_entries');
    return Number(row.head) === Number(row.count) && Number(row.max) === Number(row.count) - 1;
  };
  const entryAt = async (index: number) => {
    const [row] = await db.query('SELECT entry FROM journal_entries WHERE index = $1', [index]);
    return JSON.parse((row.entry as Buffer).toString('utf8'));
  };

  it('appends one entry per write, and the record carries its index', async () => {
    const before = await headSize();
    const city = await createOrganisation(t, uniqueSlug('journal'), 'city');
    const org = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body;
    const entry = await entryAt(org.journalIndex);
    expect(entry).toMatchObject({ v: 2, index: org.journalIndex, action: 'organisation.created', subject: { type: 'organisation', id: org.id }, organisation: org.id });
    expect(entry.state).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    // The organisation, its admin member and the admin's API key: three writes, three entries.
    expect(await headSize()).toBeGreaterThanOrEqual(before + 3);
  });

  it('keeps personal information out of the entries', async () => {
    const city = await createOrganisation(t, uniqueSlug('pi'), 'city');
    const res = await t.http
      .post(`/api/v1/organisations/${city.slug}/members`)
      .set(bearer(city.adminKey))
      .send({ name: 'Jeanne Unique-Name', email: 'jeanne.unique@example.org', roles: ['member'] })
      .expect(201);
    const [row] = await db.query('SELECT entry FROM journal_entries WHERE index = $1', [res.body.journalIndex]);
    const text = (row.entry as Buffer).toString('utf8');
    expect(text).toContain(res.body.id);
    expect(text).not.toMatch(/Jeanne|jeanne\.unique/);
  });

  it('names the acting member in the entry', async () => {
    const city = await createOrganisation(t, uniqueSlug('actor'), 'city');
    const res = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ website: 'https://city.example' }).expect(200);
    expect((await entryAt(res.body.journalIndex)).actor).toBe(city.adminId);
  });

  it('leaves neither the change nor an entry when the write rolls back', async () => {
    const slug = uniqueSlug('rollback');
    await expect(
      uow.run(SYSTEM_ACTOR, async (tx) => {
        const org = await tx.manager.save(tx.manager.create(Organisation, { ...organisationBody(slug, 'city'), coalitionMember: false, website: null }));
        tx.record({ action: 'organisation.created', kind: organisationKind, subjectId: org.id, organisationId: org.id, state: { slug }, isPublic: true, record: org });
        throw new Error('the feature failed after writing');
      }),
    ).rejects.toThrow('the feature failed after writing');
    expect(await db.manager.findOneBy(Organisation, { slug })).toBeNull();
    expect(await orphanEntries()).toBe(0);
    expect(await gapFree()).toBe(true);
  });

  it('refuses, and rolls back, a write that records no change', async () => {
    const slug = uniqueSlug('unjournaled');
    await expect(
      uow.run(SYSTEM_ACTOR, async (tx) => {
        await tx.manager.save(tx.manager.create(Organisation, { ...organisationBody(slug, 'city'), coalitionMember: false, website: null }));
      }),
    ).rejects.toBeInstanceOf(UnjournaledWriteError);
    expect(await db.manager.findOneBy(Organisation, { slug })).toBeNull();
  });

  it('refuses, and rolls back, a change of a kind the composition root does not list', async () => {
    const slug = uniqueSlug('unlisted');
    const unlisted = { ...organisationKind };
    await expect(
      uow.run(SYSTEM_ACTOR, async (tx) => {
        const org = await tx.manager.save(tx.manager.create(Organisation, { ...organisationBody(slug, 'city'), coalitionMember: false, website: null }));
        tx.record({ action: 'organisation.created', kind: unlisted, subjectId: org.id, organisationId: org.id, state: { slug }, isPublic: true, record: org });
      }),
    ).rejects.toBeInstanceOf(UnlistedKindError);
    expect(await db.manager.findOneBy(Organisation, { slug })).toBeNull();
    expect(await orphanEntries()).toBe(0);
  });

  it('leaves no entry when a request is refused', async () => {
    const city = await createOrganisation(t, uniqueSlug('refused'), 'city');
    await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(city.slug, 'city')).expect(409);
    expect(await orphanEntries()).toBe(0);
    expect(await gapFree()).toBe(true);
  });

  it('numbers entries from 0 with no gap: the head equals the number of entries', async () => {
    expect(await gapFree()).toBe(true);
  });

  describeOnServer('under concurrent writes (server database)', () => {
    it('assigns 50 concurrent changes distinct, gap-free indexes in commit order', async () => {
      const before = await headSize();
      const slugs = Array.from({ length: 50 }, () => uniqueSlug('burst'));
      const results = await Promise.all(slugs.map((slug) => t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'vendor'))));
      expect(results.map((r) => r.status)).toEqual(slugs.map(() => 201));
      const indexes = results.map((r) => r.body.journalIndex as number).sort((a, b) => a - b);
      expect(new Set(indexes).size).toBe(50);
      const rows: { index: string; recorded_at: Date }[] = await db.query('SELECT index, recorded_at FROM journal_entries WHERE index >= $1 ORDER BY index', [before]);
      expect(rows.map((r) => Number(r.index))).toEqual(Array.from({ length: rows.length }, (_, i) => before + i));
      // Commit order: an entry is never recorded earlier than the one before it.
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.recorded_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.recorded_at.getTime());
    });
  });
});
