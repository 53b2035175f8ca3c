/**
 * Benchmark of the signed-event exchange over real HTTP, against a PostgreSQL server on this machine. Not part of
 * the test suite. Run: `npm run bench:exchange` (DATABASE_URL names the server, default
 * postgres://postgres@127.0.0.1:5432/; the benchmark creates a fresh database there, with synchronous_commit=on,
 * and drops it at the end; BENCH_KEEP=1 keeps it).
 *
 * It starts the built registry as a child process in cluster mode (PLAZA_WORKERS=auto unless BENCH_WORKERS says
 * otherwise), registers a city, a vendor, their signing keys, an active source and a signed agreement through the
 * API, pre-signs every event with libs/dsse (Ed25519), and then measures:
 * - batch mode: 100 events a request over several keep-alive connections, accepted events per second, and that
 *   every accepted event is stored (rows counted in the database);
 * - single-event mode, open loop: requests leave on a fixed schedule whatever the answers, latency is measured
 *   from the scheduled send time (so queueing counts); p50/p99 at 1,000 events/s, then rates stepped up to the
 *   highest one whose p99 stays under 50 ms;
 * - the ceiling: node:crypto Ed25519 verifications per second of the same events' signatures on every core
 *   (worker threads), and the ratio of batch throughput to it.
 * The load generator runs on the same machine and takes its share of the cores: the figures are for the whole box.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, type KeyObject, verify as cryptoVerify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { decodeMaterial, scanBatch, signBatch, signStructured } from '#plaza/dsse';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { type ExchangeScenario, readingText, registerScenario } from '../test/support/exchange-scenario.js';
import { startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
const BATCH_SIZE = 100;
const BATCH_EVENTS = Number(process.env.BENCH_BATCH_EVENTS ?? 60_000);
const WARMUP_EVENTS = Number(process.env.BENCH_WARMUP_EVENTS ?? 3_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '50,100,250,500,1000,1500,2000,2500,3000,4000,5000,6000,8000').split(',').map(Number);
const HEADLINE_RATE = 1_000;
const P99_TARGET_MS = 50;
const CEILING_SECONDS = Number(process.env.BENCH_CEILING_SECONDS ?? 3);
/** Run from dist/bench: the results go to the clone's bench/results. */
const RESULTS = resolve(import.meta.dirname, '..', '..', 'bench', 'results', 'exchange.json');

interface Answer {
  status: number;
  body: Buffer;
}

/** POSTs over keep-alive connections of `agent`. */
function post(agent: Agent, url: URL, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const perSecond = (n: number) => Math.round(n).toLocaleString('en');

// ---------------------------------------------------------------------------------------------
// Batch mode

async function batchPhase(s: ExchangeScenario, endpoint: URL, prefix: string, events: number, connections: number) {
  const bodies: Buffer[] = [];
  for (let start = 0; start < events; start += BATCH_SIZE) {
    const texts = [];
    for (let i = start; i < Math.min(events, start + BATCH_SIZE); i++) texts.push(readingText(s.source, `${prefix}-${i}`));
    bodies.push(signBatch(`[${texts.join(',')}]`, s.vendor.signingKey));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const headers = { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${s.vendor.apiKey}` };
  let next = 0;
  let accepted = 0;
  let other = 0;
  const problems = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < bodies.length) {
        const answer = await post(agent, endpoint, headers, bodies[next++]!);
        if (answer.status !== 200) {
          other += BATCH_SIZE;
          const problem = `HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 120)}`;
          problems.set(problem, (problems.get(problem) ?? 0) + 1);
          continue;
        }
        const result = JSON.parse(answer.body.toString('utf8')) as { accepted: number; results: { status: string; code?: string }[] };
        accepted += result.accepted;
        for (const r of result.results) {
          const problem = `${r.status} ${r.code ?? ''}`;
          if (r.status !== 'accepted') problems.set(problem, (problems.get(problem) ?? 0) + 1);
        }
        other += result.results.length - result.accepted;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { events, accepted, notAccepted: other, problems: Object.fromEntries(problems), seconds, eventsPerSecond: accepted / seconds, bodies };
}

// ---------------------------------------------------------------------------------------------
// Single-event mode, open loop

async function openLoop(s: ExchangeScenario, endpoint: URL, prefix: string, rate: number, seconds: number) {
  const n = Math.round(rate * seconds);
  const bodies: Buffer[] = [];
  for (let i = 0; i < n; i++) bodies.push(signStructured(readingText(s.source, `${prefix}-${i}`), s.vendor.signingKey));
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const headers = { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${s.vendor.apiKey}` };
  const latencies: number[] = [];
  let errors = 0;
  let lastDone = 0;
  const interval = 1000 / rate;
  const start = performance.now() + 20;
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((allSent) => {
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        inFlight.push(
          post(agent, endpoint, headers, bodies[sent]!).then(
            (answer) => {
              lastDone = performance.now();
              latencies.push(lastDone - scheduled);
              if (answer.status !== 201) errors++;
            },
            () => void errors++,
          ),
        );
        sent++;
      }
      if (sent < n) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else allSent();
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    offered: rate,
    seconds,
    requests: n,
    achieved: latencies.length / ((lastDone - start) / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// The ceiling: raw verifications on every core

interface Signed {
  message: Buffer;
  signature: Buffer;
}

/** The DSSE PAE bytes and raw signature of each event of the batches: exactly what the gateway must verify. */
function signedMessages(bodies: Buffer[], limit: number): Signed[] {
  const out: Signed[] = [];
  for (const body of bodies) {
    for (const event of scanBatch(body)) {
      const material = decodeMaterial(event.attributes.dssematerial);
      const type = Buffer.from(material.payloadType, 'utf8');
      const message = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${material.payload.length} `), material.payload]);
      out.push({ message, signature: Buffer.from(material.signatures[0]!.sig, 'base64') });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

async function ceiling(publicJwk: Record<string, unknown>, samples: Signed[], threads: number, seconds: number): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { publicJwk, samples: samples.map((s) => [s.message, s.signature]), seconds } });
      return new Promise<{ verified: number; elapsed: number }>((done, fail) => {
        worker.once('message', done);
        worker.once('error', fail);
      });
    }),
  );
  return counts.reduce((sum, c) => sum + c.verified / (c.elapsed / 1000), 0);
}

function verifyLoop(): void {
  const { publicJwk, samples, seconds } = workerData as { publicJwk: Record<string, unknown>; samples: [Uint8Array, Uint8Array][]; seconds: number };
  const key: KeyObject = createPublicKey({ key: publicJwk, format: 'jwk' });
  const started = performance.now();
  let verified = 0;
  while (performance.now() - started < seconds * 1000) {
    for (const [message, signature] of samples) {
      if (!cryptoVerify(null, message, key, signature)) throw new Error('a pre-signed event does not verify');
      verified++;
    }
  }
  parentPort!.postMessage({ verified, elapsed: performance.now() - started });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const database = await createScratchDatabase(SERVER, `plaza_bench_exchange_${process.pid}`, { synchronous_commit: 'on' });
  const url = database.url;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-exchange-'));
  const workers = process.env.BENCH_WORKERS ?? 'auto';
  const operatorKey = generateApiKey().key;
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  try {
    const settings = Object.fromEntries(
      ((await db.query(`SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections')`)).rows as { name: string; setting: string }[]).map((r) => [r.name, r.setting]),
    );
    if (settings.synchronous_commit !== 'on') throw new Error(`synchronous_commit is ${settings.synchronous_commit}, not on`);
    const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, postgres: settings };
    console.log(`PostgreSQL ${settings.server_version} (synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}), node ${process.version}, ${machine.cores} cores (${machine.cpu})`);

    registry = await startRegistry({
      DATABASE_URL: url,
      PLAZA_WORKERS: workers,
      PLAZA_DATA_DIR: dataDir,
      PLAZA_OPERATOR_KEY: operatorKey,
      PLAZA_LOG_LEVEL: 'warn',
      PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
      PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000000',
      PLAZA_DB_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '10',
      PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
    });
    const scenario = await registerScenario(registry.url, operatorKey);
    console.log(`registry ${registry.url} (PLAZA_WORKERS=${workers}); source ${scenario.source}, agreement ${scenario.agreementId}`);
    const endpoint = new URL('/api/v1/exchange/events', registry.url);

    const warmup = await batchPhase(scenario, endpoint, 'warmup', WARMUP_EVENTS, CONNECTIONS);
    const batch = await batchPhase(scenario, endpoint, 'batch', BATCH_EVENTS, CONNECTIONS);
    console.log(`batch: ${batch.accepted} accepted in ${batch.seconds.toFixed(2)} s${batch.notAccepted ? `, ${batch.notAccepted} not accepted: ${JSON.stringify(batch.problems)}` : ''}`);

    const steps: Awaited<ReturnType<typeof openLoop>>[] = [];
    for (const rate of RATES) {
      const step = await openLoop(scenario, endpoint, `single-${rate}`, rate, STEP_SECONDS);
      steps.push(step);
      console.log(`single, offered ${rate}/s: achieved ${perSecond(step.achieved)}/s, p50 ${ms(step.p50)} ms, p99 ${ms(step.p99)} ms, max ${ms(step.max)} ms, ${step.errors} errors`);
      if (rate >= HEADLINE_RATE && (step.p99 >= P99_TARGET_MS || step.errors > 0)) break;
    }
    const headline = steps.find((s) => s.offered === HEADLINE_RATE);
    const sustained = steps.filter((s) => s.p99 < P99_TARGET_MS && s.errors === 0).map((s) => s.offered);
    const highest = sustained.length > 0 ? Math.max(...sustained) : null;

    const expected = warmup.accepted + batch.accepted + steps.reduce((sum, s) => sum + s.requests - s.errors, 0);
    const stored = await storedEvents(db, scenario.source);

    const samples = signedMessages(batch.bodies, 2_000);
    const threads = availableParallelism();
    const verifications = await ceiling(scenario.vendor.jwk as Record<string, unknown>, samples, threads, CEILING_SECONDS);
    const ratio = batch.eventsPerSecond / verifications;

    const rows: [string, string][] = [
      ['batch mode, 100 events a request, ' + `${CONNECTIONS} connections`, `${perSecond(batch.eventsPerSecond)} events/s (${batch.accepted.toLocaleString('en')} events in ${batch.seconds.toFixed(2)} s)`],
      ['stored (rows counted) / accepted, whole run', `${stored.toLocaleString('en')} / ${expected.toLocaleString('en')}${stored === expected ? ' (all stored)' : ' (MISMATCH)'}`],
      [`single event, open loop at ${HEADLINE_RATE}/s`, headline ? `p50 ${ms(headline.p50)} ms, p99 ${ms(headline.p99)} ms (achieved ${perSecond(headline.achieved)}/s, ${headline.errors} errors)` : 'not run'],
      [`highest offered rate with p99 < ${P99_TARGET_MS} ms (steps ${RATES.join(', ')})`, highest === null ? 'none' : `${highest.toLocaleString('en')} events/s`],
      [`ceiling: node:crypto Ed25519 verifications, ${threads} threads`, `${perSecond(verifications)} /s`],
      ['batch throughput / ceiling', `${ratio.toFixed(2)}`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\n${'What'.padEnd(width)} | Figure\n${'-'.repeat(width)}-|-${'-'.repeat(40)}`);
    for (const [what, figure] of rows) console.log(`${what.padEnd(width)} | ${figure}`);

    const { bodies: _b, ...batchFigures } = batch;
    mkdirSync(resolve(RESULTS, '..'), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          machine,
          registry: { workers, poolSizePerWorker: Number(process.env.BENCH_POOL_SIZE ?? 10) },
          batch: { ...batchFigures, batchSize: BATCH_SIZE, connections: CONNECTIONS, warmupEvents: warmup.accepted },
          stored: { counted: stored, expected, allStored: stored === expected },
          single: { headline, highestRateWithP99Under50ms: highest, steps },
          ceiling: { keyType: 'Ed25519', threads, verificationsPerSecond: verifications },
          batchToCeilingRatio: ratio,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${RESULTS}`);
  } finally {
    if (registry) {
      const { code, signal } = await registry.stop();
      if (code !== 0) console.error(`the registry stopped with ${code ?? signal}:\n${registry.log().slice(-2000)}`);
    }
    await db.end();
    if (!process.env.BENCH_KEEP) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Rows the gateway stored for the source. */
async function storedEvents(db: pg.Client, source: string): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::bigint AS n FROM exchange_events WHERE ce_source = $1', [source]);
  return Number((rows[0] as { n: string }).n);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  verifyLoop();
}
