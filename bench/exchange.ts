/**
 * Benchmark of the signed-event exchange over real HTTP, against a PostgreSQL server on this machine. Not part of
 * the test suite. Run: `npm run bench:exchange` (DATABASE_URL names the server, default
 * postgres://postgres@127.0.0.1:5432/; the benchmark creates a fresh database there, with synchronous_commit=on,
 * and drops it at the end; BENCH_KEEP=1 keeps it). `npm run bench:exchange:10m` adds the run at 10^7 stored events.
 *
 * It starts the built registry as a child process in cluster mode (PLAZA_WORKERS=auto unless BENCH_WORKERS says
 * otherwise; PLAZA_EXCHANGE_GROUP_DELAY_MS and PLAZA_EXCHANGE_GROUP_MAX_EVENTS pass through to it), registers a city,
 * a vendor, their signing keys, an active source and a signed agreement through the API, pre-signs every event with
 * libs/dsse (Ed25519), and then measures, on the empty table:
 * - batch mode: 100 events a request over several keep-alive connections, accepted events per second, and that
 *   every accepted event is stored (rows counted in the database);
 * - single-event mode, open loop: requests leave on a fixed schedule whatever the answers, latency is measured
 *   from the scheduled send time (so queueing counts); rates stepped up until one at or above 1,000/s no longer
 *   keeps up: p50/p99 at 1,000/s, the saturation rate (the highest offered rate answered at >= 0.98 of it, all
 *   accepted, p99 <= 1 s) and the highest such rate whose p99 is at most 20 ms; for each step, in how many of its
 *   100-ms windows (by scheduled send time) the answers over 20 ms fell, and the workers' full garbage collections
 *   and longest event-loop delay meanwhile (prom-client's default metrics on the metrics port), and where the time went
 *   in the registry: an answered submission's mean time there and a group commit's mean time in each of its phases
 *   (quota, begin, lock, judge, store, commit: plaza_exchange_group_phase_seconds);
 * - for each phase, CPU per accepted event: node (the registry's primary and workers), PostgreSQL (every postgres
 *   process), the load generator and the rest of the machine, from /proc (cpu-meter.ts);
 * - the floor: GET /health/live, which asks nothing of the database or the exchange, on the same open loop at
 *   1,000/s: what any request costs this machine (HTTP, the framework, the load generator), beside an event's;
 * - the ceiling: node:crypto Ed25519 verifications per second of the same events' signatures on every core
 *   (worker threads), alone, and the ratio of batch throughput to it.
 * Then, each on its own registry start:
 * - BENCH_PRELOAD_EVENTS=N: N events loaded outside the measured part (bench/preload-events.ts), and batch and
 *   single events measured again, beside the empty table's figures;
 * - round trips to PostgreSQL per request, counted by a proxy between the registry and the server
 *   (pg-counting-proxy.ts) in a short pass of its own, since the proxy costs CPU: single events one at a time (each
 *   a group commit of its own) and batches. Not at 1,000/s: the proxy's own latency lets more requests wait for each
 *   group than without it (about 10 a group against 2). That rate's figure is a group's round trips divided by the
 *   requests a group held in the measured step, which every single-event step reads from the registry's metrics
 *   (plaza_exchange_group_requests, on PLAZA_METRICS_PORT);
 * - BENCH_RETENTION=1: events past a short-retention agreement's period loaded, then batch throughput measured
 *   without the retention job and with it running every second, and the rows it deleted meanwhile.
 * It prints one table with the targets beside the figures and writes everything to bench/results/exchange.json.
 * The load generator runs on the same machine and takes its share of the cores: the figures are for the whole box.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, type KeyObject, verify as cryptoVerify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { decodeMaterial, scanBatch } from '#plaza/dsse';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { loadConfig } from '../apps/registry/src/platform/config/config.js';
import { type ExchangeScenario, registerScenario } from '../test/support/exchange-scenario.js';
import { freePort, type RegistryProcess, startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { CLOCK_TICKS_PER_SECOND, type EventCpu } from './cpu-meter.js';
import { BATCH_SIZE, type BatchPhase, batchFigures, batchPhase, floorLoop, KEEPS_UP_P99_MS, KEEPS_UP_SHARE, inRegistryCell, sequentialSingles, type SingleSteps, singleSteps, slowCell, type Target } from './exchange-load.js';
import { type RoundTripCounts, startCountingProxy } from './pg-counting-proxy.js';
import { preloadEvents } from './preload-events.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
const BATCH_EVENTS = Number(process.env.BENCH_BATCH_EVENTS ?? 60_000);
const WARMUP_EVENTS = Number(process.env.BENCH_WARMUP_EVENTS ?? 3_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '50,100,250,500,1000,1500,2000,2500,3000,4000,5000,6000,8000').split(',').map(Number);
const CEILING_SECONDS = Number(process.env.BENCH_CEILING_SECONDS ?? 3);
const PRELOAD_EVENTS = Number(process.env.BENCH_PRELOAD_EVENTS ?? 0);
const RETENTION = process.env.BENCH_RETENTION === '1';
/** Events past their agreement's retention loaded before the retention pass. */
const RETENTION_EVENTS = Number(process.env.BENCH_RETENTION_EVENTS ?? 1_000_000);
/** The retention agreement's period: short, so the old events are past it and the ones sent meanwhile are not. */
const RETENTION_PERIOD = 'PT1H';
const RETENTION_PERIOD_MS = 3_600_000;
/** The round-trip pass: single events one at a time, and batches. */
const ROUND_TRIP_SINGLES = 200;
const ROUND_TRIP_BATCHES = 30;
/** How long the proxied registry is watched idle, to subtract its background queries (the log's checkpoints). */
const ROUND_TRIP_IDLE_SECONDS = 3;
/** Registry settings the benchmark passes through from its own environment, and reports. */
const PASSED_THROUGH = ['PLAZA_EXCHANGE_GROUP_DELAY_MS', 'PLAZA_EXCHANGE_GROUP_MAX_EVENTS', 'PLAZA_REGISTRY_CACHE_MAX_AGE_MS', 'PLAZA_RETENTION_BATCH_ROWS'];

const HEADLINE_RATE = 1_000;
/** A request that reads nothing: its open loop at the headline rate is the floor under any request's cost on this machine. */
const FLOOR_PATH = '/health/live';
/** The issue's targets. */
const TARGETS = { batchToCeiling: 0.6, p99AtHeadlineMs: 20, loadedToEmpty: 0.9 };

/** Run from dist/bench: the results go to the clone's bench/results. */
const RESULTS = resolve(import.meta.dirname, '..', '..', 'bench', 'results', 'exchange.json');

const log = (line: string) => console.log(line);
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`);
const count = (n: number) => Math.round(n).toLocaleString('en');
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

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
// Preloading (bench/preload-events.ts)

async function preload(databaseUrl: string, scenario: ExchangeScenario, events: number, receivedBefore?: Date): Promise<number> {
  const started = performance.now();
  await preloadEvents(databaseUrl, scenario, events, { ...(receivedBefore ? { receivedBefore } : {}), log: (line) => log(`preload: ${line}`) });
  const seconds = (performance.now() - started) / 1000;
  log(`preloaded ${count(events)} events in ${seconds.toFixed(1)} s`);
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// One measurement: batch mode and single events, with the rows counted

/** Rows the gateway stored for the source (by source_id, which every partition's feed index leads with). */
async function storedEvents(db: pg.Client, sourceId: string): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::bigint AS n FROM exchange_events WHERE source_id = $1', [sourceId]);
  return Number((rows[0] as { n: string }).n);
}

interface Measurement {
  warmup: BatchPhase;
  batch: BatchPhase;
  single: SingleSteps;
  stored: { counted: number; expected: number; allStored: boolean };
}

async function measure(label: string, s: ExchangeScenario, target: Target, db: pg.Client): Promise<Measurement> {
  const before = await storedEvents(db, s.sourceId);
  const warmup = await batchPhase(s, target, `${label}-warmup`, WARMUP_EVENTS, CONNECTIONS);
  const batch = await batchPhase(s, target, `${label}-batch`, BATCH_EVENTS, CONNECTIONS);
  log(`${label} batch: ${count(batch.accepted)} accepted in ${batch.seconds.toFixed(2)} s (${count(batch.eventsPerSecond)}/s)${batch.notAccepted ? `, ${batch.notAccepted} not accepted: ${JSON.stringify(batch.problems)}` : ''}`);
  const single = await singleSteps(s, target, `${label}-single`, RATES, STEP_SECONDS, HEADLINE_RATE, TARGETS.p99AtHeadlineMs, (line) => log(`${label} ${line}`));
  const expected = warmup.accepted + batch.accepted + single.steps.reduce((sum, step) => sum + step.requests - step.errors, 0);
  const counted = (await storedEvents(db, s.sourceId)) - before;
  return { warmup, batch, single, stored: { counted, expected, allStored: counted === expected } };
}

function measurementFigures(m: Measurement) {
  return {
    batch: { ...batchFigures(m.batch), batchSize: BATCH_SIZE, connections: CONNECTIONS, warmupEvents: m.warmup.accepted },
    stored: m.stored,
    single: {
      headline: m.single.headline,
      saturationRate: m.single.saturationRate,
      highestRateWithP99AtMost20ms: m.single.highestRateWithinP99Target,
      firstOverloaded: m.single.firstOverloaded,
      steps: m.single.steps,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Round trips: a registry of its own behind the counting proxy

interface RoundTripPass {
  requests: number;
  seconds: number;
  counts: RoundTripCounts;
  /** Round trips of the registry's background work (checkpoints) over the pass's length, subtracted. */
  background: number;
  perRequest: number;
}

/** Starts the registry with its metrics on a port of their own (the group commits' sizes are read there), and says where its load goes. */
async function startTarget(env: Record<string, string>): Promise<{ registry: RegistryProcess; target: Target }> {
  const metricsPort = await freePort();
  const registry = await startRegistry({ ...env, PLAZA_METRICS_PORT: String(metricsPort) });
  return {
    registry,
    target: { endpoint: new URL('/api/v1/exchange/events', registry.url), pid: registry.child.pid!, metrics: new URL(`http://127.0.0.1:${metricsPort}/metrics`) },
  };
}

async function countRoundTrips(s: ExchangeScenario, databaseUrl: string, start: (databaseUrl: string) => Promise<{ registry: RegistryProcess; target: Target }>) {
  const server = new URL(databaseUrl);
  const proxy = await startCountingProxy(server.hostname || '127.0.0.1', Number(server.port || 5432));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const { registry, target } = await start(proxied.toString());
  try {
    await batchPhase(s, target, 'round-trips-warmup', 10 * BATCH_SIZE, CONNECTIONS);
    await sequentialSingles(s, target, 'round-trips-warmup-single', 20);
    proxy.reset();
    await sleep(ROUND_TRIP_IDLE_SECONDS * 1000);
    const backgroundPerSecond = proxy.counts().roundTrips / ROUND_TRIP_IDLE_SECONDS;
    const pass = async (run: () => Promise<number>): Promise<RoundTripPass> => {
      proxy.reset();
      const started = performance.now();
      const requests = await run();
      const seconds = (performance.now() - started) / 1000;
      const counts = proxy.counts();
      const background = backgroundPerSecond * seconds;
      return { requests, seconds, counts, background, perRequest: Math.max(0, counts.roundTrips - background) / requests };
    };
    const singleAlone = await pass(async () => (await sequentialSingles(s, target, 'round-trips-single', ROUND_TRIP_SINGLES)).requests);
    const batch = await pass(async () => (await batchPhase(s, target, 'round-trips-batch', ROUND_TRIP_BATCHES * BATCH_SIZE, CONNECTIONS)).requests);
    log(`round trips a request: single alone ${fixed(singleAlone.perRequest)}, batch of ${BATCH_SIZE} ${fixed(batch.perRequest)} (background ${fixed(backgroundPerSecond, 1)}/s subtracted)`);
    return { backgroundPerSecond, singleAlone, batch, batchPerEvent: batch.perRequest / BATCH_SIZE };
  } finally {
    await registry.stop();
    await proxy.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The table

interface Row {
  what: string;
  figure: string;
  loaded?: string;
  ratio?: string;
  target: string;
}

const met = (ok: boolean) => (ok ? 'met' : 'not met');
const cpuCell = (cpu: EventCpu | undefined) =>
  cpu ? `${count(cpu.microsPerEvent.node)} / ${count(cpu.microsPerEvent.postgres)} / ${count(cpu.microsPerEvent.loadGenerator)} (${count(cpu.microsPerEvent.other)})` : 'not run';
const singleCell = (single: SingleSteps) => (single.headline ? `p50 ${ms(single.headline.p50)}, p99 ${ms(single.headline.p99)} (answered ${count(single.headline.achieved)}/s)` : 'not run');
const rateCell = (rate: number | null) => (rate === null ? 'none' : `${count(rate)}/s`);
const saturationCell = (single: SingleSteps) =>
  `${rateCell(single.saturationRate)}${single.firstOverloaded ? ` (at ${count(single.firstOverloaded.offered)}/s: ${count(single.firstOverloaded.achieved)}/s)` : ''}`;

function printTable(rows: Row[], loadedHeader: string | null): void {
  const header: Row = { what: 'What', figure: 'Figure', target: 'Target', ...(loadedHeader ? { loaded: loadedHeader, ratio: 'loaded / empty' } : {}) };
  const columns = (row: Row) => (loadedHeader ? [row.what, row.figure, row.loaded ?? '', row.ratio ?? '', row.target] : [row.what, row.figure, row.target]);
  const cells = [header, ...rows].map(columns);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(cells[0]!)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const c of cells.slice(1)) console.log(line(c));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const database = await createScratchDatabase(SERVER, `plaza_bench_exchange_${process.pid}`, { synchronous_commit: 'on' });
  const url = database.url;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-exchange-'));
  const workers = process.env.BENCH_WORKERS ?? 'auto';
  const poolSize = process.env.BENCH_POOL_SIZE ?? '10';
  const operatorKey = generateApiKey().key;
  const passedThrough = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  const registryEnv = (databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    PLAZA_WORKERS: workers,
    PLAZA_DATA_DIR: dataDir,
    PLAZA_OPERATOR_KEY: operatorKey,
    PLAZA_LOG_LEVEL: 'warn',
    PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
    PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000000',
    PLAZA_DB_POOL_SIZE: poolSize,
    PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
    PLAZA_RETENTION_INTERVAL_SECONDS: '0',
    ...passedThrough,
    ...extra,
  });
  let registry: RegistryProcess | undefined;
  let target: Target;
  const stopRegistry = async () => {
    const running = registry;
    registry = undefined;
    if (!running) return;
    const { code, signal } = await running.stop();
    if (code !== 0) console.error(`the registry stopped with ${code ?? signal}:\n${running.log().slice(-2000)}`);
  };
  try {
    const pgSettings = Object.fromEntries(
      ((await db.query(`SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'max_connections', 'wal_sync_method')`)).rows as { name: string; setting: string }[]).map((r) => [r.name, r.setting]),
    );
    const show = async (name: string) => ((await db.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name]!;
    const synchronousCommit = await show('synchronous_commit');
    const fsync = await show('fsync');
    if (synchronousCommit !== 'on') throw new Error(`synchronous_commit is ${synchronousCommit}, not on`);
    // The settings the registry runs with, read as it reads them.
    const config = loadConfig({ ...process.env, ...registryEnv(url) });
    const settings = {
      synchronousCommit,
      fsync,
      workers: config.workers,
      poolSizePerWorker: Number(poolSize),
      groupDelayMs: config.exchangeGroupDelayMs,
      groupMaxEvents: config.exchangeGroupMaxEvents,
      registryCacheMaxAgeMs: config.registryCacheMaxAgeMs,
      passedThrough,
      cores: cpus().length,
    };
    const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, clockTicksPerSecond: CLOCK_TICKS_PER_SECOND, postgres: { ...pgSettings, synchronous_commit: synchronousCommit, fsync } };
    const settingsLine = `synchronous_commit=${synchronousCommit}, fsync=${fsync}; ${settings.workers} workers, pool ${poolSize}; group delay ${settings.groupDelayMs} ms, max ${count(settings.groupMaxEvents)} events; ${settings.cores} cores`;
    log(`PostgreSQL ${pgSettings.server_version}, node ${process.version}, ${machine.cpu}: ${settingsLine}`);

    ({ registry, target } = await startTarget(registryEnv(url)));
    const scenario = await registerScenario(registry.url, operatorKey);
    log(`registry ${registry.url} (PLAZA_WORKERS=${workers}); source ${scenario.source}, agreement ${scenario.agreementId}`);

    const empty = await measure('empty', scenario, target, db);
    await floorLoop(target, FLOOR_PATH, HEADLINE_RATE, STEP_SECONDS, TARGETS.p99AtHeadlineMs); // a warm-up, as the events had theirs
    const floor = await floorLoop(target, FLOOR_PATH, HEADLINE_RATE, STEP_SECONDS, TARGETS.p99AtHeadlineMs);
    log(`floor: GET ${FLOOR_PATH} at ${count(HEADLINE_RATE)}/s: p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)}, CPU µs a request ${cpuCell(floor.cpu)}, ${floor.errors} errors`);

    const samples = signedMessages(empty.batch.bodies, 2_000);
    const threads = availableParallelism();
    const verifications = await ceiling(scenario.vendor.jwk as Record<string, unknown>, samples, threads, CEILING_SECONDS);
    log(`ceiling: ${count(verifications)} verifications/s on ${threads} threads`);

    let loaded: (Measurement & { preloaded: number; preloadSeconds: number }) | null = null;
    if (PRELOAD_EVENTS > 0) {
      const preloadSeconds = await preload(url, scenario, PRELOAD_EVENTS);
      loaded = { ...(await measure('loaded', scenario, target, db)), preloaded: PRELOAD_EVENTS, preloadSeconds };
    }

    // Retention, first without the job: the same table, the same registry settings as the figures above.
    let retentionOld: { scenario: ExchangeScenario; preloadSeconds: number; rowsBefore: number; without: BatchPhase; fresh: number } | null = null;
    if (RETENTION) {
      const old = await registerScenario(registry.url, operatorKey, 'retention', { retention: RETENTION_PERIOD });
      const preloadSeconds = await preload(url, old, RETENTION_EVENTS, new Date(Date.now() - 2 * RETENTION_PERIOD_MS));
      const warmup = await batchPhase(old, target, 'retention-off-warmup', WARMUP_EVENTS, CONNECTIONS);
      const without = await batchPhase(old, target, 'retention-off', BATCH_EVENTS, CONNECTIONS);
      log(`retention off: batch ${count(without.eventsPerSecond)} events/s`);
      retentionOld = { scenario: old, preloadSeconds, rowsBefore: await storedEvents(db, old.sourceId), without, fresh: warmup.accepted + without.accepted };
    }
    await stopRegistry();

    const roundTrips = await countRoundTrips(scenario, url, (proxied) => startTarget(registryEnv(proxied)));

    let retention = null;
    if (retentionOld) {
      ({ registry, target } = await startTarget(registryEnv(url, { PLAZA_RETENTION_INTERVAL_SECONDS: '1' })));
      const old = retentionOld.scenario;
      const warmup = await batchPhase(old, target, 'retention-on-warmup', WARMUP_EVENTS, CONNECTIONS);
      // Both counts see their statement's snapshot: the rows deleted between them are those counted before, plus
      // the ones accepted in between, less those counted after.
      const firstAt = performance.now();
      const first = await storedEvents(db, old.sourceId);
      const during = await batchPhase(old, target, 'retention-on', BATCH_EVENTS, CONNECTIONS);
      const lastAt = performance.now();
      const last = await storedEvents(db, old.sourceId);
      await stopRegistry();
      const deleted = first + during.accepted - last;
      const oldLeft = last - (retentionOld.fresh + warmup.accepted + during.accepted);
      retention = {
        period: RETENTION_PERIOD,
        oldEvents: RETENTION_EVENTS,
        preloadSeconds: retentionOld.preloadSeconds,
        intervalSeconds: 1,
        without: batchFigures(retentionOld.without),
        during: batchFigures(during),
        rowsDeletedBeforeThePhase: retentionOld.rowsBefore + warmup.accepted - first,
        rowsDeletedDuringThePhase: deleted,
        rowsDeletedPerSecond: deleted / ((lastAt - firstAt) / 1000),
        oldRowsLeft: oldLeft,
        ratio: during.eventsPerSecond / retentionOld.without.eventsPerSecond,
      };
      log(`retention on: batch ${count(during.eventsPerSecond)} events/s while ${count(retention.rowsDeletedPerSecond)} rows/s were deleted; ${count(oldLeft)} old rows left`);
      if (oldLeft <= 0) log('retention: the job ran out of old rows before the phase ended, so rows deleted a second is a lower bound: raise BENCH_RETENTION_EVENTS');
    }

    const ratio = empty.batch.eventsPerSecond / verifications;
    const loadedRatio = loaded ? loaded.batch.eventsPerSecond / verifications : NaN;
    const relative = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b > 0 ? a / b : NaN);
    const loadedToEmpty = loaded
      ? {
          batch: relative(loaded.batch.eventsPerSecond, empty.batch.eventsPerSecond),
          saturationRate: relative(loaded.single.saturationRate, empty.single.saturationRate),
          highestRateWithP99AtMost20ms: relative(loaded.single.highestRateWithinP99Target, empty.single.highestRateWithinP99Target),
          /** Latency the other way round: empty p99 over loaded p99, so that higher is better here too. */
          p99AtHeadline: relative(empty.single.headline?.p99, loaded.single.headline?.p99),
        }
      : null;
    const loadedMet = (value: number) => (loaded ? `; at ${count(PRELOAD_EVENTS)}: >= ${TARGETS.loadedToEmpty} of empty (${met(value >= TARGETS.loadedToEmpty)})` : '');
    const headlineP99 = empty.single.headline?.p99 ?? Infinity;
    // A single event alone is a group of one: its round trips are a group's, shared by the requests a group holds.
    const singleAtHeadlineRoundTrips = (m: Measurement) => roundTrips.singleAlone.perRequest / (m.single.headline?.requestsPerGroup ?? NaN);

    const rows: Row[] = [
      {
        what: `batch mode, ${BATCH_SIZE} events a request, ${CONNECTIONS} connections`,
        figure: `${count(empty.batch.eventsPerSecond)} events/s`,
        ...(loaded ? { loaded: `${count(loaded.batch.eventsPerSecond)} events/s`, ratio: fixed(loadedToEmpty!.batch) } : {}),
        target: loaded ? `>= ${TARGETS.loadedToEmpty} of empty (${met(loadedToEmpty!.batch >= TARGETS.loadedToEmpty)})` : '',
      },
      { what: `ceiling: Ed25519 verifications alone, ${threads} threads`, figure: `${count(verifications)}/s`, target: '' },
      {
        what: 'batch / ceiling',
        figure: fixed(ratio),
        ...(loaded ? { loaded: fixed(loadedRatio) } : {}),
        target: `>= ${TARGETS.batchToCeiling} (${met(ratio >= TARGETS.batchToCeiling)})`,
      },
      {
        what: `single events at ${count(HEADLINE_RATE)}/s offered`,
        figure: singleCell(empty.single),
        ...(loaded ? { loaded: singleCell(loaded.single), ratio: fixed(loadedToEmpty!.p99AtHeadline) } : {}),
        target: `p99 <= ${TARGETS.p99AtHeadlineMs} ms (${met(headlineP99 <= TARGETS.p99AtHeadlineMs)})${loadedMet(loadedToEmpty?.p99AtHeadline ?? NaN)}`,
      },
      {
        what: `single events: saturation (answered >= ${KEEPS_UP_SHARE} of offered, p99 <= ${ms(KEEPS_UP_P99_MS)})`,
        figure: saturationCell(empty.single),
        ...(loaded ? { loaded: saturationCell(loaded.single), ratio: fixed(loadedToEmpty!.saturationRate) } : {}),
        target: loaded ? `>= ${TARGETS.loadedToEmpty} of empty (${met(loadedToEmpty!.saturationRate >= TARGETS.loadedToEmpty)})` : '',
      },
      {
        what: `single events: highest rate with p99 <= ${TARGETS.p99AtHeadlineMs} ms`,
        figure: rateCell(empty.single.highestRateWithinP99Target),
        ...(loaded ? { loaded: rateCell(loaded.single.highestRateWithinP99Target), ratio: fixed(loadedToEmpty!.highestRateWithP99AtMost20ms) } : {}),
        target: `>= ${count(HEADLINE_RATE)}/s (${met((empty.single.highestRateWithinP99Target ?? 0) >= HEADLINE_RATE)})`,
      },
      {
        what: 'CPU µs an event, batch: node / PostgreSQL / load generator (others)',
        figure: cpuCell(empty.batch.cpu),
        ...(loaded ? { loaded: cpuCell(loaded.batch.cpu) } : {}),
        target: '',
      },
      {
        what: `CPU µs an event, single at ${count(HEADLINE_RATE)}/s: node / PostgreSQL / load generator (others)`,
        figure: cpuCell(empty.single.headline?.cpu),
        ...(loaded ? { loaded: cpuCell(loaded.single.headline?.cpu) } : {}),
        target: '',
      },
      {
        what: `CPU µs a request doing nothing (GET ${FLOOR_PATH}) at ${count(HEADLINE_RATE)}/s: node / PostgreSQL / load generator (others); p50 / p99`,
        figure: `${cpuCell(floor.cpu)}; ${ms(floor.p50)} / ${ms(floor.p99)}`,
        target: '',
      },
      {
        what: `round trips a request: single alone / single at ${count(HEADLINE_RATE)}/s (alone's ÷ requests a group) / batch of ${BATCH_SIZE}`,
        figure: `${fixed(roundTrips.singleAlone.perRequest)} / ${fixed(singleAtHeadlineRoundTrips(empty))} / ${fixed(roundTrips.batch.perRequest)}`,
        ...(loaded ? { loaded: `single at ${count(HEADLINE_RATE)}/s ${fixed(singleAtHeadlineRoundTrips(loaded))}` } : {}),
        target: '',
      },
      {
        what: `single events at ${count(HEADLINE_RATE)}/s: where the answers over ${TARGETS.p99AtHeadlineMs} ms fell (by scheduled send time); the registry workers' pauses`,
        figure: empty.single.headline ? slowCell(empty.single.headline) : '',
        ...(loaded ? { loaded: loaded.single.headline ? slowCell(loaded.single.headline) : '' } : {}),
        target: '',
      },
      {
        what: `single events at ${count(HEADLINE_RATE)}/s: time in the registry (its metrics)`,
        figure: empty.single.headline?.inRegistry ? inRegistryCell(empty.single.headline.inRegistry) : '',
        ...(loaded ? { loaded: loaded.single.headline?.inRegistry ? inRegistryCell(loaded.single.headline.inRegistry) : '' } : {}),
        target: '',
      },
      {
        what: `requests a group commit, single at ${count(HEADLINE_RATE)}/s (the registry's metrics)`,
        figure: fixed(empty.single.headline?.requestsPerGroup ?? NaN),
        ...(loaded ? { loaded: fixed(loaded.single.headline?.requestsPerGroup ?? NaN) } : {}),
        target: '',
      },
      {
        what: 'stored rows / accepted events',
        figure: `${count(empty.stored.counted)} / ${count(empty.stored.expected)}`,
        ...(loaded ? { loaded: `${count(loaded.stored.counted)} / ${count(loaded.stored.expected)}` } : {}),
        target: `all stored (${met(empty.stored.allStored && (loaded?.stored.allStored ?? true))})`,
      },
      ...(retention
        ? [
            {
              what: `batch while retention deletes / without (${count(RETENTION_EVENTS)} old events)`,
              figure: `${count(retention.during.eventsPerSecond)} / ${count(retention.without.eventsPerSecond)} events/s (${fixed(retention.ratio)}); PostgreSQL ${count(retention.during.cpu.microsPerEvent.postgres)} / ${count(retention.without.cpu.microsPerEvent.postgres)} µs an event`,
              target: '',
            },
            {
              what: 'rows retention deleted a second while events flowed',
              figure: `${count(retention.rowsDeletedPerSecond)}/s (${count(retention.oldRowsLeft)} old rows left)`,
              target: '',
            },
          ]
        : []),
      { what: 'settings', figure: settingsLine, target: `synchronous_commit=on (${met(synchronousCommit === 'on')})` },
    ];
    printTable(rows, loaded ? `with ${count(PRELOAD_EVENTS)} stored` : null);

    mkdirSync(resolve(RESULTS, '..'), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          machine,
          settings,
          targets: TARGETS,
          ...measurementFigures(empty),
          ceiling: { keyType: 'Ed25519', threads, seconds: CEILING_SECONDS, verificationsPerSecond: verifications },
          ratios: {
            batchToCeiling: ratio,
            ...(loaded ? { loadedBatchToCeiling: loadedRatio, loadedToEmpty } : {}),
            ...(retention ? { batchWithRetentionToWithout: retention.ratio } : {}),
          },
          roundTrips: { ...roundTrips, singleAtHeadline: singleAtHeadlineRoundTrips(empty), ...(loaded ? { loadedSingleAtHeadline: singleAtHeadlineRoundTrips(loaded) } : {}) },
          floor: { path: FLOOR_PATH, ...floor },
          loaded: loaded ? { preloaded: loaded.preloaded, preloadSeconds: loaded.preloadSeconds, ...measurementFigures(loaded) } : null,
          retention,
        },
        null,
        2,
      )}\n`,
    );
    log(`\nwrote ${RESULTS}`);
  } finally {
    await stopRegistry();
    await db.end();
    if (!process.env.BENCH_KEEP) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  verifyLoop();
}
