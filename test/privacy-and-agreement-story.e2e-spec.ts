import { flattenedVerify, importJWK, type JWK } from 'jose';
import {
  addMember, bearer, createOrganisation, createSource, privacyRecordBody, rawBody, registerSigningKey, type SigningKeyPair, signDetached, type TestOrganisation,
} from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const HOUR = 3_600_000;

/**
 * The story of issue 4, end to end on the real app: personal information needs an approved privacy record
 * before anything runs, and the agreement that covers it is signed, amended, ended and re-verified in public.
 */
describe('a pedestrian counter, its privacy record and its data-sharing agreement', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let cityKey: SigningKeyPair;
  let vendorKey: SigningKeyPair;
  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('story-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('story-vendor'), 'vendor');
    cityKey = await registerSigningKey(t, city);
    vendorKey = await registerSigningKey(t, vendor);
  });
  afterAll(() => t.close());

  const documentOf = async (org: TestOrganisation, id: string, n: number) =>
    (await t.http.get(`/api/v1/organisations/${org.slug}/agreements/${id}/versions/${n}/document`).set(bearer(org.adminKey)).buffer(true).parse(rawBody).expect(200)).body as Buffer;
  const signAs = async (org: TestOrganisation, key: SigningKeyPair, id: string, n: number) =>
    t.http.post(`/api/v1/agreements/${id}/versions/${n}/signatures`).set(bearer(org.adminKey)).send({ jws: await signDetached(await documentOf(org, id, n), key) }).expect(201);

  it('refuses activation until a privacy record is approved, then signs, amends and terminates an agreement a resident can re-verify', async () => {
    // A camera-based pedestrian counter collects personal information: it cannot become active yet, and says why.
    const counter = await createSource(t, city.adminKey, `urn:plaza:${city.slug}:pedestrians:1`, {
      personalInformation: true, technology: 'camera', operator: vendor.slug,
      name: { en: 'Pedestrian counter, rue Saint-Denis', fr: 'Compteur de piétons, rue Saint-Denis' },
      standards: [{ standard: 'traffic-flow-observation', major: 1 }],
    });
    const refused = await t.http.post(`/api/v1/sources/${counter.id}/status`).set(bearer(city.adminKey)).send({ status: 'active' }).expect(409);
    expect(refused.body.code).toBe('source.privacy_record_required');

    // A member writes and submits the privacy record; another member, a privacy approver, approves it.
    const author = await addMember(t, city.slug, city.adminKey, ['member']);
    const approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver']);
    const record = (await t.http.post('/api/v1/privacy-records').set(bearer(author.key)).send(privacyRecordBody([counter.id])).expect(201)).body;
    await t.http.post(`/api/v1/privacy-records/${record.id}/submit`).set(bearer(author.key)).expect(200);
    await t.http.post(`/api/v1/privacy-records/${record.id}/approve`).set(bearer(approver.key)).expect(200);
    await t.http.post(`/api/v1/sources/${counter.id}/status`).set(bearer(city.adminKey)).send({ status: 'active' }).expect(200);

    // An agreement with the vendor, relying on that record, signed by both with their registered keys: active.
    const terms = {
      vendors: [vendor.slug], sources: [counter.id], eventTypes: [{ standard: 'traffic-flow-observation', major: 1 }], privacyRecords: [record.id],
      purposes: [{ en: 'Plan sidewalks', fr: 'Planifier les trottoirs' }],
      allowedFields: [{ party: vendor.slug, standard: 'traffic-flow-observation', major: 1, fields: ['/roadSegmentId', '/periodStart', '/periodEnd', '/vehicleCount'] }],
      retention: 'P90D', onwardSharing: false, dataResidency: ['CA'],
      validFrom: new Date(Date.now() - HOUR).toISOString(), validUntil: new Date(Date.now() + 365 * 24 * HOUR).toISOString(),
      summary: { en: 'The vendor sends counts per minute, never images.', fr: 'Le fournisseur transmet des comptes par minute, jamais d’images.' },
    };
    const { id } = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms).expect(201)).body;
    await t.http.get(`/api/v1/agreements/${id}`).expect(404);
    await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(city.adminKey)).expect(200);
    await signAs(city, cityKey, id, 1);
    expect((await signAs(vendor, vendorKey, id, 1)).body.versions[0].status).toBe('active');

    // Amended: version 1 stays in force until the amendment is signed by both.
    await t.http.post(`/api/v1/agreements/${id}/amendments`).set(bearer(city.adminKey)).send({ retention: 'P30D' }).expect(201);
    await t.http.post(`/api/v1/agreements/${id}/versions/2/open-signatures`).set(bearer(city.adminKey)).expect(200);
    await signAs(city, cityKey, id, 2);
    expect((await t.http.get(`/api/v1/agreements/${id}`).expect(200)).body.inForceVersion).toBe(1);
    await signAs(vendor, vendorKey, id, 2);
    expect((await t.http.get(`/api/v1/agreements/${id}`).expect(200)).body.inForceVersion).toBe(2);

    // Terminated by the city, with a reason.
    await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(city.adminKey)).send({ reason: 'The counter is removed.' }).expect(200);

    // A resident with no key reads every public step: the source, the record's public part, the agreement's versions
    // and history, and re-verifies every signature from the document bytes and the key history alone.
    expect((await t.http.get(`/api/v1/sources/${counter.id}`).expect(200)).body.status).toBe('active');
    const publicRecord = (await t.http.get(`/api/v1/privacy-records/${record.id}`).expect(200)).body;
    expect(publicRecord.status).toBe('approved');
    expect(JSON.stringify(publicRecord)).not.toContain('Internal notes of the assessment');
    const agreement = (await t.http.get(`/api/v1/agreements/${id}`).expect(200)).body;
    expect(agreement.versions.map((v: { number: number; status: string }) => [v.number, v.status])).toEqual([[1, 'superseded'], [2, 'terminated']]);
    expect(agreement.versions[1].history.map((h: { status: string }) => h.status)).toEqual(['draft', 'pending-signatures', 'active', 'terminated']);
    let verified = 0;
    for (const version of agreement.versions) {
      const bytes = (await t.http.get(version.documentUrl).buffer(true).parse(rawBody).expect(200)).body as Buffer;
      for (const signature of version.signatures) {
        const key = (await t.http.get(`/api/v1/signing-keys/${signature.kid}`).expect(200)).body;
        const [protectedHeader, , value] = signature.jws.split('.');
        await flattenedVerify({ protected: protectedHeader, payload: bytes.toString('base64url'), signature: value }, await importJWK(key.jwk as JWK, key.alg), { algorithms: [key.alg] });
        verified++;
      }
    }
    expect(verified).toBe(4);
  });
});
