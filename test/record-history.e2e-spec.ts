import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DataSource } from 'typeorm';
import { checkRecord } from '../apps/cli/src/log-check.js';
import type { FetchLike } from '../apps/cli/src/log-verify.js';
import { airAgreementBody, registerDsseKey, signedAgreement } from './support/exchange-fixtures.js';
import { addMember, bearer, createOrganisation, createSource, privacyRecordBody, rawBody } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const REGISTRY = 'http://registry.test';

/**
 * Every journal entry keeps the state it digests, so the log discloses a record's past: any entry whose state was public
 * when written checks against its digest, long after the record moved on; a state that was private then (a draft) stays
 * private, exactly like one from before states were kept; and the operator's withholding of a state typed in error is
 * itself an entry, after which that state is never disclosed.
 */
describe("a record's history in the log", () => {
  let t: TestApp;
  let db: DataSource;

  /** The public API through supertest, as the CLI's fetch. */
  const publicFetch: FetchLike = async (url, init) => {
    const u = new URL(url);
    const res = await t.http.get(u.pathname + u.search).set(init?.headers ?? {}).buffer(true).parse(rawBody);
    return new Response(new Uint8Array(res.body as Buffer), { status: res.status, headers: { 'content-type': res.headers['content-type'] ?? 'application/octet-stream' } });
  };

  beforeAll(async () => {
    // Rows are edited behind the registry's back (an entry made to predate kept states): a database of this suite's own, no cache.
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  const entryDigest = async (index: number) =>
    JSON.parse(Buffer.from((await t.http.get('/api/v1/log/entries').query({ start: index, end: index + 1 }).expect(200)).body.entries[0].entry, 'base64').toString('utf8')).state as string;
  const digestOf = (salt: string, state: unknown) => `sha256:${createHash('sha256').update(Buffer.from(salt, 'base64url')).update(canonicalize(state)!, 'utf8').digest('base64url')}`;
  const disclose = (index: number, key?: string) => {
    const request = t.http.get('/api/v1/log/record').query({ index });
    return key ? request.set(bearer(key)) : request;
  };

  it("discloses every public past state of a source to anyone, each checking against its entry's digest, and `plaza log check` passes for each", async () => {
    const city = await createOrganisation(t, uniqueSlug('hist-city'), 'city');
    const source = await createSource(t, city.adminKey, `urn:plaza:hist:${uniqueSlug('s')}`);
    const first = source.journalIndex as number;
    const renamed = (await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ name: { en: 'Renamed station', fr: 'Station renommée' } }).expect(200)).body;
    expect(renamed.journalIndex).toBeGreaterThan(first);

    const past = (await disclose(first).expect(200)).body;
    expect(past).toMatchObject({ index: first, subject: { type: 'source', id: source.id }, state: { name: source.name } });
    expect(digestOf(past.salt, past.state)).toBe(await entryDigest(first));
    expect((await disclose(renamed.journalIndex).expect(200)).body.state.name).toEqual({ en: 'Renamed station', fr: 'Station renommée' });

    for (const index of [first, renamed.journalIndex]) expect(await checkRecord(REGISTRY, index, { fetch: publicFetch })).toMatchObject({ ok: true, index });
    expect((await checkRecord(REGISTRY, first, { fetch: publicFetch })).state).toMatchObject({ name: source.name });

    // The kept text is what the digest covers: a kept state edited behind the log no longer checks.
    await db.query(`UPDATE journal_states SET state = replace(state, 'Station', 'Stashun') WHERE index = $1`, [first]);
    try {
      expect(await checkRecord(REGISTRY, first, { fetch: publicFetch })).toMatchObject({ ok: false, problem: expect.stringMatching(/changed outside the log/) });
    } finally {
      await db.query(`UPDATE journal_states SET state = replace(state, 'Stashun', 'Station') WHERE index = $1`, [first]);
    }
  });

  it("keeps an agreement version's drafting private even once the version is in force, as private as an entry from before states were kept", async () => {
    const city = await createOrganisation(t, uniqueSlug('hist-agr-city'), 'city');
    const vendor = await createOrganisation(t, uniqueSlug('hist-agr-vendor'), 'vendor');
    const source = await createSource(t, city.adminKey, `urn:plaza:hist:${uniqueSlug('a')}`, { operator: vendor.slug });
    const agreementId = await signedAgreement(t, { org: city, key: await registerDsseKey(t, city) }, { org: vendor, key: await registerDsseKey(t, vendor) }, source.id);
    await t.http.post(`/api/v1/agreements/${agreementId}/suspend`).set(bearer(city.adminKey)).send({ reason: 'Sensor maintenance' }).expect(200);
    const journal = (await t.http.get(`/api/v1/agreements/${agreementId}`).expect(200)).body.versions[0].journal as { index: number; action: string }[];
    const created = journal.find((e) => e.action === 'agreement.drafted')!.index;
    const activated = journal.find((e) => e.action === 'agreement.activated')!.index;
    expect(journal.at(-1)!.index).toBeGreaterThan(activated);

    // In force: public, and checks. Its draft: the same refusal for the city that wrote it as for a resident.
    const inForce = (await disclose(activated).expect(200)).body;
    expect(inForce.state).toMatchObject({ status: 'active', number: 1 });
    expect(digestOf(inForce.salt, inForce.state)).toBe(await entryDigest(activated));
    const draft = await disclose(created).expect(409);
    expect(draft.body.code).toBe('log.record_superseded');
    expect(JSON.stringify(draft.body)).not.toContain('salt');
    expect((await disclose(created, city.adminKey).expect(409)).body.code).toBe('log.record_superseded');

    // The same entry, as if written before states were kept: the same answer, word for word.
    const kept = (await db.query('SELECT * FROM journal_states WHERE index = $1', [activated])) as Record<string, unknown>[];
    await db.query('DELETE FROM journal_states WHERE index = $1', [activated]);
    try {
      const missing = await disclose(activated).expect(409);
      expect(missing.body.code).toBe(draft.body.code);
      expect(missing.body.title).toBe(draft.body.title);
    } finally {
      await db.query('INSERT INTO journal_states (index, state, public, withheld) VALUES ($1, $2, $3, $4)', [activated, kept[0]!.state, kept[0]!.public, kept[0]!.withheld]);
    }
  });

  it("lets the operator alone withhold a state typed in error: journaled, never disclosed again, with stable codes for what cannot be withheld", async () => {
    const city = await createOrganisation(t, uniqueSlug('hist-withhold'), 'city');
    const typo = await createSource(t, city.adminKey, `urn:plaza:hist:${uniqueSlug('w')}`, { description: { en: 'Call Jane Roe at 514-555-0199', fr: 'Appelez Jane Roe au 514-555-0199' } });
    await t.http.patch(`/api/v1/sources/${typo.id}`).set(bearer(city.adminKey)).send({ description: { en: 'Air quality at the corner', fr: 'Qualité de l’air au coin' } }).expect(200);
    const index = typo.journalIndex as number;
    expect((await disclose(index).expect(200)).body.state.description.en).toContain('Jane Roe');

    // Not the city's to withhold, nor anyone's without a key.
    expect((await t.http.post('/api/v1/log/withholdings').set(bearer(city.adminKey)).send({ index }).expect(403)).body.code).toBeDefined();
    await t.http.post('/api/v1/log/withholdings').send({ index }).expect(401);

    const withholding = (await t.http.post('/api/v1/log/withholdings').set(bearer(t.operatorKey)).send({ index }).expect(201)).body;
    expect(withholding).toEqual({ entry: index, subject: { type: 'source', id: typo.id }, journalIndex: expect.any(Number) });
    const withheldAt = withholding.journalIndex as number;
    expect(withheldAt).toBeGreaterThan(index);

    const refused = await disclose(index).expect(410);
    expect(refused.body.code).toBe('log.state_withheld');
    expect(refused.body.detail).toContain(`entry ${withheldAt}`);
    expect(JSON.stringify(refused.body)).not.toContain('Jane');
    // Not kept either: the text typed in error is gone from the registry, only the entry's digest remains.
    expect((await db.query('SELECT state, withheld FROM journal_states WHERE index = $1', [index]))[0]).toEqual({ state: null, withheld: true });
    expect((await checkRecord(REGISTRY, index, { fetch: publicFetch })).ok).toBe(false);

    // The withholding is an entry like any other: public, checkable, filed under the city, made with the operator's key.
    const entry = (await disclose(withheldAt).expect(200)).body;
    expect(entry).toMatchObject({ subject: { type: 'state-withholding', id: String(index) }, state: { entry: index, subject: { type: 'source', id: typo.id } } });
    expect(await checkRecord(REGISTRY, withheldAt, { fetch: publicFetch })).toMatchObject({ ok: true });

    const again = async (at: number, status: number, code: string) =>
      expect((await t.http.post('/api/v1/log/withholdings').set(bearer(t.operatorKey)).send({ index: at }).expect(status)).body.code).toBe(code);
    await again(index, 409, 'log.state_already_withheld');
    await again(withheldAt, 409, 'log.state_not_kept');
    await again(withheldAt + 1000, 400, 'log.index_out_of_range');
    const bad = await t.http.post('/api/v1/log/withholdings').set(bearer(t.operatorKey)).send({ index: -1 }).expect(400);
    expect(bad.body.code).toBeDefined();
  });

  it('refuses to withhold an entry from before states were kept', async () => {
    const city = await createOrganisation(t, uniqueSlug('hist-old'), 'city');
    const index = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.journalIndex as number;
    const kept = (await db.query('SELECT * FROM journal_states WHERE index = $1', [index])) as Record<string, unknown>[];
    await db.query('DELETE FROM journal_states WHERE index = $1', [index]);
    try {
      const refused = await t.http.post('/api/v1/log/withholdings').set(bearer(t.operatorKey)).send({ index }).expect(409);
      expect(refused.body.code).toBe('log.state_not_kept');
      // Still the organisation's latest entry: disclosed from the record as it is now, as before states were kept.
      expect((await disclose(index).expect(200)).body.state.slug).toBe(city.slug);
    } finally {
      await db.query('INSERT INTO journal_states (index, state, public, withheld) VALUES ($1, $2, $3, $4)', [index, kept[0]!.state, kept[0]!.public, kept[0]!.withheld]);
    }
  });

  it("stores a privacy assessment's draft and submission as private and its approval as public, as its own rule says", async () => {
    const city = await createOrganisation(t, uniqueSlug('hist-pia'), 'city');
    const source = await createSource(t, city.adminKey, `urn:plaza:hist:${uniqueSlug('p')}`);
    // Four eyes: a member writes the record; an approver the admin made before it was submitted approves it.
    const [approver, author] = [await addMember(t, city.slug, city.adminKey, ['privacy-approver']), await addMember(t, city.slug, city.adminKey, ['member'])];
    const record = (await t.http.post('/api/v1/privacy-records').set(bearer(author.key)).send(privacyRecordBody([source.id])).expect(201)).body as { id: string };
    await t.http.post(`/api/v1/privacy-records/${record.id}/submit`).set(bearer(author.key)).expect(200);
    await t.http.post(`/api/v1/privacy-records/${record.id}/approve`).set(bearer(approver.key)).expect(200);
    const kept = (await db.query(
      `SELECT e.action, s.public FROM journal_entries e JOIN journal_states s ON s.index = e.index WHERE e.subject_type = 'privacy-record' AND e.subject_id = $1 ORDER BY e.index`,
      [record.id],
    )) as { action: string; public: boolean }[];
    expect(kept).toEqual([{ action: 'privacy-record.opened', public: false }, { action: 'privacy-record.submitted', public: false }, { action: 'privacy-record.approved', public: true }]);
    const [drafted, , approved] = (await db.query(`SELECT index FROM journal_entries WHERE subject_type = 'privacy-record' AND subject_id = $1 ORDER BY index`, [record.id])) as { index: string }[];
    // The approval is the record's latest entry; its draft is not disclosed, not even to its city.
    expect((await disclose(Number(approved!.index)).expect(200)).body.state.status).toBe('approved');
    expect((await disclose(Number(drafted!.index), city.adminKey).expect(409)).body.code).toBe('log.record_superseded');
  });

  it('keeps a draft agreement body out of the disclosed states', async () => {
    // A draft's entry stays private to a resident even while it is the version's latest (its parties' own).
    const city = await createOrganisation(t, uniqueSlug('hist-draft'), 'city');
    const vendor = await createOrganisation(t, uniqueSlug('hist-draft-v'), 'vendor');
    const source = await createSource(t, city.adminKey, `urn:plaza:hist:${uniqueSlug('d')}`, { operator: vendor.slug });
    const draft = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, source.id)).expect(201)).body;
    const index = draft.versions[0].journalIndex as number;
    expect((await disclose(index).expect(404)).body.code).toBe('log.record_not_disclosed');
    expect((await db.query('SELECT public FROM journal_states WHERE index = $1', [index]))[0]).toEqual({ public: false });
  });
});
