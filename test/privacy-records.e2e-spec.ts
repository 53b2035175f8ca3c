import { DataSource } from 'typeorm';
import { PrivacyGate } from '../apps/registry/src/privacy-records/privacy-gate.js';
import { Scheduler } from '../apps/registry/src/platform/scheduler/scheduler.js';
import { addMember, bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation, walkPages } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const DAY = 86_400_000;
/** The UTC day `days` from now, as YYYY-MM-DD. */
const day = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer).sort();

const INTERNAL = 'Internal: the vendor contract number is 2026-PC-0042 and the raw footage path is /nvr/cam-7.';

const recordBody = (sourceIds: string[], extra: Record<string, unknown> = {}) => privacyRecordBody(sourceIds, { internalDetail: INTERNAL, ...extra });

describe('privacy impact records', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let otherCity: TestOrganisation;
  let member: { id: string; key: string };
  let approver: { id: string; key: string };
  let otherApprover: { id: string; key: string };
  let counter = 0;
  const ceSource = () => `urn:plaza:test:${uniqueSlug('pir')}:${(counter += 1)}`;

  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('pir-city'), 'city');
    otherCity = await createOrganisation(t, uniqueSlug('pir-other'), 'city');
    member = await addMember(t, city.slug, city.adminKey, ['member']);
    approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    otherApprover = await addMember(t, otherCity.slug, otherCity.adminKey, ['privacy-approver']);
  });
  afterAll(() => t.close());

  const camera = (key = city.adminKey) =>
    createSource(t, key, ceSource(), {
      personalInformation: true, technology: 'camera', kind: 'sensor',
      name: { en: 'Pedestrian counter, rue Sainte-Catherine', fr: 'Compteur de piétons, rue Sainte-Catherine' },
      measures: [{ en: 'Pedestrians per minute', fr: 'Piétons par minute' }],
      standards: [{ standard: 'traffic-flow-observation', major: 1 }],
    });
  const setStatus = (id: string, status: string, key = city.adminKey) => t.http.post(`/api/v1/sources/${id}/status`).set(bearer(key)).send({ status });
  const open = async (sourceIds: string[], key = member.key, extra: Record<string, unknown> = {}) =>
    (await t.http.post('/api/v1/privacy-records').set(bearer(key)).send(recordBody(sourceIds, extra)).expect(201)).body as Record<string, any>;
  const step = (id: string, what: 'submit' | 'approve' | 'reject', key: string, body?: object) => {
    const req = t.http.post(`/api/v1/privacy-records/${id}/${what}`).set(bearer(key));
    return body ? req.send(body) : req;
  };
  /** A record covering these sources, opened by the member and approved by the approver. */
  const approved = async (sourceIds: string[], extra: Record<string, unknown> = {}) => {
    const record = await open(sourceIds, member.key, extra);
    await step(record.id, 'submit', member.key).expect(200);
    return (await step(record.id, 'approve', approver.key).expect(200)).body as Record<string, any>;
  };
  const publicRead = async (id: string) => (await t.http.get(`/api/v1/privacy-records/${id}`).expect(200)).body as Record<string, any>;

  it('tells the story: a camera counter is refused activation until a privacy record is submitted and approved by another member', async () => {
    const counter = await camera();
    const refused = await setStatus(counter.id, 'active').expect(409);
    expect(refused.body.code).toBe('source.privacy_record_required');

    const draft = await open([counter.id]);
    expect(draft).toMatchObject({ status: 'draft', city: { slug: city.slug }, authorMemberId: member.id, internalDetail: INTERNAL, retention: 'P90D' });
    expect(draft.sources).toEqual([expect.objectContaining({ id: counter.id, personalInformation: true, status: 'planned' })]);
    expect((await setStatus(counter.id, 'active').expect(409)).body.code).toBe('source.privacy_record_required');
    // A draft is the city's alone.
    await t.http.get(`/api/v1/privacy-records/${draft.id}`).expect(404);

    const submitted = (await step(draft.id, 'submit', member.key).expect(200)).body;
    expect(submitted).toMatchObject({ status: 'submitted', submittedAt: expect.any(String) });
    expect((await setStatus(counter.id, 'active').expect(409)).body.code).toBe('source.privacy_record_required');

    const decided = (await step(draft.id, 'approve', approver.key).expect(200)).body;
    expect(decided).toMatchObject({ status: 'approved', decidedByMemberId: approver.id, decidedAt: expect.any(String) });
    expect((await setStatus(counter.id, 'active').expect(200)).body).toMatchObject({ status: 'active', privacyFlag: null });

    // Anyone reads the public part: the linked sources, the city's privacy contact, the journal index; never the internal detail.
    const view = await publicRead(draft.id);
    expect(view).toMatchObject({
      id: draft.id, status: 'approved', city: { slug: city.slug }, riskLevel: 'medium', retention: 'P90D',
      privacyContact: { email: `privacy@${city.slug}.example`, name: { en: 'Privacy office', fr: 'Bureau de la vie privée' } },
      sources: [expect.objectContaining({ id: counter.id, status: 'active' })],
    });
    expect(typeof view.journalIndex).toBe('number');
    expect(view.expiresAt).toBe(`${view.nextReviewDate}T00:00:00.000Z`.replace(view.nextReviewDate, day(366)));
    const listed = await walkPages(t, '/api/v1/privacy-records', { source: counter.id, limit: 10 });
    expect(listed.items.map((r) => r.id)).toEqual([draft.id]);
  });

  it('answers with sourceIds, the name a record is created and changed with, beside the deprecated sources', async () => {
    const [first, second] = [await camera(), await camera()];
    const draft = await open([first.id, second.id]);
    expect(draft.sourceIds).toEqual([first.id, second.id]);
    expect(draft.sources.map((s: { id: string }) => s.id)).toEqual(draft.sourceIds);
    const changed = (await t.http.patch(`/api/v1/privacy-records/${draft.id}`).set(bearer(member.key)).send({ sourceIds: [second.id] }).expect(200)).body;
    expect(changed.sourceIds).toEqual([second.id]);
    expect(changed.sources).toEqual([expect.objectContaining({ id: second.id, personalInformation: true })]);
    const listed = (await t.http.get('/api/v1/privacy-records').query({ source: second.id }).set(bearer(member.key)).expect(200)).body.items;
    expect(listed.find((r: { id: string }) => r.id === draft.id)).toMatchObject({ sourceIds: [second.id], sources: [expect.objectContaining({ id: second.id })] });
  });

  it('refuses an author (or anyone who edited or submitted it) approving their own record, even with another key', async () => {
    const authorApprover = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    const secondKey = (await t.http.post(`/api/v1/organisations/${city.slug}/api-keys`).set(bearer(city.adminKey)).send({ memberId: authorApprover.id, label: 'second' }).expect(201)).body.key as string;
    const record = await open([(await camera()).id], authorApprover.key);
    await step(record.id, 'submit', authorApprover.key).expect(200);
    for (const key of [authorApprover.key, secondKey]) {
      expect((await step(record.id, 'approve', key).expect(403)).body.code).toBe('privacy_record.decider_is_author');
      expect((await step(record.id, 'reject', key, { reason: 'Mine' }).expect(403)).body.code).toBe('privacy_record.decider_is_author');
    }
    // An approver who edited someone else's draft may not decide on it either.
    const edited = await open([(await camera()).id]);
    await t.http.patch(`/api/v1/privacy-records/${edited.id}`).set(bearer(approver.key)).send({ riskLevel: 'high' }).expect(200);
    await step(edited.id, 'submit', member.key).expect(200);
    expect((await step(edited.id, 'approve', approver.key).expect(403)).body.code).toBe('privacy_record.decider_is_author');
    expect((await step(edited.id, 'approve', authorApprover.key).expect(200)).body.status).toBe('approved');
    expect((await step(record.id, 'approve', approver.key).expect(200)).body.status).toBe('approved');
  });

  it('refuses members without the privacy-approver role (403 auth.forbidden)', async () => {
    const record = await open([(await camera()).id]);
    await step(record.id, 'submit', member.key).expect(200);
    for (const key of [city.adminKey, member.key]) {
      expect((await step(record.id, 'approve', key).expect(403)).body.code).toBe('auth.forbidden');
      expect((await step(record.id, 'reject', key, { reason: 'No' }).expect(403)).body.code).toBe('auth.forbidden');
    }
    expect((await t.http.get(`/api/v1/privacy-records/${record.id}`).set(bearer(city.adminKey)).expect(200)).body.status).toBe('submitted');
  });

  it("answers another city 404 for a record it may not read or change, and refuses its sources", async () => {
    const source = await camera();
    const record = await open([source.id]);
    expect((await t.http.get(`/api/v1/privacy-records/${record.id}`).set(bearer(otherCity.adminKey)).expect(404)).body.code).toBe('privacy_record.not_found');
    const patch = await t.http.patch(`/api/v1/privacy-records/${record.id}`).set(bearer(otherCity.adminKey)).send({ riskLevel: 'low' }).expect(404);
    expect(patch.body.code).toBe('privacy_record.not_found');
    expect((await step(record.id, 'submit', otherCity.adminKey).expect(404)).body.code).toBe('privacy_record.not_found');
    await step(record.id, 'submit', member.key).expect(200);
    expect((await step(record.id, 'approve', otherApprover.key).expect(404)).body.code).toBe('privacy_record.not_found');
    expect((await step(record.id, 'reject', otherApprover.key, { reason: 'x' }).expect(404)).body.code).toBe('privacy_record.not_found');
    // Covering another city's source is refused as if it did not exist.
    const foreign = await t.http.post('/api/v1/privacy-records').set(bearer(otherCity.adminKey)).send(recordBody([source.id])).expect(400);
    expect(foreign.body.code).toBe('privacy_record.unknown_source');
    expect(pointers(foreign.body)).toEqual(['#/sourceIds/0']);
    // Nor does the other city's approved record let this city's source become active.
    expect((await setStatus(source.id, 'active').expect(409)).body.code).toBe('source.privacy_record_required');
  });

  it('never shows the internal detail, the authors or non-public records to anyone outside the city', async () => {
    const record = await approved([(await camera()).id]);
    const draft = await open([(await camera()).id]);
    for (const headers of [{}, bearer(otherCity.adminKey), bearer(t.operatorKey)]) {
      const res = await t.http.get(`/api/v1/privacy-records/${record.id}`).set(headers).expect(200);
      expect(JSON.stringify(res.body)).not.toContain('2026-PC-0042');
      for (const field of ['internalDetail', 'authorMemberId', 'contributorMemberIds', 'decidedByMemberId']) expect(res.body).not.toHaveProperty(field);
      await t.http.get(`/api/v1/privacy-records/${draft.id}`).set(headers).expect(404);
      const list = await walkPages(t, '/api/v1/privacy-records', { city: city.slug, limit: 100 }, { headers });
      expect(list.items.map((r) => r.id)).toContain(record.id);
      expect(list.items.map((r) => r.id)).not.toContain(draft.id);
      expect(JSON.stringify(list.items)).not.toContain('2026-PC-0042');
      expect(list.items.every((r) => r.status === 'approved' || r.status === 'expired')).toBe(true);
    }
    // The city's own members see everything, drafts included.
    const own = await walkPages(t, '/api/v1/privacy-records', { city: city.slug, status: 'draft', limit: 100 }, { headers: bearer(member.key) });
    expect(own.items.map((r) => r.id)).toContain(draft.id);
    expect(own.items.find((r) => r.id === draft.id)).toMatchObject({ internalDetail: INTERNAL });
  });

  it('expires a record when its review date passes: the scheduler records it, flags the sources, and the gate says uncovered then', async () => {
    const source = await camera();
    const record = await approved([source.id], { nextReviewDate: day(1) });
    await setStatus(source.id, 'active').expect(200);
    const gate = t.app.get(PrivacyGate);
    const manager = t.app.get(DataSource).manager;
    const later = new Date(Date.parse(`${day(2)}T00:00:00Z`) + 60_000);
    expect(await gate.sourceCovered(source.id, new Date(), manager)).toBe(true);
    expect(await gate.sourceCovered(source.id, later, manager)).toBe(false);
    expect(await gate.recordsUsable([record.id], city.id, new Date(), manager)).toBe(true);
    expect(await gate.recordsUsable([record.id], city.id, later, manager)).toBe(false);
    expect(await gate.recordsUsable([record.id], otherCity.id, new Date(), manager)).toBe(false);

    await t.app.get(Scheduler).tick(later);
    const expired = await publicRead(record.id);
    expect(expired).toMatchObject({ status: 'expired', expiredAt: `${day(2)}T00:00:00.000Z` });
    const flagged = (await t.http.get(`/api/v1/sources/${source.id}`).expect(200)).body;
    expect(flagged.privacyFlag).toEqual({ reason: 'privacy-record-expired', privacyRecordId: record.id, flaggedAt: `${day(2)}T00:00:00.000Z` });
    expect(await gate.sourceCovered(source.id, later, manager)).toBe(false);
    // What held before the expiry still holds for that instant.
    expect(await gate.sourceCovered(source.id, new Date(), manager)).toBe(true);
    const expiredList = await walkPages(t, '/api/v1/privacy-records', { city: city.slug, status: 'expired', limit: 100 });
    expect(expiredList.items.map((r) => r.id)).toContain(record.id);
    expect((await step(record.id, 'approve', approver.key).expect(409)).body.code).toBe('privacy_record.wrong_status');

    // A new approved record covering the source clears its flag.
    await approved([source.id]);
    expect((await t.http.get(`/api/v1/sources/${source.id}`).expect(200)).body.privacyFlag).toBeNull();
  });

  it('needs a record before an active source may start collecting personal information', async () => {
    const source = await createSource(t, city.adminKey, ceSource());
    await setStatus(source.id, 'active').expect(200);
    const flip = () => t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ personalInformation: true });
    expect((await flip().expect(409)).body.code).toBe('source.privacy_record_required');
    await approved([source.id]);
    expect((await flip().expect(200)).body).toMatchObject({ status: 'active', personalInformation: true });
  });

  it('refuses transitions out of order with 409 privacy_record.wrong_status, and edits outside a draft', async () => {
    const record = await open([(await camera()).id]);
    const wrong = async (res: Promise<{ body: { code: string } }>) => expect((await res).body.code).toBe('privacy_record.wrong_status');
    await wrong(step(record.id, 'approve', approver.key).expect(409));
    await wrong(step(record.id, 'reject', approver.key, { reason: 'Too early' }).expect(409));
    await step(record.id, 'submit', member.key).expect(200);
    await wrong(step(record.id, 'submit', member.key).expect(409));
    await wrong(t.http.patch(`/api/v1/privacy-records/${record.id}`).set(bearer(member.key)).send({ riskLevel: 'low' }).expect(409));
    const rejected = (await step(record.id, 'reject', approver.key, { reason: 'The retention is longer than the purpose needs.' }).expect(200)).body;
    expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'The retention is longer than the purpose needs.' });
    await wrong(step(record.id, 'approve', approver.key).expect(409));
    await wrong(step(record.id, 'submit', member.key).expect(409));
    // A rejected record is not public.
    await t.http.get(`/api/v1/privacy-records/${record.id}`).expect(404);
  });

  it('refuses bad input with 400 and JSON pointers, storing nothing', async () => {
    const source = await camera();
    const count = async () => (await walkPages(t, '/api/v1/privacy-records', { city: city.slug, limit: 100 }, { headers: bearer(member.key) })).items.length;
    const before = await count();
    const bad = recordBody([source.id], {
      retention: 'P1.5Y', nextReviewDate: '2027-02-30', riskLevel: 'extreme', personalInformationElements: [],
      risks: [{ risk: { en: 'A risk', fr: 'Un risque' } }], summary: { en: 'Only English' }, sourceIds: ['not-a-uuid'], purpose: undefined,
    });
    const res = await t.http.post('/api/v1/privacy-records').set(bearer(member.key)).send(bad).expect(400);
    expect(res.body.code).toBe('request.invalid');
    expect(pointers(res.body)).toEqual(expect.arrayContaining([
      '#/retention', '#/nextReviewDate', '#/riskLevel', '#/personalInformationElements', '#/risks/0/mitigation', '#/summary/fr', '#/sourceIds', '#/purpose',
    ]));
    for (const retention of ['90D', 'P', 'PT', 'P1W2D', 'p90d']) {
      expect(pointers((await t.http.post('/api/v1/privacy-records').set(bearer(member.key)).send(recordBody([source.id], { retention })).expect(400)).body)).toEqual(['#/retention']);
    }
    const past = await t.http.post('/api/v1/privacy-records').set(bearer(member.key)).send(recordBody([source.id], { nextReviewDate: day(0) })).expect(400);
    expect(past.body.code).toBe('privacy_record.review_date_not_ahead');
    expect(pointers(past.body)).toEqual(['#/nextReviewDate']);
    const unknown = await t.http.post('/api/v1/privacy-records').set(bearer(member.key)).send({ ...recordBody([source.id]), status: 'approved' }).expect(400);
    expect(unknown.body.code).toBe('request.unknown_field');
    expect(await count()).toBe(before);

    // A draft may start empty, but it covers something before it is submitted.
    const empty = await open([]);
    const nothing = await step(empty.id, 'submit', member.key).expect(422);
    expect(nothing.body.code).toBe('privacy_record.nothing_covered');
    expect((await t.http.get(`/api/v1/privacy-records/${empty.id}`).set(bearer(member.key)).expect(200)).body.status).toBe('draft');
  });

  it('refuses writes without a key, and from vendors and the operator', async () => {
    await t.http.post('/api/v1/privacy-records').send(recordBody([])).expect(401);
    expect((await t.http.post('/api/v1/privacy-records').set(bearer(t.operatorKey)).send(recordBody([])).expect(403)).body.code).toBe('auth.forbidden');
  });
});
