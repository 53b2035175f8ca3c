import { bearer, organisationBody } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

describe('request logs', () => {
  const lines: string[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_LOG_LEVEL: 'info' }, { logDestination: { write: (line: string) => void lines.push(line) } });
  });
  afterAll(() => t.close());

  const linesOf = (requestId: string) => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === requestId);

  it('name the route pattern, method, status, request id and duration of a request, never its query values', async () => {
    const res = await t.http.get('/api/v1/sources?near=-73.5,45.5&radius=800').set('x-request-id', 'near-me-request-1');
    expect(linesOf('near-me-request-1')).toEqual([
      expect.objectContaining({ method: 'GET', route: '/api/v1/sources', status: res.status, durationMs: expect.any(Number), msg: 'request completed' }),
    ]);
    expect(lines.join('')).not.toMatch(/73\.5|45\.5|near=|radius/);
  });

  it('name a route by its pattern, not by the identifiers in its path', async () => {
    const slug = uniqueSlug('logged-slug');
    await t.http.get(`/api/v1/organisations/${slug}`).set('x-request-id', 'path-request-1').expect(404);
    expect(linesOf('path-request-1')).toEqual([expect.objectContaining({ route: '/api/v1/organisations/:slug', status: 404 })]);
    expect(lines.join('')).not.toContain(slug);
  });

  it('never carry body values, of a request accepted or refused', async () => {
    const slug = uniqueSlug('logged-body');
    const body = organisationBody(slug, 'city', { privacyContact: { name: { en: 'Resident secret', fr: 'Secret du résident' }, email: 'resident.secret@example.org' } });
    await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).set('x-request-id', 'body-request-1').send(body).expect(201);
    await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).set('x-request-id', 'body-request-2').send({ ...body, slug: 'Not A Slug resident.secret' }).expect(400);
    expect(linesOf('body-request-1')).toEqual([expect.objectContaining({ route: '/api/v1/organisations', status: 201 })]);
    expect(linesOf('body-request-2')).toEqual([expect.objectContaining({ route: '/api/v1/organisations', status: 400 })]);
    expect(lines.join('')).not.toMatch(/resident\.secret|Resident secret|logged-body/);
  });

  it('name no URL for a request that reached no route', async () => {
    await t.http.get('/api/v1/no-such-route/resident-home?near=-73.5,45.5').set('x-request-id', 'unrouted-request-1').expect(404);
    await t.http.get('/api/v1/organisations/%E0%A4%A-resident-home').set('x-request-id', 'unrouted-request-2').expect(400);
    expect(linesOf('unrouted-request-1')).toEqual([expect.objectContaining({ route: null, status: 404 })]);
    expect(linesOf('unrouted-request-2')).toEqual([expect.objectContaining({ route: null, status: 400 })]);
    expect(lines.join('')).not.toMatch(/resident-home|73\.5/);
  });
});
