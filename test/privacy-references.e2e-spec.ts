import { airAgreementBody, exchangeScenario, type ExchangeScenario } from './support/exchange-fixtures.js';
import { addMember, bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const MADE_UP = '00000000-0000-4000-8000-00000000d00d';
type Problem = { status: number; code: string; errors?: { pointer: string }[] };
const pointers = (body: Problem) => (body.errors ?? []).map((e) => e.pointer);

/** Privacy records and agreements cite each other: only what the citing city may cite (review finding 7). */
describe('references between privacy records and agreements', () => {
  let t: TestApp;
  let montreal: TestOrganisation;
  let quebec: TestOrganisation;
  let vendor: TestOrganisation;
  let author: { id: string; key: string };
  let approver: { id: string; key: string };
  let quebecAuthor: { id: string; key: string };
  let quebecApprover: { id: string; key: string };
  /** A city with an agreement in force: anyone reads it, and its approved record. */
  let elsewhere: ExchangeScenario;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    montreal = await createOrganisation(t, uniqueSlug('ref-mtl'), 'city');
    quebec = await createOrganisation(t, uniqueSlug('ref-qc'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('ref-vendor'), 'vendor');
    approver = await addMember(t, montreal.slug, montreal.adminKey, ['privacy-approver']);
    author = await addMember(t, montreal.slug, montreal.adminKey, ['member']);
    quebecApprover = await addMember(t, quebec.slug, quebec.adminKey, ['privacy-approver']);
    quebecAuthor = await addMember(t, quebec.slug, quebec.adminKey, ['member']);
    elsewhere = await exchangeScenario(t, { personalInformation: true });
  });
  afterAll(() => t.close());

  const sourceOf = async (city: TestOrganisation) => (await createSource(t, city.adminKey, `urn:plaza:${city.slug}:air:${(counter += 1)}`, { operator: vendor.slug })).id;
  const draftAgreement = async (city: TestOrganisation, privacyRecords: string[] = []) =>
    (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, await sourceOf(city), { privacyRecords })).expect(201)).body.id as string;
  const openRecord = (key: string, sourceIds: string[], agreementIds: string[]) => t.http.post('/api/v1/privacy-records').set(bearer(key)).send(privacyRecordBody(sourceIds, { agreementIds }));
  const step = (id: string, what: 'submit' | 'approve' | 'reject', key: string) =>
    t.http.post(`/api/v1/privacy-records/${id}/${what}`).set(bearer(key)).send(what === 'reject' ? { reason: 'Incomplete' } : {});
  /** A record of `city` covering one new source of its own, opened by `by`, left at `state`. */
  async function recordOf(city: TestOrganisation, by: { key: string }, decider: { key: string }, state: 'draft' | 'approved' | 'rejected'): Promise<string> {
    const { id } = (await openRecord(by.key, [await sourceOf(city)], []).expect(201)).body as { id: string };
    if (state === 'draft') return id;
    await step(id, 'submit', by.key).expect(200);
    await step(id, state === 'approved' ? 'approve' : 'reject', decider.key).expect(200);
    return id;
  }
  const ownRecords = async () => (await t.http.get('/api/v1/privacy-records').query({ city: montreal.slug, limit: 100 }).set(bearer(author.key)).expect(200)).body.items.length as number;
  const ownAgreements = async () => (await t.http.get(`/api/v1/organisations/${montreal.slug}/agreements`).query({ limit: 100 }).set(bearer(montreal.adminKey)).expect(200)).body.items.length as number;
  /** The answer without the id it names: what would let a caller tell a hidden record from a missing one. */
  const shape = (body: Problem, id: string) => JSON.stringify({ ...body, requestId: undefined }).replaceAll(id, '<id>');

  describe('a privacy record citing agreements', () => {
    it("answers another city's draft agreement exactly like a made-up id (404), at opening and editing, storing nothing", async () => {
      const quebecDraft = await draftAgreement(quebec);
      const source = await sourceOf(montreal);
      const before = await ownRecords();
      const hidden = (await openRecord(author.key, [source], [quebecDraft]).expect(404)).body as Problem;
      const missing = (await openRecord(author.key, [source], [MADE_UP]).expect(404)).body as Problem;
      expect(hidden).toMatchObject({ status: 404, code: 'privacy_record.agreement_not_found' });
      expect(pointers(hidden)).toEqual(['#/agreementIds/0']);
      expect(shape(hidden, quebecDraft)).toBe(shape(missing, MADE_UP));
      expect(await ownRecords()).toBe(before);

      const { id } = (await openRecord(author.key, [source], []).expect(201)).body as { id: string };
      const edit = await t.http.patch(`/api/v1/privacy-records/${id}`).set(bearer(author.key)).send({ agreementIds: [await draftAgreement(montreal), quebecDraft] }).expect(404);
      expect(pointers(edit.body)).toEqual(['#/agreementIds/1']);
      expect((await t.http.get(`/api/v1/privacy-records/${id}`).set(bearer(author.key)).expect(200)).body.agreementIds).toEqual([]);
    });

    it("refuses another city's agreement in force (409, it is public) and its own that has ended; covers its own draft agreement, through submission", async () => {
      const source = await sourceOf(montreal);
      const foreign = await openRecord(author.key, [source], [elsewhere.agreementId]).expect(409);
      expect(foreign.body).toMatchObject({ code: 'privacy_record.agreement_not_citable', errors: [{ pointer: '#/agreementIds/0' }] });
      const abandoned = await draftAgreement(montreal);
      await t.http.post(`/api/v1/agreements/${abandoned}/terminate`).set(bearer(montreal.adminKey)).send({ reason: 'Plans changed' }).expect(200);
      expect((await openRecord(author.key, [source], [abandoned]).expect(409)).body.code).toBe('privacy_record.agreement_not_citable');

      const own = await draftAgreement(montreal);
      const { id } = (await openRecord(author.key, [source], [own]).expect(201)).body as { id: string };
      expect((await step(id, 'submit', author.key).expect(200)).body).toMatchObject({ status: 'submitted', agreementIds: [own] });
    });

    it('checks again at submission: a draft covering an agreement that has ended since cannot be submitted (409)', async () => {
      const agreement = await draftAgreement(montreal);
      const { id } = (await openRecord(author.key, [await sourceOf(montreal)], [agreement]).expect(201)).body as { id: string };
      await t.http.post(`/api/v1/agreements/${agreement}/terminate`).set(bearer(montreal.adminKey)).send({ reason: 'Plans changed' }).expect(200);
      const refused = await step(id, 'submit', author.key).expect(409);
      expect(refused.body).toMatchObject({ code: 'privacy_record.agreement_not_citable', errors: [{ pointer: '#/agreementIds/0' }] });
      expect((await t.http.get(`/api/v1/privacy-records/${id}`).set(bearer(author.key)).expect(200)).body.status).toBe('draft');
    });
  });

  describe('an agreement citing privacy records', () => {
    it("answers another city's draft record exactly like a made-up id (404), at drafting and editing, storing nothing", async () => {
      const quebecDraft = await recordOf(quebec, quebecAuthor, quebecApprover, 'draft');
      const body = async (privacyRecords: string[]) => airAgreementBody(vendor.slug, await sourceOf(montreal), { privacyRecords });
      const before = await ownAgreements();
      const hidden = (await t.http.post('/api/v1/agreements').set(bearer(montreal.adminKey)).send(await body([quebecDraft])).expect(404)).body as Problem;
      const missing = (await t.http.post('/api/v1/agreements').set(bearer(montreal.adminKey)).send(await body([MADE_UP])).expect(404)).body as Problem;
      expect(hidden).toMatchObject({ status: 404, code: 'agreement.privacy_record_not_found' });
      expect(pointers(hidden)).toEqual(['#/privacyRecords/0']);
      expect(shape(hidden, quebecDraft)).toBe(shape(missing, MADE_UP));
      expect(await ownAgreements()).toBe(before);

      const id = await draftAgreement(montreal);
      const edit = await t.http.patch(`/api/v1/agreements/${id}/versions/1`).set(bearer(montreal.adminKey)).send({ privacyRecords: [quebecDraft] }).expect(404);
      expect(edit.body.code).toBe('agreement.privacy_record_not_found');
      expect((await t.http.get(`/api/v1/organisations/${montreal.slug}/agreements/${id}`).set(bearer(montreal.adminKey)).expect(200)).body.versions[0].privacyRecords).toEqual([]);
    });

    it("refuses another city's approved record and its own rejected one (409)", async () => {
      const [foreignApproved] = (await t.http.get('/api/v1/privacy-records').query({ city: elsewhere.city.slug, status: 'approved' }).expect(200)).body.items as { id: string }[];
      const rejected = await recordOf(montreal, author, approver, 'rejected');
      for (const cited of [foreignApproved!.id, rejected]) {
        const res = await t.http.post('/api/v1/agreements').set(bearer(montreal.adminKey)).send(airAgreementBody(vendor.slug, await sourceOf(montreal), { privacyRecords: [cited] })).expect(409);
        expect(res.body).toMatchObject({ code: 'agreement.privacy_record_not_citable', errors: [{ pointer: '#/privacyRecords/0' }] });
      }
    });

    it('may cite its own draft record, but opens signatures only once it is approved: the signed document names only approved records of the city', async () => {
      const record = await recordOf(montreal, author, approver, 'draft');
      const id = await draftAgreement(montreal, [record]);
      const open = () => t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(montreal.adminKey));
      const refused = await open().expect(409);
      expect(refused.body).toMatchObject({ code: 'agreement.privacy_record_not_citable', errors: [{ pointer: '#/privacyRecords/0' }] });
      await step(record, 'submit', author.key).expect(200);
      expect((await open().expect(409)).body.code).toBe('agreement.privacy_record_not_citable');
      await step(record, 'approve', approver.key).expect(200);
      await open().expect(200);
      const version = (await t.http.get(`/api/v1/organisations/${montreal.slug}/agreements/${id}`).set(bearer(montreal.adminKey)).expect(200)).body.versions[0];
      expect(JSON.parse(Buffer.from(version.documentBase64, 'base64').toString('utf8')).privacyRecords).toEqual([record]);
    });
  });
});
