import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { signBatch } from '#plaza/dsse';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { type ExchangeScenario, readingText, registerScenario } from './support/exchange-scenario.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { describeOnServer, SHARED_LOG_KEY } from './support/test-app.js';
import { until } from './support/wait.js';

interface BatchAnswer {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { index: number; status: string; id?: string; sequence?: string; code?: string }[];
}

// A real crash and a real loss of the database: the built registry runs as its own process group (cluster mode,
// two workers). The crash is on a direct connection, so PostgreSQL sees the killed connections close as it would in
// production; the database loss goes through a proxy the suite can cut. Server database only.
describeOnServer('the exchange under faults: a killed registry, a lost database', () => {
  const operatorKey = generateApiKey().key;
  let dataDir: string;
  let proxy: TcpProxy;
  let registry: RegistryProcess;
  let db: pg.Client;
  let s: ExchangeScenario;

  const start = (databaseUrl = process.env.DATABASE_URL!) =>
    startRegistry({
      DATABASE_URL: databaseUrl,
      PLAZA_WORKERS: '2',
      PLAZA_DATA_DIR: dataDir,
      PLAZA_OPERATOR_KEY: operatorKey,
      PLAZA_LOG_LEVEL: 'info',
      PLAZA_DB_CONNECT_TIMEOUT_MS: '1000',
      PLAZA_RETRY_AFTER_SECONDS: '2',
      PLAZA_RATE_LIMIT_PER_MINUTE: '100000',
      PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
      // It publishes checkpoints on the database other suites share: with their key, or their browser checks would fail.
      PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY,
    });
  const proxiedUrl = () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.host = `127.0.0.1:${proxy.port}`;
    return url.toString();
  };
  /** Signed batches of 100 events each, ids `<prefix>-<batch>-<n>`. */
  const batches = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, b) => signBatch(`[${Array.from({ length: 100 }, (_, n) => readingText(s.source, `${prefix}-${b}-${n}`)).join(',')}]`, s.vendor.signingKey));
  const send = (body: Buffer) =>
    fetch(`${registry.url}/api/v1/exchange/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${s.vendor.apiKey}` },
      body: new Uint8Array(body),
    });
  /** How many rows the gateway holds for each event id of the suite's source with this prefix. */
  async function storedCounts(prefix: string): Promise<Map<string, number>> {
    const { rows } = await db.query('SELECT ce_id, count(*)::int AS n FROM exchange_events WHERE ce_source = $1 AND ce_id LIKE $2 GROUP BY ce_id', [s.source, `${prefix}-%`]);
    return new Map((rows as { ce_id: string; n: number }[]).map((r) => [r.ce_id, r.n]));
  }
  const workerPids = () => [...registry.log().matchAll(/"worker":(\d+),[^\n]*"msg":"worker serving"/g)].map((m) => Number(m[1]));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-faults-'));
    const server = new URL(process.env.DATABASE_URL!);
    proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    await proxy.start();
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    registry = await start();
    s = await registerScenario(registry.url, operatorKey, 'faults');
  }, 120_000);

  afterAll(async () => {
    await registry?.kill();
    await proxy?.cut();
    await db?.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves from two worker processes on one port', async () => {
    await until('two worker processes', () => new Set(workerPids()).size === 2, 30_000);
  });

  it('after a SIGKILL mid-load, keeps every acknowledged event exactly once, and takes the retry of the rest without duplicates', async () => {
    const bodies = batches('kill', 40);
    const answers: (BatchAnswer | null)[] = Array(bodies.length).fill(null);
    let next = 0;
    let acknowledged = 0;
    let killed: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < bodies.length) {
          const i = next++;
          try {
            const response = await send(bodies[i]!);
            if (response.status === 200) {
              answers[i] = (await response.json()) as BatchAnswer;
              acknowledged++;
            }
          } catch {
            // No answer: the client cannot know whether these events were stored.
          }
          // Three other requests are in flight when the fourth answer of the eighth arrives.
          if (acknowledged >= 8) killed ??= registry.kill();
        }
      }),
    );
    await killed;
    const acked = answers.flatMap((a) => (a ? a.results : []));
    expect(acked.every((r) => r.status === 'accepted')).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(800);
    const unacknowledged = answers.flatMap((a, i) => (a ? [] : [i]));
    expect(unacknowledged.length).toBeGreaterThan(0);

    registry = await start();
    const before = await storedCounts('kill');
    for (const r of acked) expect(before.get(r.id!)).toBe(1);
    expect([...before.values()].every((n) => n === 1)).toBe(true);

    // The same signed bytes again: what the crash committed unacknowledged is a duplicate, the rest is accepted.
    for (const i of unacknowledged) {
      const response = await send(bodies[i]!);
      expect(response.status).toBe(200);
      const answer = (await response.json()) as BatchAnswer;
      for (const r of answer.results) {
        const id = `kill-${i}-${r.index}`;
        expect([r.id, r.status]).toEqual([id, before.has(id) ? 'duplicate' : 'accepted']);
      }
    }
    const after = await storedCounts('kill');
    expect(after.size).toBe(40 * 100);
    expect([...after.values()].every((n) => n === 1)).toBe(true);

    // An acknowledged batch sent again is a duplicate of what was acknowledged, with the same sequences.
    const first = answers.findIndex((a) => a !== null);
    const again = (await (await send(bodies[first]!)).json()) as BatchAnswer;
    expect(again.results.map((r) => [r.status, r.sequence])).toEqual(answers[first]!.results.map((r) => ['duplicate', r.sequence]));
  }, 180_000);

  it('stops gracefully on SIGTERM: the workers finish and exit, then the primary exits 0', async () => {
    const pids = workerPids().slice(-2);
    const { code, signal } = await registry.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('answers 503 with Retry-After while the database is unreachable, never crashes, and resumes by itself', async () => {
    await registry.kill();
    registry = await start(proxiedUrl());
    const bodies = batches('cut', 200);
    const statuses: number[] = [];
    const retryLater: number[] = [];
    const socketErrors: string[] = [];
    let next = 0;
    let stop = false;
    let sample: { status: number; retryAfter: string | null; type: string | null; body: Record<string, unknown> } | undefined;
    const load = Promise.all(
      Array.from({ length: 2 }, async () => {
        while (!stop && next < bodies.length) {
          const i = next++;
          try {
            const response = await send(bodies[i]!);
            statuses.push(response.status);
            const body = (await response.json()) as Record<string, unknown>;
            if (response.status !== 200) {
              retryLater.push(i);
              sample ??= { status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type'), body };
            }
          } catch (error) {
            socketErrors.push((error as Error).message);
          }
          await sleep(50);
        }
      }),
    );

    await until('three answered batches', () => statuses.filter((c) => c === 200).length >= 3, 45_000);
    await proxy.cut();
    await until('a problem answered while the database is away', () => sample !== undefined, 45_000);
    expect(sample).toMatchObject({ status: 503, retryAfter: '2' });
    expect(sample!.type).toContain('application/problem+json');
    expect(sample!.body).toMatchObject({ status: 503, code: 'service.database_unavailable' });
    expect(JSON.stringify(sample!.body)).not.toMatch(/ECONNREFUSED|at .*\.js|SELECT|INSERT/);
    expect((await fetch(`${registry.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${registry.url}/health/ready`)).status).toBe(503);

    await proxy.start();
    const okBefore = statuses.filter((c) => c === 200).length;
    await until('a batch answered once the database is back', () => statuses.filter((c) => c === 200).length > okBefore, 60_000);
    stop = true;
    await load;

    // Only answers, and only these two: no worker died, no connection was reset.
    expect(socketErrors).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    expect(registry.log()).not.toContain('a worker died');
    expect(registry.child.exitCode).toBeNull();

    for (const i of retryLater) expect((await send(bodies[i]!)).status).toBe(200);
    const sent = Math.min(next, bodies.length) * 100;
    const stored = await storedCounts('cut');
    expect(stored.size).toBe(sent);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);
});
