import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import type { Response } from 'supertest';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { isAllowed } from '../apps/registry/src/common/auth/permissions.js';
import type { Role } from '../apps/registry/src/members/member.entity.js';
import type { OrganisationKind } from '../apps/registry/src/organisations/organisation.entity.js';
import { addMember, bearer, createOrganisation, organisationBody, sourceBody, type TestOrganisation } from './support/fixtures.js';
import { type AppRoute, discoverRoutes, fastifyRoutes, routeKey } from './support/routes.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * The authorisation matrix. Every route the running app serves (discovered from Nest's metadata, and
 * cross-checked against fastify's routing table) is called by every kind of caller, and the answer is
 * compared with what the route's access rule, the permission table and the organisation scoping rule
 * say it must be. A new route is in the matrix the moment it exists; one the matrix cannot call fails.
 */

interface Identity {
  organisation: string;
  kind: OrganisationKind;
  roles: Role[];
}

interface Caller {
  name: string;
  /** The Authorization header, or none for an anonymous caller. */
  authorization?: string;
  /** Who the key speaks for; absent for anonymous and invalid keys. */
  identity?: Identity;
}

/** How the matrix fills one path parameter: every value names a resource of city A. */
interface ParamSource {
  /** For reads, and for writes that change nothing another call depends on. */
  shared: string;
  /** A new resource, for a write that would consume or change the shared one (revocations, status changes). */
  fresh?: () => Promise<string>;
  /** The 404 code when the resource is not among those the caller may address. */
  notFound: string;
  /**
   * Set on a parameter whose owner the service checks against the caller: a caller of another
   * organisation, granted the action, gets `notFound` as if the resource did not exist.
   * `operatorActsOnAny` exempts the operator.
   */
  scope?: { operatorActsOnAny: boolean };
}

type Expected = { outcome: 'success' } | { outcome: 'denied'; status: number; code: string };

/** Paths the app serves outside Nest's controllers (so outside AccessGuard): only the OpenAPI viewer, read-only. */
const OUTSIDE_NEST = /^\/docs(?:$|[/-])/;

describe('authorisation matrix: every route x every caller', () => {
  let t: TestApp;
  let routes: AppRoute[];
  let cityA: TestOrganisation;
  let cityB: TestOrganisation;
  let vendor: TestOrganisation;
  let callers: Caller[];
  let params: Record<string, ParamSource>;
  let bodies: Record<string, () => Promise<object> | object>;
  /** Routes whose body names a resource of city A, and what a caller acting in its own organisation gets for it. */
  let bodiesNamingCityA: Record<string, { status: number; code: string }>;

  const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

  async function issueKey(memberId: string): Promise<{ id: string; key: string }> {
    const res = await t.http.post(`/api/v1/organisations/${cityA.slug}/api-keys`).set(bearer(cityA.adminKey)).send({ memberId, label: 'matrix' }).expect(201);
    return { id: res.body.id, key: res.body.key };
  }

  /** A fresh Ed25519 key with its proof of possession over a challenge city A's admin asked for. */
  async function signingKeyRegistration(): Promise<{ jwk: Record<string, unknown>; proof: string; label: string }> {
    const { challenge } = (await t.http.post(`/api/v1/organisations/${cityA.slug}/signing-keys/challenges`).set(bearer(cityA.adminKey)).expect(201)).body as {
      challenge: string;
    };
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
    return { jwk: (await exportJWK(publicKey)) as Record<string, unknown>, proof, label: `matrix ${unique()}` };
  }

  async function registerSigningKey(): Promise<string> {
    const res = await t.http.post(`/api/v1/organisations/${cityA.slug}/signing-keys`).set(bearer(cityA.adminKey)).send(await signingKeyRegistration()).expect(201);
    return res.body.kid as string;
  }

  async function createSource(): Promise<string> {
    const res = await t.http.post('/api/v1/sources').set(bearer(cityA.adminKey)).send(sourceBody(`urn:plaza:matrix:${unique()}`)).expect(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    // The matrix sends a few hundred requests from one address and a few keys; rate limiting is not what it tests.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '1000000' });
    routes = discoverRoutes(t.app);

    cityA = await createOrganisation(t, uniqueSlug('matrix-city-a'), 'city');
    cityB = await createOrganisation(t, uniqueSlug('matrix-city-b'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('matrix-vendor'), 'vendor');
    const roleKeys: Partial<Record<Role, string>> = { admin: cityA.adminKey };
    for (const role of ['member', 'privacy-approver', 'standards-editor'] as const) roleKeys[role] = (await addMember(t, cityA.slug, cityA.adminKey, [role])).key;
    const vendorMember = await addMember(t, vendor.slug, vendor.adminKey, ['member']);

    // Resources of city A for the path parameters to name.
    const target = await addMember(t, cityA.slug, cityA.adminKey, ['member']);
    const apiKey = await issueKey(target.id);
    const kid = await registerSigningKey();
    const sourceId = await createSource();

    // A key that worked once: revoked keys must be refused like unknown ones, on every route.
    const revoked = await issueKey(cityA.adminId);
    await t.http.post(`/api/v1/organisations/${cityA.slug}/api-keys/${revoked.id}/revoke`).set(bearer(cityA.adminKey)).expect(200);
    // So must the key of a member who has been made inactive (here, an admin).
    const inactive = await addMember(t, cityA.slug, cityA.adminKey, ['admin']);
    await t.http.patch(`/api/v1/organisations/${cityA.slug}/members/${inactive.id}`).set(bearer(cityA.adminKey)).send({ active: false }).expect(200);

    const cityAIdentity = (roles: Role[]): Identity => ({ organisation: cityA.slug, kind: 'city', roles });
    callers = [
      { name: 'anonymous' },
      { name: 'malformed key', authorization: 'Bearer not-a-plaza-key' },
      { name: 'unknown key', authorization: bearer(generateApiKey().key).authorization },
      { name: 'revoked key', authorization: bearer(revoked.key).authorization },
      { name: 'inactive member key', authorization: bearer(inactive.key).authorization },
      ...(['admin', 'member', 'privacy-approver', 'standards-editor'] as const).map((role) => ({
        name: `city A ${role}`,
        authorization: bearer(roleKeys[role]!).authorization,
        identity: cityAIdentity([role]),
      })),
      { name: 'city B admin', authorization: bearer(cityB.adminKey).authorization, identity: { organisation: cityB.slug, kind: 'city', roles: ['admin'] } },
      { name: 'vendor admin', authorization: bearer(vendor.adminKey).authorization, identity: { organisation: vendor.slug, kind: 'vendor', roles: ['admin'] } },
      { name: 'vendor member', authorization: bearer(vendorMember.key).authorization, identity: { organisation: vendor.slug, kind: 'vendor', roles: ['member'] } },
      { name: 'operator', authorization: bearer(t.operatorKey).authorization, identity: { organisation: '(operator)', kind: 'operator', roles: ['admin'] } },
    ];

    params = {
      slug: { shared: cityA.slug, notFound: 'organisation.not_found', scope: { operatorActsOnAny: true } },
      memberId: { shared: target.id, fresh: async () => (await addMember(t, cityA.slug, cityA.adminKey, ['member'])).id, notFound: 'member.not_found' },
      keyId: { shared: apiKey.id, fresh: async () => (await issueKey(target.id)).id, notFound: 'api_key.not_found' },
      kid: { shared: kid, fresh: registerSigningKey, notFound: 'signing_key.not_found' },
      id: { shared: sourceId, fresh: createSource, notFound: 'source.not_found', scope: { operatorActsOnAny: false } },
    };

    // A minimal valid body for every route that reads one; each call gets its own, so creates never collide.
    bodies = {
      'POST /api/v1/organisations': () => organisationBody(uniqueSlug('matrix-new'), 'city'),
      'PATCH /api/v1/organisations/:slug': () => ({ website: 'https://matrix.example' }),
      'POST /api/v1/organisations/:slug/members': () => ({ name: 'Matrix member', email: `matrix-${unique()}@example.org`, roles: ['member'] }),
      'PATCH /api/v1/organisations/:slug/members/:memberId': () => ({ name: 'Matrix member renamed' }),
      'POST /api/v1/organisations/:slug/api-keys': () => ({ memberId: target.id, label: 'matrix' }),
      'POST /api/v1/organisations/:slug/signing-keys': signingKeyRegistration,
      'POST /api/v1/organisations/:slug/signing-keys/:kid/revoke': () => ({ reason: 'superseded' }),
      'POST /api/v1/sources': () => sourceBody(`urn:plaza:matrix:${unique()}`),
      'PATCH /api/v1/sources/:id': () => ({ name: { en: 'Renamed station', fr: 'Station renommée' } }),
      'POST /api/v1/sources/:id/status': () => ({ status: 'active' }),
    };
    bodiesNamingCityA = {
      'POST /api/v1/organisations/:slug/api-keys': { status: 404, code: 'member.not_found' },
      'POST /api/v1/organisations/:slug/signing-keys': { status: 400, code: 'signing_key.challenge_invalid' },
    };
  });

  afterAll(() => t?.close());

  it('discovers the routes of the running app', () => {
    // A sanity floor: if discovery broke and found nothing, every other check would pass vacuously.
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.map(routeKey)).toEqual(expect.arrayContaining(['GET /health', 'POST /api/v1/sources', 'GET /api/v1/organisations/:slug/members']));
  });

  it("matches fastify's routing table: nothing is served beside the guarded controllers but the read-only docs", () => {
    const nest = new Set(routes.map(routeKey));
    const served = fastifyRoutes(t.app);
    const servedKeys = new Set(served.map(routeKey));
    // fastify adds HEAD to every GET route, answered by the same handler (the matrix calls those too).
    const own = served.filter((r) => !(r.method === 'HEAD' && servedKeys.has(`GET ${r.path}`)));
    const unguarded = own.filter((r) => !nest.has(routeKey(r))).filter((r) => !(OUTSIDE_NEST.test(r.path) && r.method === 'GET'));
    expect(unguarded.map(routeKey)).toEqual([]);
    expect(routes.map(routeKey).filter((key) => !servedKeys.has(key))).toEqual([]);
  });

  it('gives every route an access rule (deny by default would refuse the others to everyone)', () => {
    expect(routes.filter((r) => r.access === undefined).map((r) => `${routeKey(r)} (${r.handler})`)).toEqual([]);
  });

  it('knows how to call every route: each path parameter and each body', () => {
    const problems: string[] = [];
    for (const route of routes) {
      for (const name of route.params) if (!params[name]) problems.push(`${routeKey(route)}: no value for path parameter :${name}`);
      if (route.takesBody && !bodies[routeKey(route)]) problems.push(`${routeKey(route)}: reads a body but the matrix has none for it`);
    }
    const known = new Set(routes.map(routeKey));
    for (const key of [...Object.keys(bodies), ...Object.keys(bodiesNamingCityA)]) {
      if (!known.has(key)) problems.push(`${key}: a body for a route that does not exist`);
    }
    expect(problems).toEqual([]);
  });

  function expectation(route: AppRoute, caller: Caller): Expected {
    // Deny by default: a handler with no access rule is refused to everyone, before any key is looked at.
    const access = route.access;
    if (!access) return { outcome: 'denied', status: 403, code: 'auth.forbidden' };
    if (!caller.authorization) return access.public ? { outcome: 'success' } : { outcome: 'denied', status: 401, code: 'auth.unauthenticated' };
    const who = caller.identity;
    if (!who) return { outcome: 'denied', status: 401, code: 'auth.invalid_key' };
    if (access.public) return { outcome: 'success' };
    if (!isAllowed(access.action, who.kind, who.roles)) return { outcome: 'denied', status: 403, code: 'auth.forbidden' };
    // Granted: the resource's owner decides. Every parameter names a resource of city A.
    const scoped = route.params.map((name) => params[name]!).find((p) => p.scope !== undefined);
    const own = who.organisation === cityA.slug || (who.kind === 'operator' && scoped?.scope?.operatorActsOnAny === true);
    if (scoped && !own) return { outcome: 'denied', status: 404, code: scoped.notFound };
    return { outcome: 'success' };
  }

  async function call(route: AppRoute, caller: Caller, overrides: Record<string, string> = {}, method = route.method): Promise<Response> {
    const writes = method !== 'GET' && method !== 'HEAD';
    let path = route.path;
    for (const name of route.params) {
      const source = params[name]!;
      const value = overrides[name] ?? (writes && source.fresh ? await source.fresh() : source.shared);
      path = path.replace(`:${name}`, encodeURIComponent(value));
    }
    const agent = t.http as unknown as Record<string, (url: string) => import('supertest').Test>;
    const request = agent[method.toLowerCase()]!(path);
    if (caller.authorization) request.set('authorization', caller.authorization);
    const body = bodies[routeKey(route)];
    return body ? request.send(await body()) : request;
  }

  /** Null when the answer is the expected one; a HEAD answer has no body, so only its status is compared. */
  function verdict(expected: Expected, res: Response, method = 'GET'): string | null {
    const code = (res.body as { code?: unknown } | undefined)?.code;
    const got = `${res.status}${typeof code === 'string' ? ` ${code}` : ''}`;
    if (expected.outcome === 'success') return res.status >= 200 && res.status < 300 ? null : `expected success (2xx), got ${got}`;
    const matches = res.status === expected.status && (method === 'HEAD' || code === expected.code);
    return matches ? null : `expected ${expected.status} ${method === 'HEAD' ? '' : expected.code}, got ${got}`.replace('  ', ' ');
  }

  it('answers every route, for every caller, exactly as the access rule, permission table and scoping rule say', async () => {
    const failures: string[] = [];
    const tally = { success: 0, denied: 0 };
    for (const route of routes) {
      if (route.params.some((name) => !params[name]) || (route.takesBody && !bodies[routeKey(route)])) continue; // reported above
      // fastify answers HEAD on every GET route through the same handler and guard: it is checked too.
      for (const method of route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]) {
        // The callers of one route go together: each write gets fresh resources, so they cannot disturb each other.
        const problems = await Promise.all(
          callers.map(async (caller) => {
            const expected = expectation(route, caller);
            tally[expected.outcome] += 1;
            const problem = verdict(expected, await call(route, caller, {}, method), method);
            return problem && `${method} ${route.path} as ${caller.name}: ${problem}`;
          }),
        );
        failures.push(...problems.filter((p): p is string => p !== null));
      }
    }
    expect(failures).toEqual([]);
    // Both sides of the matrix are exercised: callers who get through, and callers who are turned away.
    expect(tally.success).toBeGreaterThan(routes.length);
    expect(tally.denied).toBeGreaterThan(routes.length * 4);
  });

  it("refuses another organisation's members, keys and challenges addressed through one's own organisation", async () => {
    // City B's admin, on every organisation route of the app, names its own organisation in the path but a
    // resource of city A in the rest of the path or in the body: the resource must not be found.
    const cityBAdmin = callers.find((c) => c.name === 'city B admin')!;
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      if (!route.access || route.access.public || !route.params.includes('slug')) continue;
      if (!isAllowed(route.access.action, 'city', ['admin'])) continue;
      const named = route.params.find((name) => name !== 'slug');
      const expected: Expected = named
        ? { outcome: 'denied', status: 404, code: params[named]!.notFound }
        : bodiesNamingCityA[routeKey(route)]
          ? { outcome: 'denied', ...bodiesNamingCityA[routeKey(route)]! }
          : { outcome: 'success' };
      if (expected.outcome === 'denied') checked += 1;
      const problem = verdict(expected, await call(route, cityBAdmin, { slug: cityB.slug }));
      if (problem) failures.push(`${routeKey(route)} as city B admin, on city B with a resource of city A: ${problem}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('lets a caller of another organisation learn nothing: its 404 reads exactly like a missing organisation', async () => {
    const foreign = await t.http.get(`/api/v1/organisations/${cityA.slug}/members`).set(bearer(cityB.adminKey)).expect(404);
    const missing = await t.http.get(`/api/v1/organisations/${uniqueSlug('matrix-nobody')}/members`).set(bearer(cityB.adminKey)).expect(404);
    expect(foreign.body.code).toBe(missing.body.code);
    expect(foreign.body.title).toBe(missing.body.title);
  });
});
