import { DataSource } from 'typeorm';
import { addMember, bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/** Four eyes on privacy records, which one admin alone must not be able to satisfy (review finding 6). */
describe('who may decide on a privacy record', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let db: DataSource;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    city = await createOrganisation(t, uniqueSlug('four-eyes'), 'city');
  });
  afterAll(() => t.close());

  const camera = () =>
    createSource(t, city.adminKey, `urn:plaza:${city.slug}:camera:${(counter += 1)}`, {
      personalInformation: true, technology: 'camera', standards: [{ standard: 'traffic-flow-observation', major: 1 }],
    });
  const activate = (sourceId: string) => t.http.post(`/api/v1/sources/${sourceId}/status`).set(bearer(city.adminKey)).send({ status: 'active' });
  const step = (id: string, what: 'submit' | 'approve' | 'reject', key: string) =>
    t.http.post(`/api/v1/privacy-records/${id}/${what}`).set(bearer(key)).send(what === 'reject' ? { reason: 'Not enough mitigation' } : {});
  /** A record over a new camera, opened and submitted with `key`. */
  async function submitted(key: string): Promise<{ id: string; sourceId: string }> {
    const source = await camera();
    const { id } = (await t.http.post('/api/v1/privacy-records').set(bearer(key)).send(privacyRecordBody([source.id])).expect(201)).body as { id: string };
    await step(id, 'submit', key).expect(200);
    return { id, sourceId: source.id };
  }
  const setRoles = (memberId: string, roles: string[], key = city.adminKey) =>
    t.http.patch(`/api/v1/organisations/${city.slug}/members/${memberId}`).set(bearer(key)).send({ roles });
  const statusOf = async (id: string) => (await t.http.get(`/api/v1/privacy-records/${id}`).set(bearer(city.adminKey)).expect(200)).body.status as string;

  it("refuses the review's attack: the admin who opened and submitted a record makes a new privacy approver, issues it a key and approves", async () => {
    const record = await submitted(city.adminKey);
    const puppet = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    expect((await step(record.id, 'approve', puppet.key).expect(403)).body.code).toBe('privacy_record.decider_role_too_recent');
    expect(await statusOf(record.id)).toBe('submitted');
    expect((await activate(record.sourceId).expect(409)).body.code).toBe('source.privacy_record_required');
  });

  it('lets a privacy approver without the standing to approve reject the record, since a rejection activates nothing: no record is stuck as submitted', async () => {
    const record = await submitted(city.adminKey);
    const recent = await addMember(t, city.slug, t.operatorKey, ['privacy-approver']);
    expect((await step(record.id, 'approve', recent.key).expect(403)).body.code).toBe('privacy_record.decider_role_too_recent');
    await step(record.id, 'reject', recent.key).expect(200);
    expect(await statusOf(record.id)).toBe('rejected');
    expect((await activate(record.sourceId).expect(409)).body.code).toBe('source.privacy_record_required');
  });

  it('refuses an approver whose role the author granted, even before the record was submitted', async () => {
    const puppet = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    const record = await submitted(city.adminKey);
    expect((await step(record.id, 'approve', puppet.key).expect(403)).body.code).toBe('privacy_record.decider_role_from_author');
    expect(await statusOf(record.id)).toBe('submitted');
    expect((await activate(record.sourceId).expect(409)).body.code).toBe('source.privacy_record_required');
  });

  it('refuses a genuine approver acting with a key the author issued them: the author would be acting as the approver', async () => {
    const approver = await addMember(t, city.slug, t.operatorKey, ['privacy-approver']);
    const record = await submitted(city.adminKey);
    const issued = await t.http.post(`/api/v1/organisations/${city.slug}/api-keys`).set(bearer(city.adminKey)).send({ memberId: approver.id, label: 'for approving' }).expect(201);
    expect((await step(record.id, 'approve', issued.body.key).expect(403)).body.code).toBe('privacy_record.decider_key_from_author');
    expect(await statusOf(record.id)).toBe('submitted');
    // The key the operator issued them counts.
    expect((await step(record.id, 'approve', approver.key).expect(200)).body.status).toBe('approved');
  });

  it('refuses anyone granting a role to themselves (403 member.self_grant), and changes nothing', async () => {
    const before = (await t.http.get(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).expect(200)).body;
    const refused = await setRoles(city.adminId, ['admin', 'privacy-approver']).expect(403);
    expect(refused.body).toMatchObject({ status: 403, code: 'member.self_grant' });
    expect((await t.http.get(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).expect(200)).body).toEqual(before);
    // An admin still edits their own name, and other members' roles.
    await t.http.patch(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).send({ name: 'Renamed admin', roles: ['admin'] }).expect(200);
    const other = await addMember(t, city.slug, city.adminKey, ['member']);
    expect((await setRoles(other.id, ['member', 'privacy-approver']).expect(200)).body.roles).toEqual(['member', 'privacy-approver']);
  });

  it('counts an approval from an approver who held the role before submission, granted by someone who did not write the record; the public page says so in English and French', async () => {
    const approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    const author = await addMember(t, city.slug, city.adminKey, ['member']);
    const record = await submitted(author.key);
    const approved = (await step(record.id, 'approve', approver.key).expect(200)).body;
    expect(approved.status).toBe('approved');
    expect({ approved, lt: Date.parse(approved.deciderRoleSince) < Date.parse(approved.submittedAt) }).toMatchObject({ lt: true });
    await activate(record.sourceId).expect(200);

    const publicView = (await t.http.get(`/api/v1/privacy-records/${record.id}`).expect(200)).body;
    expect(publicView.deciderRoleSince).toBe(approved.deciderRoleSince);
    const day = (locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(approved.deciderRoleSince));
    const en = (await t.http.get(`/privacy-records/${record.id}?lang=en`).expect(200)).text;
    expect(en).toContain(`a privacy approver of Test city ${city.slug}, in that role since ${day('en-CA')}, not an author`);
    const fr = (await t.http.get(`/privacy-records/${record.id}?lang=fr`).expect(200)).text;
    expect(fr).toContain(`un approbateur de la vie privée de Ville test ${city.slug}, dans ce rôle depuis le ${day('fr-CA')}, qui n’en est pas l’auteur`);
    // Organisations, not people, in public.
    for (const page of [en, fr, JSON.stringify(publicView)]) {
      expect(page).not.toContain(approver.id);
      expect(page).not.toContain('Member privacy-approver');
    }
  });

  it("counts the operator's grant: it writes no city's record, so an approver it made may approve what the admin wrote", async () => {
    const approver = await addMember(t, city.slug, t.operatorKey, ['privacy-approver']);
    const record = await submitted(city.adminKey);
    expect((await step(record.id, 'approve', approver.key).expect(200)).body.status).toBe('approved');
  });

  it('counts only a role held without a break since before the submission: withdrawn and granted again after it, it does not', async () => {
    const approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver', 'member']);
    const author = await addMember(t, city.slug, city.adminKey, ['member']);
    const record = await submitted(author.key);
    await setRoles(approver.id, ['member']).expect(200);
    await setRoles(approver.id, ['member', 'privacy-approver']).expect(200);
    expect((await step(record.id, 'approve', approver.key).expect(403)).body.code).toBe('privacy_record.decider_role_too_recent');
    expect(await statusOf(record.id)).toBe('submitted');
  });

  it('keeps the history of role grants: who gave which role to whom and when, each in the journaled change to the member that made it', async () => {
    const member = await addMember(t, city.slug, city.adminKey, ['member']);
    await setRoles(member.id, ['member', 'standards-editor']).expect(200);
    await setRoles(member.id, ['standards-editor'], t.operatorKey).expect(200);
    const [operatorMember] = (await db.query("SELECT m.id FROM members m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'operator' ORDER BY m.created_at LIMIT 1")) as { id: string }[];
    const grants = (await db.query(
      `SELECT role, granted_by_member_id AS "grantedBy", withdrawn_by_member_id AS "withdrawnBy", withdrawn_at IS NOT NULL AS withdrawn
         FROM member_role_grants WHERE member_id = $1 ORDER BY granted_at`,
      [member.id],
    )) as Record<string, unknown>[];
    expect(grants).toEqual([
      { role: 'member', grantedBy: city.adminId, withdrawnBy: operatorMember!.id, withdrawn: true },
      { role: 'standards-editor', grantedBy: city.adminId, withdrawnBy: null, withdrawn: false },
    ]);
    const entries = (await db.query("SELECT action, actor_id AS actor FROM journal_entries WHERE subject_type = 'member' AND subject_id = $1 ORDER BY index", [member.id])) as Record<string, unknown>[];
    expect(entries).toEqual([
      { action: 'member.created', actor: city.adminId },
      { action: 'member.updated', actor: city.adminId },
      { action: 'member.updated', actor: operatorMember!.id },
    ]);
  });
});
