import { bearer, organisationBody } from './support/fixtures.js';
import { discoverRoutes } from './support/routes.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

describe('the registry platform', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp();
    // Some checks need a real socket with Node's own client (fetch, raw TCP), not supertest.
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
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
      // A trailing wildcard (the log's tiles) is the parameter `{path}` in the document, as @nestjs/swagger renders it.
      .map((route) => ({ method: route.method.toLowerCase(), path: route.path.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\*$/, '{path}') }))
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

  it('sets the same security headers on a refusal as on an answer: a submit without a key, a NUL in the URL, a compressed submission', async () => {
    const answered = await t.http.get('/health/live').expect(200);
    const refusals = [
      await t.http.post('/api/v1/exchange/events').set('content-type', 'application/cloudevents+json').send('{}').expect(401),
      await t.http.get('/api/v1/sources?q=%00').expect(400),
      await t.http.post('/api/v1/exchange/events').set('content-type', 'application/cloudevents+json').set('content-encoding', 'gzip').send('{}').expect(415),
    ];
    const security = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection)/.test(name)));
    expect(Object.keys(security(answered.headers))).toHaveLength(12);
    for (const refused of refusals) expect(security(refused.headers)).toEqual(security(answered.headers));
  });

  it('answers an unknown route with a problem document that does not echo the URL', async () => {
    const res = await t.http.get('/api/v1/nothing-here-echo-marker?q=echo-marker').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'request.route_not_found', status: 404, type: 'urn:plaza:problem:request.route_not_found' });
    expect(res.body.requestId).toEqual(res.headers['x-request-id']);
    expect(res.text).not.toContain('echo-marker');
  });

  describe("answers fastify's own refusals with problem documents that do not echo the URL", () => {
    it('a malformed percent-encoding in the path: 400 request.malformed_url', async () => {
      const res = await t.http.get('/api/v1/organisations/%E0%A4%A-echo-marker').expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'request.malformed_url', status: 400, requestId: res.headers['x-request-id'] });
      expect(res.text).not.toMatch(/echo-marker|%E0/);
    });

    it('an over-long path parameter: 414 request.uri_too_long', async () => {
      const res = await t.http.get(`/api/v1/organisations/echo-marker${'a'.repeat(300)}`).expect(414);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'request.uri_too_long', status: 414 });
      expect(res.text).not.toContain('echo-marker');
    });

    it('a URL longer than the request head may be: 431 request.headers_too_large', async () => {
      const res = await fetch(`${base}/api/v1/organisations?echo-marker=${'a'.repeat(20_000)}`);
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'request.headers_too_large', status: 431 });
      expect(text).not.toContain('echo-marker');
    });
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

    it('bodies over the size limit with a 413 that a client still sending the body reads (not a broken pipe)', async () => {
      const big = Buffer.alloc(8 * 1_048_576, 'x');
      const headers = { ...bearer(t.operatorKey), 'content-type': 'application/json' };
      // With Content-Length (refused before a byte is read) and chunked (refused once the limit is passed).
      const chunked = new ReadableStream({
        start(controller) {
          for (let at = 0; at < big.length; at += 65_536) controller.enqueue(big.subarray(at, at + 65_536));
          controller.close();
        },
      });
      for (const body of [big, chunked]) {
        const res = await fetch(`${base}/api/v1/organisations`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
        expect(res.status).toBe(413);
        expect(((await res.json()) as { code: string }).code).toBe('request.body_too_large');
      }
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
    // A database of its own on the server: another suite's write would empty the public-answer cache.
    // And a max age no slow machine reaches between the reads of these tests.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '5', PLAZA_PUBLIC_CACHE_MAX_AGE_MS: '60000' }, { ownDatabase: true });
    // Two reads of the budget's five put the checkpoint in the public-answer cache: the first signs it (which, as any
    // new checkpoint, empties the cache), the second is stored.
    await t.http.get('/api/v1/log/checkpoint').expect(200);
    await t.http.get('/api/v1/log/checkpoint').expect(200);
  });
  afterAll(() => t.close());

  // A route outside the public-answer cache: cached public reads are answered before the limiter (below).
  const limited = '/.well-known/delivery-jwks.json';

  it('answers 429 with a problem and Retry-After once a client exceeds its limit', async () => {
    for (let i = 0; i < 3; i++) await t.http.get(limited).expect(200);
    const res = await t.http.get(limited).expect(429);
    expect(res.body).toMatchObject({ code: 'request.rate_limited', status: 429 });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts by client address, so a made-up key prefix neither dodges the limit nor spends a key holder\'s budget', async () => {
    const res = await t.http.get(limited).set('authorization', 'Bearer plz_aaaaaaaa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx').expect(429);
    expect(res.body.code).toBe('request.rate_limited');
  });

  it('still answers a public read from the cache once the limit is spent (it costs less than a refusal), but not one it must render', async () => {
    await t.http.get(limited).expect(429);
    await t.http.get('/api/v1/log/checkpoint').expect(200);
    await t.http.get('/api/v1/log/entries?start=0').expect(429);
  });

  it("keeps answering a load balancer's probes, /health/live and /health/ready, once the limit is spent", async () => {
    await t.http.get(limited).expect(429);
    for (let i = 0; i < 5; i++) {
      await t.http.get('/health/live').expect(200);
      await t.http.get('/health/ready').expect(200);
    }
  });
});

describe('rate limiting behind a proxy', () => {
  // The client writes X-Forwarded-For; a proxy appends the address it saw. Only the entries trusted proxies added count.
  const rotating = (i: number) => `198.51.100.${i % 250}, 203.0.113.7`;

  for (const [form, trustProxy] of [['one hop', '1'], ['the proxy address', '127.0.0.1']] as const) {
    it(`counts the address the trusted proxy saw (${form}), so rotating the left-most X-Forwarded-For entry does not dodge the limit`, async () => {
      const t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '50', PLAZA_TRUST_PROXY: trustProxy });
      try {
        const statuses: number[] = [];
        // A cheap route (the key is in memory) outside the public-answer cache, which answers before the limiter.
        for (let i = 0; i < 120; i++) statuses.push((await t.http.get('/.well-known/delivery-jwks.json').set('x-forwarded-for', rotating(i))).status);
        expect(statuses.filter((status) => status === 200)).toHaveLength(50);
        expect(statuses.filter((status) => status === 429)).toHaveLength(70);
        // Another client behind the same proxy has its own budget.
        await t.http.get('/.well-known/delivery-jwks.json').set('x-forwarded-for', '203.0.113.8').expect(200);
      } finally {
        await t.close();
      }
    });
  }
});
