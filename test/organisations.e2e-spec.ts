import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { addMember, bearer, createOrganisation, forgedCursor, organisationBody, type TestOrganisation, walkPages } from './support/fixtures.js';
import { describeOnServer, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer).sort();

describe('organisations, members and API keys', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let vendor: TestOrganisation;
  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('org-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('org-vendor'), 'vendor');
  });
  afterAll(() => t.close());

  const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params);

  describe('registering organisations', () => {
    it('lets the operator register a city that is also a coalition member, with bilingual name, jurisdiction and privacy contact', async () => {
      const slug = uniqueSlug('coalition-city');
      const body = organisationBody(slug, 'city', {
        coalitionMember: true,
        jurisdiction: 'CA-QC',
        website: 'https://ville.example',
        privacyContact: { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${slug}.example`, url: 'https://ville.example/privacy' },
      });
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(body).expect(201);
      expect(res.body).toMatchObject({
        slug,
        kind: 'city',
        coalitionMember: true,
        name: body.name,
        jurisdiction: 'CA-QC',
        privacyContact: body.privacyContact,
        website: 'https://ville.example',
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof res.body.journalIndex).toBe('number');
      const read = await t.http.get(`/api/v1/organisations/${slug}`).expect(200);
      expect(read.body).toEqual(res.body);
    });

    it('lets the operator register a vendor, not a coalition member unless it says so', async () => {
      const slug = uniqueSlug('plain-vendor');
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'vendor')).expect(201);
      expect(res.body).toMatchObject({ slug, kind: 'vendor', coalitionMember: false, website: null, name: { en: `Test vendor ${slug}`, fr: `Fournisseur test ${slug}` } });
    });

    it('refuses a slug that is already taken with 409 organisation.slug_taken, leaving the first organisation unchanged', async () => {
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(city.slug, 'vendor')).expect(409);
      expect(res.body).toMatchObject({ code: 'organisation.slug_taken', status: 409 });
      expect((await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.kind).toBe('city');
      const operatorSlug = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody('operator', 'city')).expect(409);
      expect(operatorSlug.body.code).toBe('organisation.slug_taken');
    });

    it.each([
      ['an upper-case slug', { slug: 'Montreal' }, ['#/slug']],
      ['a two-character slug', { slug: 'ab' }, ['#/slug']],
      ['a slug ending in a hyphen', { slug: 'montreal-' }, ['#/slug']],
      ['a slug with a slash', { slug: 'mont/real' }, ['#/slug']],
      ['a jurisdiction that is not an ISO 3166 code', { jurisdiction: 'Quebec' }, ['#/jurisdiction']],
      ['a lower-case jurisdiction', { jurisdiction: 'ca-qc' }, ['#/jurisdiction']],
      ['a privacy contact email that is not an email', { privacyContact: { name: { en: 'Office', fr: 'Bureau' }, email: 'not-an-email' } }, ['#/privacyContact/email']],
      ['a name without its French text', { name: { en: 'Only English' } }, ['#/name/fr']],
      ['an unknown kind', { kind: 'province' }, ['#/kind']],
      ['a website over plain http', { website: 'http://insecure.example' }, ['#/website']],
    ])('refuses %s with 400 request.invalid pointing at the field, storing nothing', async (_what, override, expected) => {
      const slug = uniqueSlug('invalid');
      const body = { ...organisationBody(slug, 'city'), ...override };
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(body).expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toEqual(expect.arrayContaining(expected));
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it('reports every invalid field of one body at once', async () => {
      const res = await t.http
        .post('/api/v1/organisations')
        .set(bearer(t.operatorKey))
        .send({ ...organisationBody('-bad', 'city'), jurisdiction: 'nowhere', privacyContact: { name: { en: 'x', fr: 'y' }, email: 'x' } })
        .expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toEqual(expect.arrayContaining(['#/jurisdiction', '#/privacyContact/email', '#/slug']));
    });

    it('lets only the operator register organisations', async () => {
      const slug = uniqueSlug('not-by-city');
      expect((await t.http.post('/api/v1/organisations').send(organisationBody(slug, 'city')).expect(401)).body.code).toBe('auth.unauthenticated');
      expect((await t.http.post('/api/v1/organisations').set(bearer(city.adminKey)).send(organisationBody(slug, 'city')).expect(403)).body.code).toBe('auth.forbidden');
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it('refuses a NUL character in a body or a path (PostgreSQL cannot store it) with 400 request.invalid, never a 500', async () => {
      const slug = uniqueSlug('nul');
      const body = organisationBody(slug, 'city', { name: { en: 'Nul\u0000ville', fr: 'Nulville' } });
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(body).expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toEqual(['#/name/en']);
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
      const member = await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).send({ name: 'a\u0000b', email: `nul@${city.slug}.example`, roles: ['member'] }).expect(400);
      expect(pointers(member.body)).toEqual(['#/name']);
      for (const path of ['/api/v1/organisations/a%00b', '/api/v1/organisations/a%00b/members', `/api/v1/organisations/${city.slug}/members?sort=name%00`]) {
        expect((await t.http.get(path).set(bearer(t.operatorKey)).expect(400)).body.code).toBe('request.invalid');
      }
    });

    it('answers an unknown organisation with 404 organisation.not_found', async () => {
      const res = await t.http.get(`/api/v1/organisations/${uniqueSlug('nobody')}`).expect(404);
      expect(res.body.code).toBe('organisation.not_found');
    });

    it("lets an organisation's admin change its public details, and refuses another organisation's admin with 404", async () => {
      const res = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ coalitionMember: false, jurisdiction: 'CA-ON' }).expect(200);
      expect(res.body).toMatchObject({ slug: city.slug, coalitionMember: false, jurisdiction: 'CA-ON' });
      const foreign = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(vendor.adminKey)).send({ jurisdiction: 'FR' }).expect(404);
      expect(foreign.body.code).toBe('organisation.not_found');
      expect((await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.jurisdiction).toBe('CA-ON');
    });

    it('lets only the operator grant coalition membership (it makes an organisation a reviewer and voter on proposals)', async () => {
      const refused = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ coalitionMember: true, website: 'https://refused.example' }).expect(403);
      expect(refused.body.code).toBe('auth.forbidden');
      expect((await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body).toMatchObject({ coalitionMember: false, website: null });
      const granted = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ coalitionMember: true }).expect(200);
      expect(granted.body.coalitionMember).toBe(true);
      // Nor can the admin withdraw it; sending the value it already has is no change, and is accepted.
      expect((await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ coalitionMember: false }).expect(403)).body.code).toBe('auth.forbidden');
      await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ coalitionMember: true, jurisdiction: 'CA-QC' }).expect(200);
    });
  });

  describe('addressing an organisation by id or by slug', () => {
    it('reads, changes and nests under an organisation by the id its creation returned, as by its slug', async () => {
      const bySlug = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body;
      expect((await t.http.get(`/api/v1/organisations/${city.id}`).expect(200)).body).toEqual(bySlug);
      expect((await t.http.get(`/api/v1/organisations/${city.id.toUpperCase()}`).expect(200)).body.id).toBe(city.id);
      const changed = await t.http.patch(`/api/v1/organisations/${city.id}`).set(bearer(city.adminKey)).send({ jurisdiction: 'CA-QC' }).expect(200);
      expect(changed.body).toMatchObject({ id: city.id, slug: city.slug, jurisdiction: 'CA-QC' });
      const members = (await t.http.get(`/api/v1/organisations/${city.id}/members`).set(bearer(city.adminKey)).expect(200)).body.items;
      expect(members).toEqual((await t.http.get(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).expect(200)).body.items);
      expect((await t.http.get('/api/v1/organisations/00000000-0000-4000-8000-000000000000').expect(404)).body.code).toBe('organisation.not_found');
    });

    it("answers another organisation's admin by id exactly as for a missing organisation", async () => {
      const foreign = await t.http.patch(`/api/v1/organisations/${city.id}`).set(bearer(vendor.adminKey)).send({ jurisdiction: 'FR' }).expect(404);
      const missing = await t.http.patch('/api/v1/organisations/00000000-0000-4000-8000-000000000000').set(bearer(vendor.adminKey)).send({ jurisdiction: 'FR' }).expect(404);
      expect(foreign.body.code).toBe('organisation.not_found');
      expect(Object.keys(foreign.body).sort()).toEqual(Object.keys(missing.body).sort());
      await t.http.get(`/api/v1/organisations/${city.id}/members`).set(bearer(vendor.adminKey)).expect(404);
    });

    it("refuses a slug with the shape of an id (even another organisation's id) with 422 organisation.slug_looks_like_id", async () => {
      for (const slug of [city.id, randomUUID(), '3f2b1c4d-aaaa-0bbb-cccc-123456789abc']) {
        const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'vendor')).expect(422);
        expect(res.body).toMatchObject({ code: 'organisation.slug_looks_like_id', status: 422 });
      }
      expect((await t.http.get(`/api/v1/organisations/${city.id}`).expect(200)).body.slug).toBe(city.slug);
      // A slug is fixed: a change cannot give one either.
      const update = await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ slug: vendor.id }).expect(400);
      expect(pointers(update.body)).toEqual(['#/slug']);
    });

    it('filters lists by a city given by id as by slug', async () => {
      for (const path of ['/api/v1/sources', '/api/v1/privacy-records', '/api/v1/agreements']) {
        const key = path.endsWith('agreements') ? 'party' : 'city';
        const bySlug = (await t.http.get(path).query({ [key]: city.slug }).expect(200)).body;
        expect((await t.http.get(path).query({ [key]: city.id }).expect(200)).body).toEqual(bySlug);
      }
    });
  });

  describe('the public list of organisations', () => {
    const created: { slug: string; kind: 'city' | 'vendor' }[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 7; i += 1) {
        const kind = i % 2 === 0 ? 'city' : 'vendor';
        const slug = uniqueSlug(`list-${kind}`);
        await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, kind)).expect(201);
        created.push({ slug, kind });
      }
    });
    const mine = (items: Record<string, unknown>[]) => items.filter((o) => created.some((c) => c.slug === o.slug));

    it('is readable without a key and never lists the operator', async () => {
      const { items } = await walkPages(t, '/api/v1/organisations', { limit: 100 });
      expect(items.some((o) => o.kind === 'operator' || o.slug === 'operator')).toBe(false);
      expect(mine(items).map((o) => o.slug).sort()).toEqual(created.map((c) => c.slug).sort());
    });

    it('walks every page by slug with no duplicate and nothing missing, in slug order', async () => {
      const { items } = await walkPages(t, '/api/v1/organisations', { limit: 100 });
      const slugs = items.map((o) => o.slug as string);
      expect(new Set(slugs).size).toBe(slugs.length);
      expect(slugs).toEqual([...slugs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(mine(items)).toHaveLength(created.length);
    });

    it('walks small pages newest first with no duplicate and nothing missing', async () => {
      const seenAll = (items: Record<string, unknown>[]) => mine(items).length === created.length;
      const { items, pages } = await walkPages(t, '/api/v1/organisations', { limit: 2, sort: '-createdAt' }, { until: seenAll });
      expect(pages).toBeGreaterThanOrEqual(4);
      const ids = items.map((o) => o.id);
      expect(new Set(ids).size).toBe(ids.length);
      const times = items.map((o) => Date.parse(o.createdAt as string));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      // Newest first: ours come out in the reverse of the order they were made.
      expect(mine(items).map((o) => o.slug)).toEqual(created.map((c) => c.slug).reverse());
    });

    it('filters by kind on every page', async () => {
      const seenAll = (kind: string) => (items: Record<string, unknown>[]) => mine(items).length === created.filter((c) => c.kind === kind).length;
      for (const kind of ['city', 'vendor'] as const) {
        const { items } = await walkPages(t, '/api/v1/organisations', { kind, limit: 2, sort: '-createdAt' }, { until: seenAll(kind) });
        expect(items.every((o) => o.kind === kind)).toBe(true);
        expect(mine(items).map((o) => o.slug).sort()).toEqual(created.filter((c) => c.kind === kind).map((c) => c.slug).sort());
      }
    });

    it('filters by coalition membership', async () => {
      const slug = uniqueSlug('coalition-filter');
      await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'vendor', { coalitionMember: true })).expect(201);
      const found = (items: Record<string, unknown>[]) => items.some((o) => o.slug === slug);
      const members = await walkPages(t, '/api/v1/organisations', { coalitionMember: 'true', limit: 100, sort: '-createdAt' }, { until: found });
      expect(members.items.every((o) => o.coalitionMember === true)).toBe(true);
      expect(found(members.items)).toBe(true);
      const others = await walkPages(t, '/api/v1/organisations', { coalitionMember: 'false', limit: 100, sort: '-createdAt' }, { until: (items) => mine(items).length === created.length });
      expect(others.items.every((o) => o.coalitionMember === false)).toBe(true);
      expect(found(others.items)).toBe(false);
    });
  });

  describe('members', () => {
    it('lets the admin add members with roles; the member list is private to the organisation', async () => {
      const email = `editor-${randomUUID()}@${city.slug}.example`;
      const res = await t.http
        .post(`/api/v1/organisations/${city.slug}/members`)
        .set(bearer(city.adminKey))
        .send({ name: 'Camille Roy', email, roles: ['standards-editor', 'privacy-approver'] })
        .expect(201);
      expect(res.body).toMatchObject({ organisationId: city.id, name: 'Camille Roy', email, roles: ['standards-editor', 'privacy-approver'], active: true });
      const member = await addMember(t, city.slug, city.adminKey, ['member']);

      expect((await t.http.get(`/api/v1/organisations/${city.slug}/members`).expect(401)).body.code).toBe('auth.unauthenticated');
      const foreign = await t.http.get(`/api/v1/organisations/${city.slug}/members`).set(bearer(vendor.adminKey)).expect(404);
      expect(foreign.body.code).toBe('organisation.not_found');
      const foreignOne = await t.http.get(`/api/v1/organisations/${city.slug}/members/${res.body.id}`).set(bearer(vendor.adminKey)).expect(404);
      expect(foreignOne.body.code).toBe('organisation.not_found');

      const own = await walkPages(t, `/api/v1/organisations/${city.slug}/members`, { limit: 100 }, { headers: bearer(member.key) });
      expect(own.items.map((m) => m.id)).toEqual(expect.arrayContaining([city.adminId, res.body.id, member.id]));
      expect(own.items.every((m) => m.organisationId === city.id)).toBe(true);
      await t.http.get(`/api/v1/organisations/${city.slug}/members/${res.body.id}`).set(bearer(member.key)).expect(200);
      await t.http.get(`/api/v1/organisations/${city.slug}/members`).set(bearer(t.operatorKey)).expect(200);
    });

    it("answers a member of another organisation, asked through one's own organisation, with 404 member.not_found", async () => {
      const res = await t.http.get(`/api/v1/organisations/${vendor.slug}/members/${city.adminId}`).set(bearer(vendor.adminKey)).expect(404);
      expect(res.body.code).toBe('member.not_found');
      const patch = await t.http.patch(`/api/v1/organisations/${vendor.slug}/members/${city.adminId}`).set(bearer(vendor.adminKey)).send({ active: false }).expect(404);
      expect(patch.body.code).toBe('member.not_found');
      const admin = await t.http.get(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).expect(200);
      expect(admin.body.active).toBe(true);
    });

    it('lets only admins manage members', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member', 'privacy-approver']);
      const res = await t.http
        .post(`/api/v1/organisations/${city.slug}/members`)
        .set(bearer(member.key))
        .send({ name: 'Sneaky', email: `sneaky@${city.slug}.example`, roles: ['admin'] })
        .expect(403);
      expect(res.body.code).toBe('auth.forbidden');
      await t.http.patch(`/api/v1/organisations/${city.slug}/members/${member.id}`).set(bearer(member.key)).send({ roles: ['admin'] }).expect(403);
    });

    it('refuses an email another member of the organisation already has (whatever its case) with 409 member.email_taken', async () => {
      const email = `dup-${randomUUID()}@${city.slug}.example`;
      await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).send({ name: 'First', email, roles: ['member'] }).expect(201);
      const res = await t.http
        .post(`/api/v1/organisations/${city.slug}/members`)
        .set(bearer(city.adminKey))
        .send({ name: 'Second', email: email.toUpperCase(), roles: ['member'] })
        .expect(409);
      expect(res.body.code).toBe('member.email_taken');
      // Another organisation may have a member with the same email.
      await t.http.post(`/api/v1/organisations/${vendor.slug}/members`).set(bearer(vendor.adminKey)).send({ name: 'Elsewhere', email, roles: ['member'] }).expect(201);
    });

    it.each([
      ['an unknown role', { roles: ['owner'] }, '#/roles'],
      ['no role', { roles: [] }, '#/roles'],
      ['a repeated role', { roles: ['admin', 'admin'] }, '#/roles'],
      ['an invalid email', { email: 'nobody' }, '#/email'],
    ])('refuses a member with %s (400 request.invalid)', async (_what, override, pointer) => {
      const res = await t.http
        .post(`/api/v1/organisations/${city.slug}/members`)
        .set(bearer(city.adminKey))
        .send({ name: 'Someone', email: `someone-${randomUUID()}@${city.slug}.example`, roles: ['member'], ...override })
        .expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toContain(pointer);
    });

    it('never lets the last active admin be demoted or deactivated (409 member.last_admin), but allows it once another admin exists', async () => {
      const org = await createOrganisation(t, uniqueSlug('last-admin'), 'city');
      const path = `/api/v1/organisations/${org.slug}/members/${org.adminId}`;
      expect((await t.http.patch(path).set(bearer(org.adminKey)).send({ roles: ['member'] }).expect(409)).body.code).toBe('member.last_admin');
      expect((await t.http.patch(path).set(bearer(org.adminKey)).send({ active: false }).expect(409)).body.code).toBe('member.last_admin');
      expect((await t.http.patch(path).set(bearer(t.operatorKey)).send({ roles: ['member'] }).expect(409)).body.code).toBe('member.last_admin');
      const still = await t.http.get(path).set(bearer(org.adminKey)).expect(200);
      expect(still.body).toMatchObject({ roles: ['admin'], active: true });

      // An inactive admin does not count.
      const dormant = await addMember(t, org.slug, org.adminKey, ['admin']);
      await t.http.patch(`/api/v1/organisations/${org.slug}/members/${dormant.id}`).set(bearer(org.adminKey)).send({ active: false }).expect(200);
      expect((await t.http.patch(path).set(bearer(org.adminKey)).send({ roles: ['member'] }).expect(409)).body.code).toBe('member.last_admin');

      const second = await addMember(t, org.slug, org.adminKey, ['admin']);
      const demoted = await t.http.patch(path).set(bearer(second.key)).send({ roles: ['member'] }).expect(200);
      expect(demoted.body.roles).toEqual(['member']);
      expect((await t.http.patch(`/api/v1/organisations/${org.slug}/members/${second.id}`).set(bearer(second.key)).send({ active: false }).expect(409)).body.code).toBe('member.last_admin');
    });

    describeOnServer('under concurrency', () => {
      it('lets only one of two concurrent demotions of the last two admins through', async () => {
        const org = await createOrganisation(t, uniqueSlug('race-admin'), 'city');
        const second = await addMember(t, org.slug, org.adminKey, ['admin']);
        const results = await Promise.all(
          [org.adminId, second.id].map((id) => t.http.patch(`/api/v1/organisations/${org.slug}/members/${id}`).set(bearer(t.operatorKey)).send({ roles: ['member'] })),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const { items } = await walkPages(t, `/api/v1/organisations/${org.slug}/members`, { limit: 100 }, { headers: bearer(t.operatorKey) });
        expect(items.filter((m) => (m.roles as string[]).includes('admin') && m.active)).toHaveLength(1);
      });
    });
  });

  describe('API keys', () => {
    const keysPath = () => `/api/v1/organisations/${city.slug}/api-keys`;
    const works = (key: string) => t.http.get(`/api/v1/organisations/${city.slug}/members`).set(bearer(key));

    it('shows an issued key once: the list gives its prefix and never the key or its hash', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      const issued = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: member.id, label: 'upload script' }).expect(201);
      expect(issued.body.key).toMatch(/^plz_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      expect(issued.body).toMatchObject({ memberId: member.id, label: 'upload script', prefix: issued.body.key.slice(0, 12), expiresAt: null, revokedAt: null });
      expect(issued.body).not.toHaveProperty('hash');

      const list = await walkPages(t, keysPath(), { limit: 100 }, { headers: bearer(city.adminKey) });
      const listed = list.items.find((k) => k.id === issued.body.id)!;
      expect(Object.keys(listed).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'issuedBy', 'journalIndex', 'label', 'memberId', 'prefix', 'revokedAt']);
      expect(listed.prefix).toBe(issued.body.prefix);
      const text = JSON.stringify(list.items);
      expect(text).not.toContain(issued.body.key);
      expect(text).not.toContain(issued.body.key.slice(13));
      expect(list.items.every((k) => !('key' in k) && !('hash' in k))).toBe(true);

      await works(issued.body.key).expect(200);
    });

    it("keeps the key list to the organisation's admins", async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      expect((await t.http.get(keysPath()).set(bearer(member.key)).expect(403)).body.code).toBe('auth.forbidden');
      expect((await t.http.get(keysPath()).set(bearer(vendor.adminKey)).expect(404)).body.code).toBe('organisation.not_found');
      expect((await t.http.get(keysPath()).expect(401)).body.code).toBe('auth.unauthenticated');
    });

    it('stops a revoked key at once with 401 auth.invalid_key; revoking it again is 409', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      await works(member.key).expect(200);
      const { items } = await walkPages(t, keysPath(), { limit: 100 }, { headers: bearer(city.adminKey) });
      const keyId = items.find((k) => k.memberId === member.id)!.id as string;
      const revoked = await t.http.post(`${keysPath()}/${keyId}/revoke`).set(bearer(city.adminKey)).expect(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      const refused = await works(member.key).expect(401);
      expect(refused.body.code).toBe('auth.invalid_key');
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect((await t.http.post(`${keysPath()}/${keyId}/revoke`).set(bearer(city.adminKey)).expect(409)).body.code).toBe('api_key.already_revoked');
    });

    it("does not let another organisation's admin revoke a key (404)", async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      const { items } = await walkPages(t, keysPath(), { limit: 100 }, { headers: bearer(city.adminKey) });
      const keyId = items.find((k) => k.memberId === member.id)!.id as string;
      expect((await t.http.post(`${keysPath()}/${keyId}/revoke`).set(bearer(vendor.adminKey)).expect(404)).body.code).toBe('organisation.not_found');
      expect((await t.http.post(`/api/v1/organisations/${vendor.slug}/api-keys/${keyId}/revoke`).set(bearer(vendor.adminKey)).expect(404)).body.code).toBe('api_key.not_found');
      await works(member.key).expect(200);
    });

    it('refuses an expiry that is not in the future with 400 api_key.expiry_not_in_future', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      const res = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: member.id, label: 'past', expiresAt: '2020-01-01T00:00:00Z' }).expect(400);
      expect(res.body.code).toBe('api_key.expiry_not_in_future');
      const { items } = await walkPages(t, keysPath(), { limit: 100 }, { headers: bearer(city.adminKey) });
      expect(items.filter((k) => k.memberId === member.id)).toHaveLength(1);
    });

    it('accepts a key with a future expiry and refuses it with 401 once the registry clock passes that expiry', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const issued = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: member.id, label: 'short-lived', expiresAt }).expect(201);
      expect(issued.body.expiresAt).toBe(expiresAt);
      await works(issued.body.key).expect(200);
      await sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [issued.body.id]);
      // Changed behind the unit of work's back, so no cache was told: the key's cached holder lives at most the max age.
      await new Promise((resolve) => setTimeout(resolve, t.config.registryCacheMaxAgeMs + 100));
      expect((await works(issued.body.key).expect(401)).body.code).toBe('auth.invalid_key');
    });

    it("refuses the keys of an inactive member with 401, and issues no new key to them (409 api_key.member_inactive)", async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      await works(member.key).expect(200);
      await t.http.patch(`/api/v1/organisations/${city.slug}/members/${member.id}`).set(bearer(city.adminKey)).send({ active: false }).expect(200);
      expect((await works(member.key).expect(401)).body.code).toBe('auth.invalid_key');
      const res = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: member.id, label: 'again' }).expect(409);
      expect(res.body.code).toBe('api_key.member_inactive');
    });

    it('keeps the keys issued before a deactivation dead when the member is reactivated (401), while a key issued after works', async () => {
      const member = await addMember(t, city.slug, city.adminKey, ['member']);
      const memberPath = `/api/v1/organisations/${city.slug}/members/${member.id}`;
      await works(member.key).expect(200);
      await t.http.patch(memberPath).set(bearer(city.adminKey)).send({ active: false }).expect(200);
      await t.http.patch(memberPath).set(bearer(city.adminKey)).send({ active: true }).expect(200);
      expect((await works(member.key).expect(401)).body.code).toBe('auth.invalid_key');
      const fresh = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: member.id, label: 'after reactivation' }).expect(201);
      await works(fresh.body.key).expect(200);
      // A second round kills the fresh key too, and only that key's successors work.
      await t.http.patch(memberPath).set(bearer(city.adminKey)).send({ active: false }).expect(200);
      await t.http.patch(memberPath).set(bearer(city.adminKey)).send({ active: true }).expect(200);
      expect((await works(fresh.body.key).expect(401)).body.code).toBe('auth.invalid_key');
    });

    it("refuses to issue a key to another organisation's member (404 member.not_found)", async () => {
      const res = await t.http.post(keysPath()).set(bearer(city.adminKey)).send({ memberId: vendor.adminId, label: 'borrowed' }).expect(404);
      expect(res.body.code).toBe('member.not_found');
    });

    it.each([
      ['a made-up key of the right shape', () => `plz_abcdefgh_${randomBytes(32).toString('base64url')}`],
      ['a valid key with its secret part changed', () => `${city.adminKey.slice(0, 13)}${randomBytes(32).toString('base64url')}`],
      ['a key that is not a Plaza key', () => 'hunter2'],
    ])('refuses %s with 401 auth.invalid_key', async (_what, key) => {
      expect((await works(key()).expect(401)).body.code).toBe('auth.invalid_key');
    });
  });

  describe('paging abuse', () => {
    const lists = () => [
      { name: 'organisations', path: '/api/v1/organisations', headers: {} as Record<string, string> },
      { name: 'members', path: `/api/v1/organisations/${city.slug}/members`, headers: bearer(city.adminKey) },
      { name: 'API keys', path: `/api/v1/organisations/${city.slug}/api-keys`, headers: bearer(city.adminKey) },
    ];
    const get = (list: { path: string; headers: Record<string, string> }, query: Record<string, string>) => t.http.get(list.path).set(list.headers).query(query);

    it.each(['1e9', '-1', '0', 'abc', '1.5', '101'])('refuses limit=%s with 400 request.invalid on every list', async (limit) => {
      for (const list of lists()) {
        const res = await get(list, { limit }).expect(400);
        expect(res.body.code).toBe('request.invalid');
        expect(pointers(res.body)).toContain('#/limit');
      }
    });

    it('accepts the largest page size, 100', async () => {
      for (const list of lists()) await get(list, { limit: '100' }).expect(200);
    });

    it('refuses an unknown sort field with 400 request.invalid, naming the sort', async () => {
      for (const list of lists()) {
        for (const sort of ['unknownField', '-unknownField', 'slug;DROP TABLE organisations', 'hash']) {
          const res = await get(list, { sort }).expect(400);
          expect(res.body.code).toBe('request.invalid');
          expect(pointers(res.body)).toContain('#/sort');
        }
      }
    });

    it.each([
      ['random base64', () => randomBytes(48).toString('base64url')],
      ['text that is not base64 JSON', () => 'not a cursor at all'],
      ['a cursor with a key that is not a UUID', () => forgedCursor({ s: 'createdAt', v: '2024-01-01T00:00:00.000000Z', k: "1' OR '1'='1" })],
      ['a cursor with an extra member', () => forgedCursor({ s: 'createdAt', v: '2024-01-01T00:00:00.000000Z', k: randomUUID(), x: 1 })],
      ['a cursor with a non-string value', () => forgedCursor({ s: 'createdAt', v: 5, k: randomUUID() })],
      ['a cursor whose time is not a timestamp', () => forgedCursor({ s: 'createdAt', v: "now()'; --", k: randomUUID() })],
      ['a cursor whose time is not a real instant', () => forgedCursor({ s: 'createdAt', v: '2024-13-45T99:99:99.000000Z', k: randomUUID() })],
      ['a cursor whose date does not exist', () => forgedCursor({ s: 'createdAt', v: '2023-02-30T00:00:00.000000Z', k: randomUUID() })],
      ['a cursor that is JSON null', () => forgedCursor(null)],
    ])('refuses %s as a cursor with 400 request.invalid_cursor', async (_what, cursor) => {
      const path = `/api/v1/organisations/${city.slug}/members`;
      const res = await t.http.get(path).set(bearer(city.adminKey)).query({ sort: 'createdAt', cursor: cursor() }).expect(400);
      expect(res.body.code).toBe('request.invalid_cursor');
    });

    it('refuses a cursor made for another sort with 400 request.invalid_cursor', async () => {
      const first = await t.http.get('/api/v1/organisations').query({ limit: 1 }).expect(200);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      await t.http.get('/api/v1/organisations').query({ limit: 1, cursor: first.body.nextCursor }).expect(200);
      for (const sort of ['-slug', 'createdAt', '-createdAt']) {
        const res = await t.http.get('/api/v1/organisations').query({ limit: 1, sort, cursor: first.body.nextCursor }).expect(400);
        expect(res.body.code).toBe('request.invalid_cursor');
      }
    });

    it('refuses a cursor longer than 512 characters with 400 request.invalid', async () => {
      const res = await t.http.get('/api/v1/organisations').query({ cursor: 'a'.repeat(513) }).expect(400);
      expect(res.body.code).toBe('request.invalid');
    });

    it('answers a well-formed cursor carrying SQL-like text as an ordinary position, never a 500', async () => {
      const res = await t.http.get('/api/v1/organisations').query({ cursor: forgedCursor({ s: 'slug', v: "zzz' OR '1'='1", k: randomUUID() }) }).expect(200);
      expect(Array.isArray(res.body.items)).toBe(true);
    });

    it('refuses a cursor whose value holds a NUL character (no slug or name has one) with 400 request.invalid_cursor', async () => {
      const res = await t.http.get('/api/v1/organisations').query({ cursor: forgedCursor({ s: 'slug', v: 'a\u0000b', k: randomUUID() }) }).expect(400);
      expect(res.body.code).toBe('request.invalid_cursor');
    });

    it('refuses the same paging parameter given twice', async () => {
      const res = await t.http.get('/api/v1/organisations?limit=1&limit=2').expect(400);
      expect(res.body.code).toBe('request.invalid');
    });
  });
});
