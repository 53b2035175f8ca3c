import { DataSource } from 'typeorm';
import { bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * An unexpected database error is logged by its class, SQLSTATE, constraint and request id: never the query, its
 * parameters, the row ("Failing row contains (...)") or anything a member typed. The suite forces one with a CHECK
 * constraint of its own, so it runs on a database of its own.
 */
describe('the log of an unexpected database error', () => {
  let t: TestApp;
  let city: TestOrganisation;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_LOG_LEVEL: 'info' }, { ownDatabase: true, logDestination: { write: (line: string) => void lines.push(line) } });
    city = await createOrganisation(t, uniqueSlug('logs-city'), 'city');
    await t.app.get(DataSource).query("ALTER TABLE privacy_records ADD CONSTRAINT forced_failure CHECK (internal_detail NOT LIKE '%forced-failure%') NOT VALID");
  });
  afterAll(() => t?.close());

  it('names the error class, code, constraint and request id, and holds no row contents, parameters or query text', async () => {
    const source = await createSource(t, city.adminKey, `urn:plaza:logs:${uniqueSlug('s')}`);
    const record = (await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([source.id], { title: { en: 'Counting cameras on Rue Jarry', fr: 'Caméras rue Jarry' } })).expect(201)).body;
    const secret = 'Resident Jeanne Roe, 4821 rue Jarry, forced-failure';
    lines.length = 0;

    const res = await t.http.patch(`/api/v1/privacy-records/${record.id}`).set(bearer(city.adminKey)).send({ internalDetail: secret }).expect(500);

    expect(res.body).toMatchObject({ code: 'service.internal' });
    const log = lines.join('');
    for (const leak of ['Jeanne Roe', 'rue Jarry', 'Rue Jarry', 'Failing row', 'UPDATE', 'privacy_records', record.id]) expect({ leak, found: log.includes(leak) }).toEqual({ leak, found: false });
    const entry = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'unexpected error');
    expect(entry).toMatchObject({ requestId: res.body.requestId, error: { errorClass: 'QueryFailedError', code: '23514', constraint: 'forced_failure' } });
    expect(JSON.stringify(res.body)).not.toMatch(/Jeanne|Failing row|forced_failure/);
  });
});
