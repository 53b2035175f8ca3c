import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/test-app.js';

const standardsDir = resolve(import.meta.dirname, '../standards');

describe('the standards catalogue', () => {
  let t: TestApp;
  const leftovers: string[] = [];
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
  });

  it('imports the standards folder at start and lists it publicly', async () => {
    const res = await t.http.get('/api/v1/standards?limit=100').expect(200);
    const ids = res.body.items.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['air-quality-observation', 'noise-level-observation', 'parking-occupancy', 'traffic-flow-observation']));
    const air = res.body.items.find((s: { id: string }) => s.id === 'air-quality-observation');
    expect(air.title).toEqual({ en: expect.any(String), fr: expect.any(String) });
    expect(air.journalIndex).toEqual(expect.any(Number));
  });

  it('finds standards by free text in either language', async () => {
    const res = await t.http.get('/api/v1/standards?q=stationnement').expect(200);
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual(['parking-occupancy']);
  });

  it('shows a standard with its versions, and a version with its schema and examples', async () => {
    const standard = (await t.http.get('/api/v1/standards/noise-level-observation').expect(200)).body;
    // Other suites may publish later versions on a shared server database; the baseline comes first.
    expect(standard.versions.slice(0, 2).map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(standard.versions[0]).toMatchObject({ status: 'published', origin: 'baseline', schemaPath: '/standards/noise-level-observation/1.0.0/schema.json' });
    const version = (await t.http.get('/api/v1/standards/noise-level-observation/versions/1.1.0').expect(200)).body;
    expect(version.schema.$id).toBe(version.schemaUri);
    expect(Object.keys(version.examples).some((name) => name.startsWith('valid-'))).toBe(true);
    expect(Object.keys(version.examples).some((name) => name.startsWith('invalid-'))).toBe(true);
  });

  it('serves each schema at the path of its canonical $id, exactly as in the folder, with an ETag', async () => {
    const file = JSON.parse(readFileSync(join(standardsDir, 'parking-occupancy/1.1.0/schema.json'), 'utf8'));
    const res = await t.http.get('/standards/parking-occupancy/1.1.0/schema.json').expect(200);
    expect(res.headers['content-type']).toContain('application/schema+json');
    expect(res.headers['cache-control']).toContain('immutable');
    expect(JSON.parse(res.text)).toEqual(file);
    expect(new URL(file.$id).pathname).toBe('/standards/parking-occupancy/1.1.0/schema.json');
    await t.http.get('/standards/parking-occupancy/1.1.0/schema.json').set('if-none-match', res.headers.etag!).expect(304);
  });

  it('answers unknown standards and versions with 404 problems', async () => {
    expect((await t.http.get('/api/v1/standards/no-such-standard').expect(404)).body.code).toBe('standard.not_found');
    expect((await t.http.get('/standards/parking-occupancy/9.9.9/schema.json').expect(404)).body.code).toBe('standard.version_not_found');
  });

  it('imports idempotently: another start on the same database publishes nothing again', async () => {
    // Baseline publications, counted per version (proposals of other suites may publish more versions meanwhile).
    const published = async (app: TestApp) =>
      (await app.app.get(DataSource).query(
        "SELECT v.version, v.standard_id, count(j.index)::int AS n FROM standard_versions v JOIN journal_entries j ON j.subject_id = v.id::text AND j.action = 'standard-version.published' WHERE v.origin = 'baseline' GROUP BY 1, 2 ORDER BY 2, 1",
      )) as { n: number }[];
    const before = await published(t);
    expect(before).toHaveLength(8);
    expect(before.every((row) => row.n === 1)).toBe(true);
    // Embedded: stop the registry and start another on the same data folder. Server: start a second instance.
    const first = t;
    if (!first.onServer) await first.app.close();
    t = await startTestApp(first.onServer ? {} : { PLAZA_DATA_DIR: first.config.dataDir });
    expect(await published(t)).toEqual(before);
    if (first.onServer) await first.close();
    else leftovers.push(first.config.dataDir);
  });

  it('refuses to start when a published version file has changed, naming the file and the version', async () => {
    const changed = mkdtempSync(join(tmpdir(), 'plaza-std-changed-'));
    cpSync(standardsDir, changed, { recursive: true });
    const file = join(changed, 'noise-level-observation/1.0.0/schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8'));
    schema.description = `${schema.description ?? ''} (edited)`;
    writeFileSync(file, JSON.stringify(schema, null, 2));
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-std-'));
    const first = await startTestApp({ PLAZA_DATA_DIR: dataDir });
    await first.close();
    await expect(startTestApp({ PLAZA_DATA_DIR: dataDir, PLAZA_STANDARDS_DIR: changed })).rejects.toThrow(
      /noise-level-observation\/1\.0\.0\/schema\.json: version 1\.0\.0 of noise-level-observation is published and immutable/,
    );
    rmSync(changed, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });
});
