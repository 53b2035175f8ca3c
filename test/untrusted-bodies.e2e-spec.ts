import { bearer, createOrganisation, organisationBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer);

/** The review's body: one JSON object of `members` members whose values are `{}` (85,000 make about 1 MB). */
const wideBody = (members: number) => `{${Array.from({ length: members }, (_, i) => `"m${i}":{}`).join(',')}}`;

/** An organisation's JSON text with `member` (raw JSON text) added to it. */
const organisationText = (slug: string, member: string) => JSON.stringify(organisationBody(slug, 'city')).replace(/}$/, `,${member}}`);

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

describe('untrusted JSON bodies', () => {
  let t: TestApp;
  let city: TestOrganisation;
  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('bodies-city'), 'city');
  });
  afterAll(() => t.close());

  const postJson = (path: string, text: string, key?: string) => {
    const call = t.http.post(path).set('content-type', 'application/json');
    return (key ? call.set(bearer(key)) : call).send(text);
  };

  describe('what the JSON reader refuses', () => {
    it('refuses JSON nested 5,000 deep with 400 request.too_deep and the pointer where it passes 64 levels, storing nothing', async () => {
      const slug = uniqueSlug('deep');
      const res = await postJson('/api/v1/organisations', organisationText(slug, `"deep":${'['.repeat(5000)}${']'.repeat(5000)}`), t.operatorKey).expect(400);
      expect(res.body).toMatchObject({ code: 'request.too_deep', status: 400 });
      expect(pointers(res.body)).toEqual([`#/deep${'/0'.repeat(63)}`]);
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
    });

    it('accepts nesting up to the limit: it reaches validation, which judges the fields', async () => {
      const res = await postJson('/api/v1/organisations', organisationText(uniqueSlug('deep-ok'), `"deep":${'['.repeat(63)}${']'.repeat(63)}`), t.operatorKey).expect(400);
      expect(res.body.code).not.toBe('request.too_deep');
    });

    it('refuses an unpaired surrogate in any text or member name with 400 request.invalid and its pointer, storing nothing', async () => {
      const slug = uniqueSlug('surrogate');
      const inName = await postJson('/api/v1/organisations', JSON.stringify(organisationBody(slug, 'city')).replace(`"Test city ${slug}"`, '"Ville \\ud800"'), t.operatorKey).expect(400);
      expect(inName.body.code).toBe('request.invalid');
      expect(pointers(inName.body)).toEqual(['#/name/en']);
      const lowAlone = await postJson('/api/v1/organisations', organisationText(slug, '"jurisdiction":"CA-\\udc00"'), t.operatorKey).expect(400);
      expect(pointers(lowAlone.body)).toEqual(['#/jurisdiction']);
      const asMemberName = await postJson('/api/v1/organisations', organisationText(slug, '"x\\ud83d":1'), t.operatorKey).expect(400);
      expect(pointers(asMemberName.body)).toEqual(['#/x\ud83d']);
      const member = await postJson(`/api/v1/organisations/${city.slug}/members`, '{"name":"a\\ud800b","email":"s@x.example","roles":["member"]}', city.adminKey).expect(400);
      expect(pointers(member.body)).toEqual(['#/name']);
      await t.http.get(`/api/v1/organisations/${slug}`).expect(404);
      // A pair, escaped or not, is text like any other.
      const paired = JSON.stringify(organisationBody(slug, 'city')).replace(`"Test city ${slug}"`, '"Ville \\ud83d\\ude00 😀"');
      await postJson('/api/v1/organisations', paired, t.operatorKey).expect(201);
    });

    it("refuses the review's 85,000-member body from an authorised caller at once: 400 request.too_many_members, over 1,000 in one object", async () => {
      const { result, ms } = await timed(() => postJson('/api/v1/organisations', wideBody(85_000), t.operatorKey));
      expect(result.status).toBe(400);
      expect(result.body.code).toBe('request.too_many_members');
      expect(pointers(result.body)).toEqual(['#']);
      expect(ms).toBeLessThan(5_000);
      const nested = await postJson('/api/v1/organisations', organisationText(uniqueSlug('wide'), `"wide":${wideBody(1_001)}`), t.operatorKey).expect(400);
      expect(pointers(nested.body)).toEqual(['#/wide']);
    });
  });

  describe('routes that need a key refuse callers without one before reading the body', () => {
    it('answers the 85,000-member body sent with no key with 401 at once, while /health/live stays responsive', async () => {
      const flood = Array.from({ length: 4 }, () => timed(() => postJson('/api/v1/organisations', wideBody(85_000))));
      const live = await timed(() => t.http.get('/health/live'));
      expect(live.result.status).toBe(200);
      for (const { result, ms } of await Promise.all(flood)) {
        expect(result.status).toBe(401);
        expect(result.body.code).toBe('auth.unauthenticated');
        expect(ms).toBeLessThan(5_000);
      }
      expect(live.ms).toBeLessThan(5_000);
    });

    it('never parses the body: malformed JSON gets 401, not 400; a body over the limit gets 401, not 413', async () => {
      const malformed = await postJson('/api/v1/organisations', '{"slug": nope').expect(401);
      expect(malformed.body.code).toBe('auth.unauthenticated');
      const badKey = await postJson('/api/v1/organisations', '{"slug": nope', 'plz_notakey_0000000000000000000000').expect(401);
      expect(badKey.body.code).toBe('auth.invalid_key');
      const oversized = await postJson('/api/v1/organisations', `{"a":"${'x'.repeat(t.config.bodyLimitBytes + 10)}"}`).expect(401);
      expect(oversized.body.code).toBe('auth.unauthenticated');
      // With a key, the same bodies are read and refused for what they are.
      expect((await postJson('/api/v1/organisations', '{"slug": nope', t.operatorKey).expect(400)).body.code).toBe('request.malformed_json');
    });

    it('answers a path no route matches with 404 before reading its body', async () => {
      const malformed = await postJson('/api/v1/no-such-route', '{"a": 1, "a": 2}').expect(404);
      expect(malformed.body.code).toBe('request.route_not_found');
      const oversized = await postJson('/api/v1/no-such-route', `{"a":"${'x'.repeat(t.config.bodyLimitBytes + 10)}"}`).expect(404);
      expect(oversized.body.code).toBe('request.route_not_found');
    });

    it('does the same on the exchange, which would otherwise read up to 4 MB before authenticating', async () => {
      for (const path of ['/api/v1/exchange/events', '/api/v1/exchange/events/dry-run']) {
        const malformed = await t.http.post(path).set('content-type', 'application/cloudevents+json').send('{"id": nope').expect(401);
        expect(malformed.body.code).toBe('auth.unauthenticated');
      }
      const oversized = await t.http.post('/api/v1/exchange/events').set('content-type', 'application/cloudevents+json').send(Buffer.alloc(t.config.exchangeBodyLimitBytes + 10, 0x20)).expect(401);
      expect(oversized.body.code).toBe('auth.unauthenticated');
      // With a key the exchange reads the body and refuses what is in it.
      const read = await t.http.post('/api/v1/exchange/events').set(bearer(city.adminKey)).set('content-type', 'application/cloudevents+json').send('{"id": nope').expect(422);
      expect(read.body.code).toBe('exchange.body_unreadable');
    });

    it('still serves public routes to callers with no key, and refuses a bad key on them', async () => {
      await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200);
      expect((await t.http.get(`/api/v1/organisations/${city.slug}`).set(bearer('plz_notakey_0000000000000000000000')).expect(401)).body.code).toBe('auth.invalid_key');
    });
  });
});
