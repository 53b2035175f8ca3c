import { bearer, organisationBody } from './support/fixtures.js';
import { discoverRoutes } from './support/routes.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

describe('the registry platform', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness on /health', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', live: true, ready: true, database: { reachable: true } });
    await t.http.get('/health/live').expect(200);
    await t.http.get('/health/ready').expect(200);
  });

  it('serves the OpenAPI document describing every endpoint at /docs', async () => {
    await t.http.get('/docs').expect(200).expect('content-type', /html/);
    const spec = (await t.http.get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/organisations', '/api/v1/sources', '/api/v1/organisations/{slug}/signing-keys']));
    const create = spec.paths['/api/v1/sources']!.post as { requestBody: unknown; responses: Record<string, unknown> };
    expect(create.requestBody).toBeDefined();
    expect(create.responses['201']).toBeDefined();
  });

  it('describes every route of the app in the OpenAPI document, with its method', async () => {
    const spec = (await t.http.get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const missing = discoverRoutes(t.app)
      .filter((route) => route.documented)
      .map((route) => ({ method: route.method.toLowerCase(), path: route.path.replace(/:([A-Za-z]+)/g, '{$1}') }))
      .filter((route) => !spec.paths[route.path]?.[route.method]);
    expect(missing).toEqual([]);
  });

  it('leaves out of the OpenAPI document only the public HTML pages: public GET routes that answer text/html', async () => {
    const undocumented = discoverRoutes(t.app).filter((route) => !route.documented);
    expect(undocumented.length).toBeGreaterThan(0);
    for (const route of undocumented) {
      expect({ route: route.path, method: route.method, public: route.access?.public }).toEqual({ route: route.path, method: 'GET', public: true });
    }
    const home = await t.http.get('/').expect(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
  });

  it('sets security headers and a request id on every response', async () => {
    const res = await t.http.get('/health/live').set('x-request-id', 'client-supplied-123').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-request-id']).toBe('client-supplied-123');
  });

  it('answers an unknown route with a problem document', async () => {
    const res = await t.http.get('/api/v1/nothing-here').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'request.route_not_found', status: 404, type: 'urn:plaza:problem:request.route_not_found' });
    expect(res.body.requestId).toEqual(res.headers['x-request-id']);
  });

  describe('refuses bodies it cannot trust, storing nothing', () => {
    const post = (body: string) => t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).set('content-type', 'application/json').send(body);

    it('duplicate members', async () => {
      const slug = uniqueSlug('dup');
      const body = JSON.stringify(organisationBody(slug, 'city')).replace('"kind":"city"', '"kind":"city","kind":"vendor"');
      const res = await post(body).expect(400);
      expect(res.body).toMatchObject({ code: 'request.duplicate_member', errors: [{ pointer: '#/kind' }] });
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it('__proto__ and constructor.prototype members', async () => {
      expect((await post('{"__proto__":{"admin":true}}').expect(400)).body.code).toBe('request.forbidden_member');
      expect((await post('{"constructor":{"prototype":{"admin":true}}}').expect(400)).body.code).toBe('request.forbidden_member');
    });

    it('malformed JSON', async () => {
      expect((await post('{"slug":').expect(400)).body.code).toBe('request.malformed_json');
    });

    it('bodies over the size limit', async () => {
      const res = await post(JSON.stringify({ slug: 'x'.repeat(t.config.bodyLimitBytes) })).expect(413);
      expect(res.body.code).toBe('request.body_too_large');
    });

    it('other media types', async () => {
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).set('content-type', 'text/plain').send('hello').expect(415);
      expect(res.body.code).toBe('request.unsupported_media_type');
    });

    it('mass assignment of fields the endpoint does not take', async () => {
      const slug = uniqueSlug('mass');
      const res = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send({ ...organisationBody(slug, 'city'), id: '00000000-0000-4000-8000-000000000000', journalIndex: 1 }).expect(400);
      expect(res.body.code).toBe('request.unknown_field');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['#/id', '#/journalIndex']);
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });
  });

  it('refuses to start with invalid configuration, naming the variable', async () => {
    await expect(startTestApp({ PORT: 'eighty' })).rejects.toThrow(/PORT must be a whole number from 0 to 65535, got "eighty"/);
  });
});

describe('rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('answers 429 with a problem and Retry-After once a client exceeds its limit', async () => {
    for (let i = 0; i < 3; i++) await t.http.get('/health/live').expect(200);
    const res = await t.http.get('/health/live').expect(429);
    expect(res.body).toMatchObject({ code: 'request.rate_limited', status: 429 });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts by client address, so a made-up key prefix neither dodges the limit nor spends a key holder\'s budget', async () => {
    const res = await t.http.get('/api/v1/organisations').set('authorization', 'Bearer plz_aaaaaaaa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx').expect(429);
    expect(res.body.code).toBe('request.rate_limited');
  });
});
