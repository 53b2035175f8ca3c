import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { verifyAgreement } from '../apps/cli/src/agreements.js';
import { apiKeyPrefix } from '../apps/registry/src/api-keys/api-key-secret.js';
import { en } from '../apps/registry/src/public-site/messages/en.js';
import { bearer, createOrganisation, createSource, rawBody, registerSigningKey, type SigningKeyPair, signDetached, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const HOUR = 3_600_000;

interface IssuedKey {
  id: string;
  prefix: string;
  key: string;
}

/**
 * Review finding 5: the operator could issue an API key for a city's admin and act with it, and the log credited the
 * admin. Every entry now names the key that acted and who issued it, and what a key the operator stands behind registers
 * or signs for an organisation is marked so in public.
 */
describe('what the operator does for an organisation is marked so, in the journal and in public', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let operator: { organisationId: string; memberId: string; keyId: string; prefix: string };
  /** Issued by the operator for the city's admin. */
  let operatorIssued: IssuedKey;
  /** Issued by the city's admin, and the vendor's admin, for themselves. */
  let cityOwn: IssuedKey;
  let vendorOwn: IssuedKey;

  const issue = async (org: TestOrganisation, actingKey: string): Promise<IssuedKey> =>
    (await t.http.post(`/api/v1/organisations/${org.slug}/api-keys`).set(bearer(actingKey)).send({ memberId: org.adminId, label: 'marks' }).expect(201)).body as IssuedKey;
  /** An entry of the public log, decoded. */
  const entryAt = async (index: number) => {
    const { entries } = (await t.http.get('/api/v1/log/entries').query({ start: index, end: index + 1 }).expect(200)).body as { entries: { entry: string }[] };
    return JSON.parse(Buffer.from(entries[0]!.entry, 'base64').toString('utf8')) as Record<string, any>;
  };
  const publicKey = async (kid: string) => (await t.http.get(`/api/v1/signing-keys/${kid}`).expect(200)).body as { registeredViaOperator: boolean | null; journalIndex: number };
  /** The section of the log page about the chosen entry. */
  const logPageEntry = async (index: number) => {
    const page = (await t.http.get('/log').query({ index, lang: 'en' }).expect(200)).text;
    return page.slice(page.indexOf('<section aria-labelledby="entry">'), page.indexOf('<section aria-labelledby="recent">'));
  };

  beforeAll(async () => {
    // The log page shows this suite's entries once a checkpoint covers them: on the server, a database of its own, so
    // that its registry is the instance that signs (on a shared one, another suite's registry may be).
    t = await startTestApp({}, { ownDatabase: true });
    city = await createOrganisation(t, uniqueSlug('marks-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('marks-vendor'), 'vendor');
    const [operatorMember] = (await t.http.get('/api/v1/organisations/operator/members').set(bearer(t.operatorKey)).expect(200)).body.items;
    const prefix = apiKeyPrefix(t.operatorKey)!;
    const operatorKey = (await t.http.get('/api/v1/organisations/operator/api-keys').set(bearer(t.operatorKey)).query({ limit: 100 }).expect(200)).body.items.find(
      (k: { prefix: string }) => k.prefix === prefix,
    );
    operator = { organisationId: operatorMember.organisationId, memberId: operatorMember.id, keyId: operatorKey.id, prefix };
    operatorIssued = await issue(city, t.operatorKey);
    cityOwn = await issue(city, city.adminKey);
    vendorOwn = await issue(vendor, vendor.adminKey);
  });
  afterAll(() => t.close());

  it('names in every entry the API key that acted and who issued it: the operator, or a member of the organisation', async () => {
    // The city's admin sees who issued each of the city's keys: the operator, for the one it issued.
    const cityKeys = (await t.http.get(`/api/v1/organisations/${city.slug}/api-keys`).set(bearer(cityOwn.key)).query({ limit: 100 }).expect(200)).body.items as Record<string, any>[];
    const listed = (id: string) => cityKeys.find((k) => k.id === id)!;
    expect(listed(operatorIssued.id).issuedBy).toEqual({ organisationId: operator.organisationId, memberId: operator.memberId });
    expect(listed(cityOwn.id).issuedBy).toEqual({ organisationId: city.id, memberId: city.adminId });

    // The operator issues a key for the city's admin: the entry names the operator's own key, which the registry made.
    const issuedEntry = await entryAt(listed(operatorIssued.id).journalIndex);
    expect(issuedEntry).toMatchObject({ v: 2, action: 'api-key.issued', organisation: city.id, actor: operator.memberId });
    expect(issuedEntry.key).toEqual({ id: operator.keyId, prefix: operator.prefix, issuedBy: null, operator: true });
    // The key as disclosed still matches the state its entry digests.
    const disclosed = (await t.http.get('/api/v1/log/record').query({ index: issuedEntry.index }).set(bearer(cityOwn.key)).expect(200)).body;
    expect(`sha256:${createHash('sha256').update(Buffer.from(disclosed.salt, 'base64url')).update(canonicalize(disclosed.state)!, 'utf8').digest('base64url')}`).toBe(issuedEntry.state);

    // The city's admin acts with the key the operator issued: the admin is the actor, but the entry says whose key it was.
    const throughOperator = await registerSigningKey(t, { ...city, adminKey: operatorIssued.key });
    const viaOperatorEntry = await entryAt((await publicKey(throughOperator.kid)).journalIndex);
    expect(viaOperatorEntry).toMatchObject({ action: 'signing-key.registered', organisation: city.id, actor: city.adminId });
    expect(viaOperatorEntry.key).toEqual({
      id: operatorIssued.id, prefix: operatorIssued.prefix, issuedBy: { organisation: operator.organisationId, member: operator.memberId }, operator: true,
    });

    // With a key the city issued itself, no mark.
    const throughCity = await registerSigningKey(t, { ...city, adminKey: cityOwn.key });
    const ownEntry = await entryAt((await publicKey(throughCity.kid)).journalIndex);
    expect(ownEntry).toMatchObject({ action: 'signing-key.registered', organisation: city.id, actor: city.adminId });
    expect(ownEntry.key).toEqual({ id: cityOwn.id, prefix: cityOwn.prefix, issuedBy: { organisation: city.id, member: city.adminId }, operator: false });

    // The operator acting for the city with its own key.
    const edited = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ website: 'https://marks.example' }).expect(200);
    const operatorEntry = await entryAt(edited.body.journalIndex);
    expect(operatorEntry).toMatchObject({ action: 'organisation.updated', organisation: city.id, actor: operator.memberId });
    expect(operatorEntry.key).toEqual({ id: operator.keyId, prefix: operator.prefix, issuedBy: null, operator: true });

    // The public key history says the same, key by key.
    expect((await publicKey(throughOperator.kid)).registeredViaOperator).toBe(true);
    expect((await publicKey(throughCity.kid)).registeredViaOperator).toBe(false);
    const history = (await t.http.get(`/api/v1/organisations/${city.slug}/signing-keys`).query({ limit: 100 }).expect(200)).body.items as { kid: string; registeredViaOperator: boolean }[];
    expect(Object.fromEntries(history.map((k) => [k.kid, k.registeredViaOperator]))).toMatchObject({
      [throughOperator.kid]: true, [throughCity.kid]: false,
    });

    // And the public log page marks the operator's entries, and only them.
    expect(await logPageEntry(viaOperatorEntry.index)).toContain(`<code>${operatorIssued.prefix}</code> <span class="badge badge-operator">${en.logByOperator}</span>`);
    expect(await logPageEntry(ownEntry.index)).toContain(`<code>${cityOwn.prefix}</code>`);
    expect(await logPageEntry(ownEntry.index)).not.toContain('badge-operator');
  });

  it('marks a signature given, or a signing key registered, through a key the operator issued: on the public record, the public page and the CLI verifier', async () => {
    // The city signs through the operator's key, with a signing key registered through it; the vendor through its own.
    const cityAsOperator = { ...city, adminKey: operatorIssued.key };
    const citySigning = await registerSigningKey(t, cityAsOperator);
    const vendorSigning = await registerSigningKey(t, { ...vendor, adminKey: vendorOwn.key });
    const source = await createSource(t, cityOwn.key, `urn:plaza:${city.slug}:air:marks`);
    const now = Date.now();
    const drafted = await t.http.post('/api/v1/agreements').set(bearer(cityOwn.key)).send({
      vendors: [vendor.slug],
      sources: [source.id],
      eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
      purposes: [{ en: 'Publish the air-quality index', fr: 'Publier l’indice de la qualité de l’air' }],
      retention: 'P1Y',
      onwardSharing: false,
      dataResidency: ['CA'],
      validFrom: new Date(now - HOUR).toISOString(),
      validUntil: new Date(now + 1000 * HOUR).toISOString(),
      summary: { en: 'Readings only.', fr: 'Des mesures seulement.' },
    }).expect(201);
    const id = drafted.body.id as string;
    await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(cityOwn.key)).expect(200);
    const signAs = async (org: TestOrganisation, apiKey: string, key: SigningKeyPair) => {
      const document = (await t.http.get(`/api/v1/organisations/${org.slug}/agreements/${id}/versions/1/document`).set(bearer(apiKey)).buffer(true).parse(rawBody).expect(200)).body as Buffer;
      await t.http.post(`/api/v1/agreements/${id}/versions/1/signatures`).set(bearer(apiKey)).send({ jws: await signDetached(document, key) }).expect(201);
    };
    await signAs(city, operatorIssued.key, citySigning);
    await signAs(vendor, vendorOwn.key, vendorSigning);

    // The public record.
    const version = (await t.http.get(`/api/v1/agreements/${id}`).expect(200)).body.versions[0];
    expect(version.status).toBe('active');
    const byParty = Object.fromEntries(version.signatures.map((s: Record<string, unknown>) => [s.organisation, s]));
    expect(byParty[city.slug]).toMatchObject({ verifies: true, signedViaOperator: true, keyRegisteredViaOperator: true });
    expect(byParty[vendor.slug]).toMatchObject({ verifies: true, signedViaOperator: false, keyRegisteredViaOperator: false });
    const signatureEntry = await entryAt(byParty[city.slug].journalIndex);
    expect(signatureEntry).toMatchObject({ action: 'agreement.signed', organisation: city.id, actor: city.adminId, key: { id: operatorIssued.id, operator: true } });
    expect((await entryAt(byParty[vendor.slug].journalIndex)).key).toMatchObject({ id: vendorOwn.id, operator: false });

    // The public page: a warning for the city's signature and its key, none for the vendor's.
    const page = (await t.http.get(`/agreements/${id}`).query({ lang: 'en' }).expect(200)).text;
    const cityName = `Test city ${city.slug}`;
    const vendorName = `Test vendor ${vendor.slug}`;
    expect(page).toContain(en.signatureViaOperator(cityName));
    expect(page).toContain(en.signatureKeyViaOperator(cityName));
    expect(page).not.toContain(en.signatureViaOperator(vendorName));
    expect(page).not.toContain(en.signatureKeyViaOperator(vendorName));

    // The CLI verifier: every signature verifies, and the city's carries both marks.
    const publicFetch = async (url: string): Promise<Response> => {
      const res = await t.http.get(new URL(url).pathname).buffer(true).parse(rawBody);
      return new Response(new Uint8Array(res.body as Buffer), { status: res.status });
    };
    const report = await verifyAgreement('http://registry.test', id, publicFetch);
    expect(report.ok).toBe(true);
    const checks = Object.fromEntries(report.checks.map((c) => [c.organisation, c]));
    expect(checks[city.slug]!.operatorMarks).toHaveLength(2);
    expect(checks[city.slug]!.operatorMarks.join('\n')).toMatch(/registry operator/);
    expect(checks[vendor.slug]!.operatorMarks).toEqual([]);
  });
});
