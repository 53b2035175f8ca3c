import { randomUUID } from 'node:crypto';
import { CompactSign, flattenedVerify, importJWK, type JWK } from 'jose';
import { verifyAgreement } from '../apps/cli/src/agreements.js';
import { AgreementLifecycle } from '../apps/registry/src/agreements/agreement-lifecycle.js';
import { Scheduler } from '../apps/registry/src/platform/scheduler/scheduler.js';
import { bearer, createOrganisation, createSource, rawBody, registerSigningKey, type SigningKeyPair as Key, signDetached as signBytes, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('data-sharing agreements', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let outsider: TestOrganisation;
  let otherCity: TestOrganisation;
  let cityKey: Key;
  let vendorKey: Key;
  let outsiderKey: Key;
  let sourceId: string;

  const registerKey = (org: TestOrganisation) => registerSigningKey(t, org);

  function terms(extra: Record<string, unknown> = {}) {
    const now = Date.now();
    return {
      vendors: [vendor.slug],
      sources: [sourceId],
      eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
      purposes: [{ en: 'Publish the air-quality index', fr: 'Publier l’indice de la qualité de l’air' }],
      allowedFields: [{ party: vendor.slug, standard: 'air-quality-observation', major: 1, fields: ['/stationId', '/observedAt', '/pollutants/pm2_5', '/location/coordinates'] }],
      retention: 'P1Y',
      onwardSharing: false,
      dataResidency: ['CA'],
      validFrom: new Date(now - HOUR).toISOString(),
      validUntil: new Date(now + 365 * DAY).toISOString(),
      summary: { en: 'AirSense runs the station and sends readings; nothing personal.', fr: 'AirSense exploite la station et transmet les mesures; rien de personnel.' },
      ...extra,
    };
  }

  const draft = async (extra: Record<string, unknown> = {}) => (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms(extra)).expect(201)).body as { id: string; versions: any[] };
  const open = (id: string, n: number, key = city.adminKey) => t.http.post(`/api/v1/agreements/${id}/versions/${n}/open-signatures`).set(bearer(key));
  const partyView = (org: TestOrganisation, id: string) => t.http.get(`/api/v1/organisations/${org.slug}/agreements/${id}`).set(bearer(org.adminKey));
  /** The bytes to sign, as a party downloads them (raw), checked against the base64 copy in the party's view. */
  async function documentOf(org: TestOrganisation, id: string, n: number): Promise<Buffer> {
    const res = await t.http.get(`/api/v1/organisations/${org.slug}/agreements/${id}/versions/${n}/document`).set(bearer(org.adminKey)).buffer(true).parse(rawBody).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const view = (await partyView(org, id).expect(200)).body;
    expect(Buffer.from(view.versions.find((v: any) => v.number === n).documentBase64, 'base64').equals(res.body)).toBe(true);
    return res.body as Buffer;
  }
  const sign = (org: TestOrganisation, id: string, n: number, jws: string) =>
    t.http.post(`/api/v1/agreements/${id}/versions/${n}/signatures`).set(bearer(org.adminKey)).send({ jws });
  /** Signs the version as a party with its key; the registry must accept it (201). */
  async function signAs(org: TestOrganisation, key: Key, id: string, n: number) {
    const jws = await signBytes(await documentOf(org, id, n), key);
    return sign(org, id, n, jws).expect(201);
  }
  /** A draft, opened and signed by both parties: active at once (validFrom has passed). */
  async function activeAgreement(extra: Record<string, unknown> = {}) {
    const { id } = await draft(extra);
    await open(id, 1).expect(200);
    await signAs(city, cityKey, id, 1);
    await signAs(vendor, vendorKey, id, 1);
    return id;
  }
  /** What a resident with no key reads. */
  const publicView = (id: string) => t.http.get(`/api/v1/agreements/${id}`);
  /** The public API, through supertest, for the CLI's verifier. */
  const publicFetch = async (url: string): Promise<Response> => {
    const res = await t.http.get(new URL(url).pathname).buffer(true).parse(rawBody);
    return new Response(new Uint8Array(res.body as Buffer), { status: res.status, headers: { 'content-type': res.headers['content-type'] ?? 'application/octet-stream' } });
  };

  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('agr-city'), 'city');
    otherCity = await createOrganisation(t, uniqueSlug('agr-other-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('agr-vendor'), 'vendor');
    outsider = await createOrganisation(t, uniqueSlug('agr-outsider'), 'vendor');
    cityKey = await registerKey(city);
    vendorKey = await registerKey(vendor);
    outsiderKey = await registerKey(outsider);
    sourceId = (await createSource(t, city.adminKey, `urn:plaza:${city.slug}:air:1`, { operator: vendor.slug })).id;
  });
  afterAll(() => t?.close());

  it('tells the story: draft, signed by both, active, amended (the first version in force until the amendment is signed), terminated; a resident reads and re-verifies every step', async () => {
    // Draft: private to its parties.
    const created = await draft();
    const id = created.id;
    expect(created.versions).toHaveLength(1);
    expect(created.versions[0]).toMatchObject({ number: 1, status: 'draft', vendors: [{ slug: vendor.slug }], documentBase64: null, signatures: [] });
    await publicView(id).expect(404);
    expect((await partyView(vendor, id).expect(200)).body.versions[0].status).toBe('draft');

    // Signatures open: the document is fixed; still private.
    const opened = (await open(id, 1).expect(200)).body;
    expect(opened.versions[0]).toMatchObject({ status: 'pending-signatures', awaitingSignatureFrom: [city.slug, vendor.slug] });
    await publicView(id).expect(404);
    const v1Bytes = await documentOf(vendor, id, 1);
    const v1Document = JSON.parse(v1Bytes.toString('utf8'));
    expect(v1Document).toMatchObject({ agreement: id, version: 1, amends: null, city: { slug: city.slug }, vendors: [{ slug: vendor.slug }], retention: 'P1Y' });

    // The city signs: still pending. The vendor signs last: active at once (validFrom has passed).
    expect((await signAs(city, cityKey, id, 1)).body.versions[0]).toMatchObject({ status: 'pending-signatures', awaitingSignatureFrom: [vendor.slug] });
    await publicView(id).expect(404);
    const active = (await signAs(vendor, vendorKey, id, 1)).body;
    expect(active.versions[0]).toMatchObject({ status: 'active', awaitingSignatureFrom: [] });
    expect(active.inForceVersion).toBe(1);

    // A resident reads the active agreement: parties, terms, history, signatures that verify, sources, journal, exact bytes.
    const seen = (await publicView(id).expect(200)).body;
    const v1 = seen.versions[0];
    expect(v1).toMatchObject({
      number: 1, status: 'active', city: { slug: city.slug }, vendors: [{ slug: vendor.slug }], sources: [{ id: sourceId }],
      retention: 'P1Y', onwardSharing: false, dataResidency: ['CA'], summary: terms().summary,
    });
    expect(v1.history.map((h: any) => h.status)).toEqual(['draft', 'pending-signatures', 'active']);
    expect(v1.signatures.map((s: any) => [s.organisation, s.kid, s.verifies])).toEqual([[city.slug, cityKey.kid, true], [vendor.slug, vendorKey.kid, true]]);
    expect(v1.journal.map((j: any) => j.action)).toEqual(['agreement.drafted', 'agreement.signatures-opened', 'agreement.signed', 'agreement.signed', 'agreement.activated']);
    expect(typeof v1.journalIndex).toBe('number');
    const publicBytes = (await t.http.get(v1.documentUrl).buffer(true).parse(rawBody).expect(200)).body as Buffer;
    expect(publicBytes.equals(v1Bytes)).toBe(true);
    expect(Buffer.from(v1.documentBase64, 'base64').equals(v1Bytes)).toBe(true);
    expect((await t.http.get(`/api/v1/agreements/${id}/versions/1`).expect(200)).body.status).toBe('active');
    const listed = (await t.http.get('/api/v1/agreements').query({ party: vendor.slug }).expect(200)).body.items;
    expect(listed.map((a: any) => a.id)).toContain(id);
    expect((await t.http.get('/api/v1/agreements').query({ source: sourceId }).expect(200)).body.items.map((a: any) => a.id)).toContain(id);

    // Amendment: a new draft copied from version 1, with changes; version 1 stays in force, and the public sees only it.
    const amended = (await t.http.post(`/api/v1/agreements/${id}/amendments`).set(bearer(city.adminKey)).send({ retention: 'P6M' }).expect(201)).body;
    expect(amended.versions.map((v: any) => [v.number, v.status, v.retention])).toEqual([[1, 'active', 'P1Y'], [2, 'draft', 'P6M']]);
    expect(amended.versions[1].allowedFields).toEqual(v1.allowedFields);
    expect((await publicView(id).expect(200)).body.versions.map((v: any) => v.number)).toEqual([1]);
    await open(id, 2).expect(200);
    await signAs(city, cityKey, id, 2);
    const halfSigned = (await publicView(id).expect(200)).body;
    expect(halfSigned.inForceVersion).toBe(1);
    expect(halfSigned.versions.map((v: any) => [v.number, v.status])).toEqual([[1, 'active']]);
    const v2Document = JSON.parse((await documentOf(city, id, 2)).toString('utf8'));
    expect(v2Document).toMatchObject({ version: 2, retention: 'P6M', amends: { version: 1, documentDigest: v1.documentDigest } });

    // The vendor signs the amendment: version 2 active, version 1 superseded and still readable.
    await signAs(vendor, vendorKey, id, 2);
    const afterAmendment = (await publicView(id).expect(200)).body;
    expect(afterAmendment.inForceVersion).toBe(2);
    expect(afterAmendment.versions.map((v: any) => [v.number, v.status])).toEqual([[1, 'superseded'], [2, 'active']]);
    expect(afterAmendment.versions[0].statusReason).toBe('Replaced by version 2.');
    expect(afterAmendment.versions[0].signatures.every((s: any) => s.verifies)).toBe(true);

    // Terminated at once, with a reason; terminating again is out of order.
    const reason = 'The station is being decommissioned.';
    await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(city.adminKey)).send({ reason }).expect(200);
    const ended = (await publicView(id).expect(200)).body;
    expect(ended.inForceVersion).toBeNull();
    expect(ended.versions[1]).toMatchObject({ status: 'terminated', statusReason: reason });
    expect(ended.versions[1].history.map((h: any) => h.status)).toEqual(['draft', 'pending-signatures', 'active', 'terminated']);
    for (const h of ended.versions[1].history) expect(Number.isNaN(Date.parse(h.at))).toBe(false);
    const again = await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(city.adminKey)).send({ reason }).expect(409);
    expect(again.body.code).toBe('agreement.wrong_status');

    // A resident re-verifies every signature with jose from the public data alone: the document bytes and the key history.
    for (const version of ended.versions) {
      const bytes = (await t.http.get(version.documentUrl).buffer(true).parse(rawBody).expect(200)).body as Buffer;
      for (const signature of version.signatures) {
        const key = (await t.http.get(`/api/v1/signing-keys/${signature.kid}`).expect(200)).body;
        expect(key.organisation).toBe(signature.organisation);
        expect(Date.parse(key.validFrom)).toBeLessThanOrEqual(Date.parse(signature.signedAt));
        const [protectedHeader, , sig] = signature.jws.split('.');
        const verified = await flattenedVerify({ protected: protectedHeader, payload: bytes.toString('base64url'), signature: sig }, await importJWK(key.jwk as JWK, key.alg), { algorithms: [key.alg] });
        expect(verified.protectedHeader).toEqual({ alg: 'EdDSA', kid: signature.kid });
      }
    }
    // And so does the CLI's verifier (plaza agreements verify), reading the same public API.
    const report = await verifyAgreement('http://registry.test', id, publicFetch);
    expect(report.problems).toEqual([]);
    expect(report.checks).toHaveLength(4);
    expect(report.ok).toBe(true);
  });

  it('activates at validFrom by the scheduler once every party has signed, and expires at validUntil; the dates count even before the scheduler runs', async () => {
    const validFrom = new Date(Date.now() + 2 * HOUR);
    const validUntil = new Date(validFrom.getTime() + 10 * DAY);
    const id = await activeAgreement({ validFrom: validFrom.toISOString(), validUntil: validUntil.toISOString() });
    const signed = (await partyView(city, id).expect(200)).body;
    expect(signed.versions[0]).toMatchObject({ status: 'pending-signatures', awaitingSignatureFrom: [] });
    await publicView(id).expect(404);
    // What the exchange asks: the dates alone decide, before any scheduler run.
    const lifecycle = t.app.get(AgreementLifecycle);
    expect(await lifecycle.inForceAt(id, new Date(validFrom.getTime() - 1000))).toBeNull();
    expect((await lifecycle.inForceAt(id, new Date(validFrom.getTime() + 1000)))?.number).toBe(1);
    expect((await lifecycle.inForceForSource(sourceId, new Date(validFrom.getTime() + 1000))).map((v) => v.agreementId)).toContain(id);
    expect(await lifecycle.inForceAt(id, new Date(validUntil.getTime()))).toBeNull();

    await t.app.get(Scheduler).tick(new Date(validFrom.getTime() - 1000));
    expect((await partyView(city, id).expect(200)).body.versions[0].status).toBe('pending-signatures');
    await t.app.get(Scheduler).tick(new Date(validFrom.getTime() + 1000));
    const active = (await publicView(id).expect(200)).body.versions[0];
    expect(active.status).toBe('active');
    expect(active.history.at(-1)).toMatchObject({ status: 'active', at: validFrom.toISOString() });
    expect(active.journal.at(-1).action).toBe('agreement.activated');

    await t.app.get(Scheduler).tick(new Date(validUntil.getTime() + 1000));
    const expired = (await publicView(id).expect(200)).body.versions[0];
    expect(expired.status).toBe('expired');
    expect(expired.history.at(-1)).toMatchObject({ status: 'expired', at: validUntil.toISOString() });
    expect(expired.signatures.every((s: any) => s.verifies)).toBe(true);
  });

  it('lets the city suspend with a reason and resume; out-of-order steps are 409', async () => {
    const id = await activeAgreement();
    const conflict = async (res: Promise<import('supertest').Response>) => expect((await res).body).toMatchObject({ status: 409, code: 'agreement.wrong_status' });
    await conflict(t.http.post(`/api/v1/agreements/${id}/resume`).set(bearer(city.adminKey)).send({}));
    await conflict(open(id, 1));
    const suspended = (await t.http.post(`/api/v1/agreements/${id}/suspend`).set(bearer(city.adminKey)).send({ reason: 'Audit of the station' }).expect(200)).body;
    expect(suspended.versions[0]).toMatchObject({ status: 'suspended', statusReason: 'Audit of the station' });
    expect(suspended.inForceVersion).toBeNull();
    expect((await publicView(id).expect(200)).body.versions[0].status).toBe('suspended');
    await conflict(t.http.post(`/api/v1/agreements/${id}/suspend`).set(bearer(city.adminKey)).send({ reason: 'again' }));
    const resumed = (await t.http.post(`/api/v1/agreements/${id}/resume`).set(bearer(city.adminKey)).send({ reason: 'Audit passed' }).expect(200)).body;
    expect(resumed.versions[0].history.map((h: any) => h.status)).toEqual(['draft', 'pending-signatures', 'active', 'suspended', 'active']);
    expect(resumed.inForceVersion).toBe(1);

    // A draft cannot be signed, suspended or amended; a pending version cannot be edited.
    const { id: draftId } = await draft();
    await conflict(sign(city, draftId, 1, await signBytes(Buffer.from('{}'), cityKey)));
    await conflict(t.http.post(`/api/v1/agreements/${draftId}/suspend`).set(bearer(city.adminKey)).send({ reason: 'x' }));
    await conflict(t.http.post(`/api/v1/agreements/${draftId}/amendments`).set(bearer(city.adminKey)).send({}));
    await open(draftId, 1).expect(200);
    await conflict(t.http.patch(`/api/v1/agreements/${draftId}/versions/1`).set(bearer(city.adminKey)).send({ retention: 'P2Y' }));
  });

  it('lets the city abandon a draft that never opened for signatures: terminated, with no document, and never a 500', async () => {
    const { id } = await draft();
    const ended = (await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(city.adminKey)).send({ reason: 'Plans changed' }).expect(200)).body;
    expect(ended.versions[0]).toMatchObject({ status: 'terminated', statusReason: 'Plans changed', documentDigest: null, signaturesOpenedAt: null });
    expect(ended.versions[0].history.map((h: any) => h.status)).toEqual(['draft', 'terminated']);
    // Never in force: still only its parties read it, and it cannot be opened, signed or terminated again.
    await publicView(id).expect(404);
    expect((await open(id, 1)).body.code).toBe('agreement.wrong_status');
    expect((await t.http.post(`/api/v1/agreements/${id}/terminate`).set(bearer(city.adminKey)).send({ reason: 'again' })).body.code).toBe('agreement.wrong_status');
  });

  describe('one route per agreement, whatever its status', () => {
    const keyed = (path: string, org?: TestOrganisation) => (org ? t.http.get(path).set(bearer(org.adminKey)) : t.http.get(path));
    /** What is the same in two 404s: everything but the request's own id and instance. */
    const shapeOf = (res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) =>
      ({ status: res.status, vary: res.headers.vary, type: res.headers['content-type'], code: res.body.code, title: res.body.title, keys: Object.keys(res.body).sort() });

    it('answers a draft at /api/v1/agreements/{id} to its parties, as the deprecated route under their organisation does', async () => {
      const { id } = await draft();
      await open(id, 1).expect(200);
      for (const party of [city, vendor]) {
        const one = (await keyed(`/api/v1/agreements/${id}`, party).expect(200)).body;
        expect(one.versions.map((v: any) => v.status)).toEqual(['pending-signatures']);
        const deprecated = (await partyView(party, id).expect(200)).body;
        expect(one.versions.map((v: any) => v.documentDigest)).toEqual(deprecated.versions.map((v: any) => v.documentDigest));
        expect(one.versions[0].documentUrl).toBe(`/api/v1/agreements/${id}/versions/1/document`);
        const document = await keyed(one.versions[0].documentUrl, party).buffer(true).parse(rawBody).expect(200);
        expect((document.body as Buffer).equals(await documentOf(party, id, 1))).toBe(true);
        // A draft's bytes to a party: no shared cache may keep them, whatever Vary it heeds.
        expect(document.headers['cache-control']).toMatch(/^private\b/);
        expect((await keyed(`/api/v1/agreements/${id}/versions/1`, party).expect(200)).body.status).toBe('pending-signatures');
        const listed = (await keyed(`/api/v1/agreements?party=${party.slug}`, party).expect(200)).body.items.map((a: any) => a.id);
        expect(listed).toContain(id);
      }
    });

    it('answers a draft to anyone else exactly as a missing agreement: 404 with Vary: Authorization, with or without a key', async () => {
      const { id } = await draft();
      const missing = await keyed(`/api/v1/agreements/${randomUUID()}`, outsider).expect(404);
      expect(missing.headers.vary).toMatch(/Authorization/i);
      for (const path of [`/api/v1/agreements/${id}`, `/api/v1/agreements/${id}/versions/1`, `/api/v1/agreements/${id}/versions/1/document`]) {
        for (const who of [outsider, otherCity, undefined]) {
          const res = await keyed(path, who).expect(404);
          expect(shapeOf(res)).toEqual(shapeOf(missing));
        }
      }
      for (const who of [outsider, undefined]) expect((await keyed(`/api/v1/agreements?party=${city.slug}`, who).expect(200)).body.items.map((a: any) => a.id)).not.toContain(id);
    });

    it('answers the same agreement, once in force, at the same route to anyone, and its parties with their keys', async () => {
      const id = await activeAgreement();
      const anyone = (await publicView(id).expect(200)).body;
      expect(anyone.inForceVersion).toBe(1);
      expect((await keyed(`/api/v1/agreements/${id}`, outsider).expect(200)).body.versions).toEqual(anyone.versions);
      expect((await keyed(`/api/v1/agreements/${id}`, vendor).expect(200)).body.versions.map((v: any) => v.status)).toEqual(['active']);
    });
  });

  it('keeps drafts and pending versions from vendors not party and from other cities (404), and refuses their signatures', async () => {
    const { id } = await draft();
    await open(id, 1).expect(200);
    const bytes = await documentOf(city, id, 1);
    // Through its own organisation's path, a vendor not party, and another city, find nothing.
    expect((await partyView(outsider, id).expect(404)).body.code).toBe('agreement.not_found');
    expect((await partyView(otherCity, id).expect(404)).body.code).toBe('agreement.not_found');
    expect((await t.http.get(`/api/v1/organisations/${outsider.slug}/agreements/${id}/versions/1/document`).set(bearer(outsider.adminKey)).expect(404)).body.code).toBe('agreement.not_found');
    // Nor through another organisation's path.
    expect((await t.http.get(`/api/v1/organisations/${city.slug}/agreements/${id}`).set(bearer(outsider.adminKey)).expect(404)).body.code).toBe('organisation.not_found');
    expect((await t.http.get(`/api/v1/organisations/${outsider.slug}/agreements`).set(bearer(outsider.adminKey)).expect(200)).body.items.map((a: any) => a.id)).not.toContain(id);
    // Signing, even with a valid signature of its own key: not found.
    expect((await sign(outsider, id, 1, await signBytes(bytes, outsiderKey)).then((r) => r.body)).code).toBe('agreement.not_found');
    // Another city cannot act on it.
    for (const path of ['suspend', 'terminate']) {
      expect((await t.http.post(`/api/v1/agreements/${id}/${path}`).set(bearer(otherCity.adminKey)).send({ reason: 'x' }).expect(404)).body.code).toBe('agreement.not_found');
    }
    expect((await open(id, 1, otherCity.adminKey).expect(404)).body.code).toBe('agreement.not_found');
  });

  it('refuses a signature by a revoked key, a key of another organisation, over another version, malformed or not verifying, each with its own code', async () => {
    const id = await activeAgreement();
    await t.http.post(`/api/v1/agreements/${id}/amendments`).set(bearer(city.adminKey)).send({ summary: { en: 'Amended', fr: 'Modifiée' } }).expect(201);
    await open(id, 2).expect(200);
    const v1 = await documentOf(vendor, id, 1);
    const v2 = await documentOf(vendor, id, 2);
    const refused = async (jws: string, status: number, code: string) => {
      const res = await sign(vendor, id, 2, jws);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    };
    await refused(await signBytes(v1, vendorKey), 422, 'agreement.signature_over_other_version');
    await refused(await signBytes(v2, outsiderKey), 422, 'agreement.signing_key_of_another_organisation');
    await refused(await signBytes(v2, cityKey), 422, 'agreement.signing_key_of_another_organisation');
    await refused(await signBytes(Buffer.from('{"not":"the document"}'), vendorKey), 422, 'agreement.signature_invalid');
    await refused(await signBytes(v2, { ...vendorKey, kid: 'A'.repeat(43) }), 422, 'agreement.signing_key_unknown');
    await refused(await signBytes(v2, vendorKey, { alg: 'EdDSA', kid: vendorKey.kid, b64: false, crit: ['b64'] }), 400, 'agreement.signature_malformed');
    const attached = await new CompactSign(v2).setProtectedHeader({ alg: 'EdDSA', kid: vendorKey.kid }).sign(vendorKey.privateKey);
    expect((await sign(vendor, id, 2, attached)).body.code).toBe('request.invalid');

    const revoked = await registerKey(vendor);
    await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/${revoked.kid}/revoke`).set(bearer(vendor.adminKey)).send({ reason: 'key-compromise' }).expect(200);
    await refused(await signBytes(v2, revoked), 422, 'agreement.signing_key_revoked');

    // Nothing was stored; a good signature still goes through, once.
    await signAs(vendor, vendorKey, id, 2);
    await refused(await signBytes(v2, vendorKey), 409, 'agreement.already_signed');
    const view = (await partyView(vendor, id).expect(200)).body;
    expect(view.versions[1].signatures.map((s: any) => s.kid)).toEqual([vendorKey.kid]);
    // Version 1 stays in force until the city signs too.
    expect(view.inForceVersion).toBe(1);
  });

  it("refuses allowed fields the standard does not define, parties that are not vendors and sources that are not the city's", async () => {
    const res = await t.http.post('/api/v1/agreements').set(bearer(city.adminKey))
      .send(terms({ allowedFields: [{ party: vendor.slug, standard: 'air-quality-observation', major: 1, fields: ['/stationId', '/pollutants/pm3', '/licencePlate'] }] })).expect(422);
    expect(res.body.code).toBe('agreement.field_not_in_standard');
    expect(res.body.errors.map((e: any) => e.pointer)).toEqual(['#/allowedFields/0/fields/1', '#/allowedFields/0/fields/2']);
    const notParty = await t.http.post('/api/v1/agreements').set(bearer(city.adminKey))
      .send(terms({ allowedFields: [{ party: outsider.slug, standard: 'air-quality-observation', major: 1, fields: ['/stationId'] }] })).expect(400);
    expect(notParty.body.code).toBe('agreement.invalid_allowed_fields');
    expect((await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms({ vendors: [otherCity.slug] })).expect(400)).body.code).toBe('agreement.invalid_party');
    const foreignSource = (await createSource(t, otherCity.adminKey, `urn:plaza:${otherCity.slug}:air:1`)).id;
    expect((await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms({ sources: [foreignSource] })).expect(400)).body.code).toBe('agreement.invalid_source');
    expect((await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms({ eventTypes: [{ standard: 'air-quality-observation', major: 9 }] })).expect(400)).body.code).toBe('agreement.unknown_event_type');
    expect((await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(terms({ retention: 'one year' })).expect(400)).body.code).toBe('request.invalid');
    const backwards = terms({ validFrom: '2031-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    expect((await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(backwards).expect(400)).body.code).toBe('agreement.invalid_validity');
    // Edits of a draft are checked the same way.
    const { id } = await draft();
    const edit = await t.http.patch(`/api/v1/agreements/${id}/versions/1`).set(bearer(city.adminKey))
      .send({ allowedFields: [{ party: vendor.slug, standard: 'air-quality-observation', major: 1, fields: ['/nope'] }] }).expect(422);
    expect(edit.body.code).toBe('agreement.field_not_in_standard');
  });

  it('cannot put into force an agreement covering a source with personal information without usable privacy records', async () => {
    const camera = (await createSource(t, city.adminKey, `urn:plaza:${city.slug}:camera:1`, { personalInformation: true, technology: 'camera' })).id;
    const { id } = await draft({ sources: [camera] });
    const refused = await open(id, 1).expect(409);
    expect(refused.body.code).toBe('agreement.privacy_record_required');
    const madeUp = await t.http.patch(`/api/v1/agreements/${id}/versions/1`).set(bearer(city.adminKey)).send({ privacyRecords: ['00000000-0000-4000-8000-000000000000'] }).expect(404);
    expect(madeUp.body.code).toBe('agreement.privacy_record_not_found');
    expect((await open(id, 1).expect(409)).body.code).toBe('agreement.privacy_record_required');
    expect((await partyView(city, id).expect(200)).body.versions[0].status).toBe('draft');
  });
});
