import { airAgreementBody } from './support/exchange-fixtures.js';
import { bearer, createOrganisation, createSource, newVersion, privacyRecordBody, proposalBody, type TestOrganisation } from './support/fixtures.js';
import { discoverRoutes } from './support/routes.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  allOf?: Schema[];
}

/** A record an update route edits: where to send the edit, with which key, and how its owner reads it back. */
interface Target {
  path: string;
  key: string;
  read: () => Promise<unknown>;
}

/**
 * Every PATCH route's optional members, sent as null one at a time. The members come from the OpenAPI document
 * (so a member added later is tested without anyone listing it): a member not described as nullable must be
 * refused with a 400 problem pointing at it, and the record must read exactly as before.
 */
describe('an update with null in an optional member', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  let spec: { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>; components: { schemas: Record<string, Schema> } };
  const targets = new Map<string, () => Promise<Target>>();

  const get = async (path: string, key: string) => (await t.http.get(path).set(bearer(key)).expect(200)).body as unknown;

  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('nulls-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('nulls-vendor'), 'vendor');
    spec = (await t.http.get('/docs/openapi.json').expect(200)).body;

    targets.set('/api/v1/organisations/{slug}', async () => {
      const org = await createOrganisation(t, uniqueSlug('nulls-org'), 'city', { website: 'https://nulls.example' });
      const path = `/api/v1/organisations/${org.slug}`;
      return { path, key: org.adminKey, read: () => get(path, org.adminKey) };
    });
    targets.set('/api/v1/organisations/{slug}/members/{memberId}', async () => {
      const path = `/api/v1/organisations/${city.slug}/members/${city.adminId}`;
      return { path, key: city.adminKey, read: () => get(path, city.adminKey) };
    });
    targets.set('/api/v1/sources/{id}', async () => {
      const source = await createSource(t, city.adminKey, `urn:plaza:nulls:${uniqueSlug('s')}`, { operator: vendor.slug });
      const path = `/api/v1/sources/${source.id}`;
      return { path, key: city.adminKey, read: () => get(path, city.adminKey) };
    });
    targets.set('/api/v1/privacy-records/{id}', async () => {
      const source = await createSource(t, city.adminKey, `urn:plaza:nulls:${uniqueSlug('p')}`);
      const record = (await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([source.id])).expect(201)).body;
      const path = `/api/v1/privacy-records/${record.id}`;
      return { path, key: city.adminKey, read: () => get(path, city.adminKey) };
    });
    targets.set('/api/v1/agreements/{id}/versions/{n}', async () => {
      const source = await createSource(t, city.adminKey, `urn:plaza:nulls:${uniqueSlug('a')}`, { operator: vendor.slug });
      const agreement = (await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send(airAgreementBody(vendor.slug, source.id)).expect(201)).body;
      return { path: `/api/v1/agreements/${agreement.id}/versions/1`, key: city.adminKey, read: () => get(`/api/v1/organisations/${city.slug}/agreements/${agreement.id}`, city.adminKey) };
    });
    targets.set('/api/v1/proposals/{number}', async () => {
      const content = newVersion('noise-level-observation', '1.1.0', '1.9.0', () => {});
      const proposal = (await t.http.post('/api/v1/proposals').set(bearer(city.adminKey)).send(proposalBody('noise-level-observation', '1.9.0', content)).expect(201)).body;
      const path = `/api/v1/proposals/${proposal.number}`;
      return { path, key: city.adminKey, read: () => get(path, city.adminKey) };
    });
  });
  afterAll(() => t?.close());

  const resolve = (schema: Schema): Schema => (schema.$ref ? resolve(spec.components.schemas[schema.$ref.split('/').pop()!]!) : schema);
  /** The optional members of a route's body, with whether the document says they may be null. */
  function optionalMembers(path: string, method: string): { member: string; nullable: boolean }[] {
    const content = spec.paths[path]?.[method]?.requestBody?.content;
    if (!content) return [];
    const body = resolve(content['application/json']!.schema);
    return Object.entries(body.properties ?? {})
      .filter(([member]) => !(body.required ?? []).includes(member))
      .map(([member, schema]) => ({ member, nullable: resolve(schema).nullable === true || schema.nullable === true }));
  }

  it('has a target for every PATCH or PUT route whose body has optional members', () => {
    const routes = discoverRoutes(t.app)
      .filter((route) => route.method === 'PATCH' || route.method === 'PUT')
      .map((route) => ({ method: route.method.toLowerCase(), path: route.path.replace(/:([A-Za-z]+)/g, '{$1}') }))
      .filter((route) => optionalMembers(route.path, route.method).length > 0)
      .map((route) => route.path);
    expect(routes.sort()).toEqual([...targets.keys()].sort());
  });

  it.each([
    '/api/v1/organisations/{slug}',
    '/api/v1/organisations/{slug}/members/{memberId}',
    '/api/v1/sources/{id}',
    '/api/v1/privacy-records/{id}',
    '/api/v1/agreements/{id}/versions/{n}',
    '/api/v1/proposals/{number}',
  ])('PATCH %s: refuses null in every member not nullable by design (400, its pointer), and changes nothing', async (route) => {
    const target = await targets.get(route)!();
    const members = optionalMembers(route, 'patch');
    expect(members.length).toBeGreaterThan(0);
    const before = await target.read();
    const answers: Record<string, unknown> = {};
    for (const { member, nullable } of members.filter((m) => !m.nullable)) {
      const res = await t.http.patch(target.path).set(bearer(target.key)).send({ [member]: null });
      answers[member] = { status: res.status, code: res.body.code, pointers: (res.body.errors ?? []).map((e: { pointer: string }) => e.pointer) };
      expect(nullable).toBe(false);
    }
    const expected = Object.fromEntries(members.filter((m) => !m.nullable).map(({ member }) => [member, { status: 400, code: 'request.invalid', pointers: [`#/${member}`] }]));
    expect(answers).toEqual(expected);
    expect(await target.read()).toEqual(before);
  });

  it("clears an organisation's website with null, the one member nullable by design", async () => {
    expect(optionalMembers('/api/v1/organisations/{slug}', 'patch').filter((m) => m.nullable).map((m) => m.member)).toEqual(['website']);
    const target = await targets.get('/api/v1/organisations/{slug}')!();
    expect(((await target.read()) as { website: string }).website).toBe('https://nulls.example');
    const res = await t.http.patch(target.path).set(bearer(target.key)).send({ website: null }).expect(200);
    expect(res.body.website).toBeNull();
    expect(((await target.read()) as { website: string | null }).website).toBeNull();
  });

  it('refuses null in a nested optional member, and in an optional member of a create', async () => {
    const org = `/api/v1/organisations/${city.slug}`;
    const contact = { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${city.slug}.example`, url: null };
    const res = await t.http.patch(org).set(bearer(city.adminKey)).send({ privacyContact: contact }).expect(400);
    expect(res.body.errors).toEqual([{ pointer: '#/privacyContact/url', detail: 'url may be left out, but not null' }]);
    const created = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send({ ...(await t.http.get(org)).body, slug: uniqueSlug('nulls-new'), coalitionMember: null });
    expect(created.status).toBe(400);
  });
});
