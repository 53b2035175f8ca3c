/**
 * How the journal assigns log indexes, measured: every registry write takes the one `journal_head` row lock at the
 * end of its transaction (see UnitOfWork), so writes are serialised on that lock for the length of its hold. This
 * benchmark measures what that costs: registry writes per second and their latency at 1, 10 and 50 concurrent
 * writers, each on its own organisation (so only the head lock is shared), through the real HTTP API of the built
 * registry on a PostgreSQL server (synchronous_commit on). It then repeats the 50-writer run while a slow reader holds
 * a REPEATABLE READ transaction open on the journal and another client pages the public log, to show that readers
 * never hold writers back. Finally it checks the log has no gap. Not part of the test suite.
 *
 * Run: `npm run bench:journal` (DATABASE_URL names the server, default postgres://postgres@127.0.0.1:5432/postgres;
 * a fresh database is created and dropped). Prints a table and writes bench/results/journal-writes.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = [1, 10, 50];
const repo = resolve(import.meta.dirname, '..').replace(/\/dist$/, '');

interface Run {
  what: string;
  writers: number;
  writes: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Of the database sessions busy with a write, sampled every 20 ms, the share waiting for a lock (the head's). */
  lockWaitShare: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

/** `writers` loops, each changing its own organisation as fast as the registry answers, for SECONDS. */
async function writeLoad(url: string, operator: string, slugs: string[], writers: number, what: string, sampler: pg.Client): Promise<Run> {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  let failures = 0;
  let busy = 0;
  let waiting = 0;
  const sampling = (async () => {
    while (performance.now() < until) {
      const { rows } = await sampler.query(
        `SELECT count(*) FILTER (WHERE state <> 'idle')::int AS busy, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      busy += (rows[0] as { busy: number }).busy;
      waiting += (rows[0] as { waiting: number }).waiting;
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  await Promise.all(
    slugs.slice(0, writers).map(async (slug) => {
      for (let n = 0; performance.now() < until; n++) {
        const started = performance.now();
        const res = await fetch(`${url}/api/v1/organisations/${slug}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ website: `https://${slug}.example/${n}` }),
        });
        await res.arrayBuffer();
        if (res.status === 200) latencies.push(performance.now() - started);
        else failures += 1;
      }
    }),
  );
  await sampling;
  if (failures > 0) throw new Error(`${failures} writes failed during "${what}"`);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    what, writers, writes: sorted.length, perSecond: sorted.length / SECONDS, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99),
    lockWaitShare: busy === 0 ? 0 : waiting / busy,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-journal-'));
  const operator = generateApiKey().key;
  const database = await createScratchDatabase(SERVER, `plaza_bench_journal_${process.pid}`);
  const reader = new pg.Client({ connectionString: database.url });
  const sampler = new pg.Client({ connectionString: database.url });
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  try {
    registry = await startRegistry({
      DATABASE_URL: database.url, PLAZA_DATA_DIR: dataDir, PLAZA_OPERATOR_KEY: operator, PLAZA_WORKERS: 'auto',
      PLAZA_LOG_LEVEL: 'warn', PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
    });
    const slugs = Array.from({ length: Math.max(...CONCURRENCY) }, (_, i) => `bench-journal-${i}`);
    for (const slug of slugs) {
      const res = await fetch(`${registry.url}/api/v1/organisations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          slug, kind: 'city', name: { en: `Bench city ${slug}`, fr: `Ville ${slug}` }, jurisdiction: 'CA-QC',
          privacyContact: { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${slug}.example` },
        }),
      });
      if (res.status !== 201) throw new Error(`could not create ${slug}: ${res.status} ${await res.text()}`);
    }
    await reader.connect();
    await sampler.connect();
    const [{ synchronous_commit: sync }] = (await reader.query('SHOW synchronous_commit')).rows as [{ synchronous_commit: string }];
    console.log(`PostgreSQL server, synchronous_commit=${sync}; node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); ${SECONDS} s per run`);

    const runs: Run[] = [];
    for (const writers of CONCURRENCY) runs.push(await writeLoad(registry.url, operator, slugs, writers, 'writes', sampler));

    // A slow reader: a transaction that read the journal and its head, then stays open for the whole run; and a
    // client paging the public log (what `plaza log verify` does) as fast as it can.
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query('SELECT count(*) FROM journal_entries');
    await reader.query('SELECT size FROM journal_head WHERE id = 1');
    let paging = true;
    let pages = 0;
    const pager = (async () => {
      while (paging) {
        const res = await fetch(`${registry.url}/api/v1/log/entries?start=0&end=1000`);
        await res.arrayBuffer();
        pages += 1;
      }
    })();
    runs.push(await writeLoad(registry.url, operator, slugs, Math.max(...CONCURRENCY), 'writes beside a slow reader and a log pager', sampler));
    paging = false;
    await pager;
    await reader.query('COMMIT');

    const [gaps] = (await reader.query('SELECT count(*)::bigint AS n, coalesce(max(index), -1) AS last, (SELECT size FROM journal_head) AS size FROM journal_entries')).rows as [
      { n: string; last: string; size: string },
    ];
    if (Number(gaps.n) !== Number(gaps.last) + 1 || Number(gaps.n) !== Number(gaps.size)) throw new Error(`the journal has a gap: ${JSON.stringify(gaps)}`);

    console.log(`\n${'run'.padEnd(46)}  writers  writes/s   p50 ms   p99 ms  waiting on a lock`);
    for (const r of runs) {
      const share = `${(r.lockWaitShare * 100).toFixed(0)}%`;
      console.log(`${r.what.padEnd(46)}  ${String(r.writers).padStart(7)}  ${r.perSecond.toFixed(0).padStart(8)}  ${r.p50Ms.toFixed(1).padStart(7)}  ${r.p99Ms.toFixed(1).padStart(7)}  ${share.padStart(17)}`);
    }
    console.log(`\nthe pager read ${pages} pages of 1000 entries meanwhile; ${gaps.n} entries, indexes 0..${gaps.last}, no gap`);
    mkdirSync(join(repo, 'bench/results'), { recursive: true });
    writeFileSync(join(repo, 'bench/results/journal-writes.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), seconds: SECONDS, runs, pagesRead: pages, entries: Number(gaps.n) }, null, 2)}\n`);
  } finally {
    await reader.end().catch(() => undefined);
    await sampler.end().catch(() => undefined);
    await registry?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();
