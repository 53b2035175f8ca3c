import { networkInterfaces } from 'node:os';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { bearer } from './support/fixtures.js';
import { BATCH, exchangeScenario, type ExchangeScenario, nowSeconds, post, reading, STRUCTURED, signed, signedBatch } from './support/exchange-fixtures.js';
import { type Sample, samples, total } from './support/prometheus-text.js';
import { freePort, startRegistry } from './support/registry-process.js';
import { describeOnServer, SHARED_LOG_KEY, startTestApp, type TestApp } from './support/test-app.js';

const TOKEN = 'metrics-token-for-the-suite-0123456789abcdef';

describe('metrics (/metrics, Prometheus text)', () => {
  describe('on the registry port, with PLAZA_METRICS_TOKEN', () => {
    let t: TestApp;
    let s: ExchangeScenario;
    beforeAll(async () => {
      t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_METRICS_TOKEN: TOKEN });
      s = await exchangeScenario(t);
    }, 120_000);
    afterAll(() => t.close());

    const scrape = async () => {
      const res = await t.http.get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return { text: res.text, all: samples(res.text) };
    };

    it('answers as an unknown route does without the token, or with another', async () => {
      const unknown = await t.http.get('/no-such-route').expect(404);
      for (const headers of [{}, { authorization: 'Bearer not-the-token' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
        const res = await t.http.get('/metrics').set(headers).expect(404);
        expect(res.body.code).toBe(unknown.body.code);
        expect(res.body.code).toBe('request.route_not_found');
      }
    });

    it('counts every accepted and refused event by mode and code, and the group commits and their phases, after a run of events', async () => {
      const before = (await scrape()).all;
      const once = reading(s.source, 'm-1', { time: nowSeconds() });
      await post(t, s.vendor.adminKey, STRUCTURED, signed(once, s.vendorKey)).expect(201);
      await post(t, s.vendor.adminKey, STRUCTURED, signed(once, s.vendorKey)).expect(200);
      const batch = await post(t, s.vendor.adminKey, BATCH, signedBatch([reading(s.source, 'm-2'), reading(`${s.source}:nowhere`, 'm-3'), reading(s.source, 'm-4'), reading(`${s.source}:elsewhere`, 'm-5')], s.vendorKey)).expect(200);
      expect(batch.body).toMatchObject({ accepted: 2, rejected: 2 });
      expect((await post(t, s.vendor.adminKey, STRUCTURED, '{"not": "an envelope"')).status).toBeGreaterThanOrEqual(400);
      // A batch refused whole while it is read counts too.
      expect((await post(t, s.vendor.adminKey, BATCH, '[]').expect(422)).body.code).toBe('exchange.batch_empty');
      const after = (await scrape()).all;

      const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
      expect(delta('plaza_exchange_events_settled_total', { mode: 'structured', status: 'accepted' })).toBe(1);
      expect(delta('plaza_exchange_events_settled_total', { mode: 'structured', status: 'duplicate' })).toBe(1);
      expect(delta('plaza_exchange_events_settled_total', { mode: 'batch', status: 'accepted' })).toBe(2);
      expect(delta('plaza_exchange_events_refused_total', { mode: 'batch', code: 'exchange.source_unknown' })).toBe(2);
      expect(delta('plaza_exchange_events_refused_total', { mode: 'batch', code: 'exchange.batch_empty' })).toBe(1);
      const refusedStructured = after.filter((x) => x.name === 'plaza_exchange_events_refused_total' && x.labels.mode === 'structured');
      expect(refusedStructured.reduce((sum, x) => sum + x.value, 0) - total(before, 'plaza_exchange_events_refused_total', { mode: 'structured' })).toBe(1);
      expect(refusedStructured.every((x) => /^exchange\.[a-z_]+$/.test(x.labels.code!))).toBe(true);
      // Every request that reached the group commit was in a group, and every group took some time.
      expect(delta('plaza_exchange_group_requests_count', {})).toBeGreaterThanOrEqual(1);
      expect(delta('plaza_exchange_group_requests_sum', {})).toBeGreaterThanOrEqual(3);
      expect(delta('plaza_exchange_group_commit_seconds_count', {})).toBe(delta('plaza_exchange_group_requests_count', {}));
      // Each of those groups committed, so each went through every phase once, all of them within the group's time.
      const phases = ['quota', 'begin', 'lock', 'judge', 'store', 'commit'];
      for (const phase of phases) expect(delta('plaza_exchange_group_phase_seconds_count', { phase })).toBe(delta('plaza_exchange_group_requests_count', {}));
      const phaseSeconds = phases.reduce((sum, phase) => sum + delta('plaza_exchange_group_phase_seconds_sum', { phase }), 0);
      expect(phaseSeconds).toBeGreaterThan(0);
      expect(phaseSeconds).toBeLessThanOrEqual(delta('plaza_exchange_group_commit_seconds_sum', {}) + 1e-6);
      // The refused events' own labels name nothing of the caller's.
      const text = (await scrape()).text;
      for (const secret of [s.source, s.sourceId, s.vendor.slug, s.city.slug, 'm-3']) expect(text).not.toContain(secret);
    });

    it('times requests by route template and status class, never by URL', async () => {
      await t.http.get(`/api/v1/sources/${s.sourceId}`).expect(200);
      await t.http.get(`/api/v1/sources/${s.sourceId}`).expect(200);
      await t.http.get('/api/v1/sources/00000000-0000-4000-8000-000000000000').expect(404);
      await t.http.get('/no-such-route?key=secret').expect(404);
      const { text, all } = await scrape();
      const byRoute = (route: string, status: string) => total(all, 'plaza_http_request_duration_seconds_count', { method: 'GET', route, status_class: status });
      expect(byRoute('/api/v1/sources/:id', '2xx')).toBeGreaterThanOrEqual(2);
      expect(byRoute('/api/v1/sources/:id', '4xx')).toBeGreaterThanOrEqual(1);
      expect(byRoute('(unmatched)', '4xx')).toBeGreaterThanOrEqual(1);
      expect(total(all, 'plaza_http_request_duration_seconds_bucket', { route: '/api/v1/sources/:id', status_class: '2xx', le: '+Inf' })).toBe(byRoute('/api/v1/sources/:id', '2xx'));
      expect(text).not.toContain(s.sourceId);
      expect(text).not.toContain('secret');
      expect(text).not.toContain('no-such-route');
      // The second anonymous read of the source was answered from memory.
      expect(total(all, 'plaza_public_cache_requests_total', { route: '/api/v1/sources/:id', result: 'hit' })).toBeGreaterThanOrEqual(1);
      expect(total(all, 'plaza_public_cache_requests_total', { route: '/api/v1/sources/:id', result: 'miss' })).toBeGreaterThanOrEqual(1);
    });

    it("reports the log's size, its checkpoint's age, the database pool, delivery and the process", async () => {
      await t.http.get('/api/v1/log/checkpoint').expect(200);
      const { all } = await scrape();
      const [head] = (await t.app.get(DataSource).query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
      expect(total(all, 'plaza_log_size')).toBe(Number(head!.size));
      const age = all.find((x) => x.name === 'plaza_log_checkpoint_age_seconds');
      expect(age?.value).toBeGreaterThanOrEqual(0);
      expect(age?.value).toBeLessThan(3_600);
      // The scrape itself holds no connection: every connection the pool opened is idle or serving someone else.
      expect(total(all, 'plaza_db_pool_connections', { state: 'idle' }) + total(all, 'plaza_db_pool_connections', { state: 'busy' })).toBeGreaterThanOrEqual(1);
      expect(all.some((x) => x.name === 'plaza_db_pool_waiting')).toBe(true);
      expect(all.filter((x) => x.name === 'plaza_delivery_subscriptions').map((x) => x.labels.state).sort()).toEqual(['active', 'ended', 'failing', 'paused', 'validating']);
      expect(total(all, 'plaza_delivery_lag_seconds')).toBe(0);
      expect(total(all, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(all.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    });

    it('is off the public rate limit', async () => {
      const limited = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '2', PLAZA_METRICS_TOKEN: TOKEN });
      try {
        for (let i = 0; i < 4; i++) await limited.http.get('/metrics').set(bearer(TOKEN)).expect(200);
        // A key holder's read, which no cache answers, is counted.
        const read = () => limited.http.get('/api/v1/sources').set(bearer(limited.operatorKey));
        await read().expect(200);
        await read().expect(200);
        await read().expect(429);
        await limited.http.get('/metrics').set(bearer(TOKEN)).expect(200);
      } finally {
        await limited.close();
      }
    }, 120_000);
  });

  describe('on PLAZA_METRICS_PORT, bound to 127.0.0.1', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      t = await startTestApp({ PLAZA_METRICS_PORT: String(port) });
    }, 120_000);
    afterAll(() => t.close());

    it('answers /metrics on the loopback address, and nothing else there', async () => {
      await t.http.get('/api/v1/sources').expect(200);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const all = samples(await res.text());
      expect(total(all, 'plaza_http_request_duration_seconds_count', { route: '/api/v1/sources', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
      expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
      // Not on the registry's own port: there, without a token, it is an unknown route.
      await t.http.get('/metrics').expect(404);
      // Nor on any other address of this machine.
      const external = Object.values(networkInterfaces()).flat().find((address) => address?.family === 'IPv4' && !address.internal);
      if (external) await expect(fetch(`http://${external.address}:${port}/metrics`)).rejects.toThrow();
    });
  });

  describeOnServer('in cluster mode (PLAZA_WORKERS=2, the built registry)', () => {
    it("serves every worker's metrics added up on the primary's metrics port, and the log's size once", async () => {
      const metricsPort = await freePort();
      const registry = await startRegistry({ PLAZA_WORKERS: '2', PLAZA_METRICS_PORT: String(metricsPort), PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY, PLAZA_LOG_LEVEL: 'warn' }, undefined, 180_000);
      try {
        const scrape = async () => samples(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
        const count = (all: Sample[]) => total(all, 'plaza_http_request_duration_seconds_count', { route: '/api/v1/sources', status_class: '2xx' });
        const before = count(await scrape());
        // New connections each time, so the primary hands them to both workers.
        for (let i = 0; i < 10; i++) expect((await fetch(`${registry.url}/api/v1/sources`, { headers: { connection: 'close' } })).status).toBe(200);
        const all = await scrape();
        expect(count(all) - before).toBe(10);
        // Each worker reads the one journal: the primary keeps one value, not their sum.
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query<{ size: string }>('SELECT size FROM journal_head WHERE id = 1');
          expect(total(all, 'plaza_log_size')).toBe(Number(rows[0]!.size));
        } finally {
          await client.end();
        }
      } finally {
        await registry.stop();
      }
    }, 300_000);
  });
});
