import { startTestApp, type TestApp } from './support/test-app.js';

interface Schema {
  $ref?: string;
  type?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: string[];
  deprecated?: boolean;
}

/** The OpenAPI document says what the routes really serve, and builds without a warning. */
describe('the OpenAPI document', () => {
  let t: TestApp;
  const lines: string[] = [];
  let spec: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>; components: { schemas: Record<string, Schema> } };
  const resolve = (schema: Schema): Schema => (schema.$ref ? resolve(spec.components.schemas[schema.$ref.split('/').pop()!]!) : schema);

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_LOG_LEVEL: 'warn' }, { logDestination: { write: (line: string) => void lines.push(line) } });
    spec = (await t.http.get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(() => t?.close());

  it('is built with no duplicate-DTO warning: no two schemas share a name', () => {
    expect(lines.filter((line) => /Duplicate DTO/i.test(line))).toEqual([]);
  });

  it.each(['/.well-known/jwks.json', '/api/v1/organisations/{slug}/jwks.json'])('describes %s as a JWK Set: an object whose keys are public JWKs', (path) => {
    const schema = resolve(spec.paths[path]!.get!.responses['200']!.content!['application/json']!.schema);
    expect(schema.required).toContain('keys');
    const keys = schema.properties!.keys!;
    expect(keys.type).toBe('array');
    const jwk = resolve(keys.items!);
    expect(jwk.type).toBe('object');
    expect(jwk.required).toEqual(expect.arrayContaining(['kty', 'crv', 'x', 'kid', 'alg', 'use']));
    expect(jwk.properties!.kty!.enum).toEqual(['OKP', 'EC']);
  });

  it('describes every jwks.json route the app serves', () => {
    expect(Object.keys(spec.paths).filter((path) => path.endsWith('jwks.json')).sort()).toEqual(['/.well-known/delivery-jwks.json', '/.well-known/jwks.json', '/api/v1/organisations/{slug}/jwks.json']);
  });

  it('serves structured events as objects beside their bytes, and marks the old text form deprecated', () => {
    const served = spec.components.schemas.ServedEvent!.properties!;
    expect(served.cloudEvent!.type).toBe('object');
    expect(served.eventBase64!.type).toBe('string');
    expect(served.event!.deprecated).toBe(true);
    expect(served.cloudEvent!.deprecated).toBeUndefined();
  });

  it("answers privacy records with the request's sourceIds, and marks the old sources deprecated", () => {
    const record = spec.components.schemas.PrivacyRecordResponse!;
    expect(record.required).toEqual(expect.arrayContaining(['sourceIds', 'sources']));
    expect(record.properties!.sourceIds!.deprecated).toBeUndefined();
    expect(record.properties!.sources!.deprecated).toBe(true);
  });

  it('marks deprecated exactly the older routes kept working for today\'s callers', () => {
    const deprecated = Object.entries(spec.paths).flatMap(([path, operations]) =>
      Object.entries(operations).filter(([, operation]) => (operation as { deprecated?: boolean }).deprecated).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(deprecated.sort()).toEqual([
      'GET /api/v1/organisations/{slug}/agreements',
      'GET /api/v1/organisations/{slug}/agreements/{id}',
      'GET /api/v1/organisations/{slug}/agreements/{id}/versions/{n}/document',
    ]);
  });

  it('pages every list alike: items and nextCursor, limit and cursor, 1 to 100 a page, but for the exchange\'s bulk reads', () => {
    type Parameter = { name: string; in: string; schema?: { maximum?: number; default?: number } };
    const lists = Object.entries(spec.paths).flatMap(([path, operations]) => {
      const get = operations.get as { parameters?: Parameter[]; responses: Record<string, { content?: Record<string, { schema: Schema }> }> } | undefined;
      const schema = get?.responses['200']?.content?.['application/json']?.schema;
      const page = schema && resolve(schema);
      return page?.properties?.items && page.properties.nextCursor ? [{ path, page, query: new Map((get!.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}])) }] : [];
    });
    expect(lists.length).toBeGreaterThan(10);
    const bulk: Record<string, { maximum: number; default: number }> = { '/api/v1/exchange/events': { maximum: 1000, default: 100 }, '/api/v1/exchange/rejections': { maximum: 200, default: 50 } };
    for (const { path, page, query } of lists) {
      expect({ path, items: page.properties!.items!.type, cursor: query.has('cursor'), limit: { maximum: query.get('limit')?.maximum, default: query.get('limit')?.default } })
        .toEqual({ path, items: 'array', cursor: true, limit: bulk[path] ?? { maximum: 100, default: 20 } });
    }
  });

  it("matches what the registry's JWK Set really holds", async () => {
    const served = (await t.http.get('/.well-known/jwks.json').expect(200)).body as { keys: Record<string, unknown>[] };
    const jwk = resolve(resolve(spec.paths['/.well-known/jwks.json']!.get!.responses['200']!.content!['application/json']!.schema).properties!.keys!.items!);
    for (const key of served.keys) expect(Object.keys(key).every((member) => member in jwk.properties!)).toBe(true);
  });
});
