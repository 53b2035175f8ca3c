/**
 * Benchmark of webhook delivery (issue 14) over real HTTP, against a PostgreSQL server on this machine. Not part of
 * the test suite. Run: `npm run bench:delivery` (DATABASE_URL names the server, default
 * postgres://postgres@127.0.0.1:5432/; a fresh database is created there and dropped at the end; BENCH_KEEP=1 keeps it).
 *
 * It starts the built registry as a child process (PLAZA_WORKERS=BENCH_WORKERS, 1 unless told), registers a city, a
 * vendor, the city's source and an agreement in force through the API, and starts BENCH_SUBSCRIPTIONS (10) webhook
 * receivers in a child process of their own (delivery-receivers.ts: every request's HTTP message signature checked,
 * one event in 50 of the producer's DSSE signatures). The vendor (delivery-producer.ts, in this process) sends
 * BENCH_RATE (1,000) events a second in batches of 100, open loop, noting each event's 2xx time; the receivers note
 * each event's receipt time on the same clock. Then:
 * - ingest alone (no subscription yet): the registry's and PostgreSQL's CPU, the baseline delivery is measured over;
 *   where the server's autovacuum is off, the events table is then ANALYZEd once (BENCH_NO_ANALYZE=1: not);
 * - the city subscribes every receiver to the source (batching, maxbatchsize 100); BENCH_IDLE_SECONDS (5) with
 *   nothing to deliver (what polling costs at rest); then events flow again and, after a warm-up, BENCH_SECONDS
 *   (30) of steady delivery: lag from the producer's 2xx to receipt (p50, p99), events delivered a second, CPU per
 *   delivered event (cpu-meter.ts, and this database's own PostgreSQL backends, since the server may be shared);
 * - fault 1: receiver 0 closed (its connections too) for BENCH_DOWN_SECONDS (60) while events keep flowing, then
 *   listening again on its port: when its first delivery came, when the backlog was drained (waiting at most
 *   BENCH_DRAIN_TIMEOUT_SECONDS, 90, or 10 when the steady phase already fell behind), the others' lag meanwhile,
 *   duplicates;
 * - fault 2: the registry and its workers killed with SIGKILL the moment a delivery request reaches a receiver (before
 *   the answer is back, so that request's events are owed again), restarted at once on the same
 *   database and port; events keep flowing (the batches sent while it is down fail, are counted and not sent again);
 *   BENCH_AFTER_CRASH_SECONDS (10) later the load stops and every receiver must hold every acknowledged event
 *   (waiting at most BENCH_FINAL_TIMEOUT_SECONDS, 60).
 * Nothing lost = every event the producer got a 2xx for arrived at least once at every receiver. Timings are printed
 * beside the issue's targets, never asserted; when delivery has not caught up by then, "lost" is not judged. Results go
 * to bench/results/delivery.json (BENCH_RESULTS names another file there).
 * PLAZA_DELIVERY_POLL_MS (100) and the delivery back-off settings pass through to the registry;
 * PLAZA_DELIVERY_LEASE_SECONDS is 5 for the whole run (so the crash's takeover is quick) unless given.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonWebKey } from 'node:crypto';
import pg from 'pg';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { type ExchangeScenario, registerScenario } from '../test/support/exchange-scenario.js';
import { type RegistryProcess, startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { CLOCK_TICKS_PER_SECOND, cpuBetween, type CpuSample, sampleCpu } from './cpu-meter.js';
import { runSource } from './run-source.js';
import { Producer, type ProducerRun, type RunFigures } from './delivery-producer.js';
import { clock, type ReceiverReport, type Receivers, startReceivers } from './delivery-receivers.js';
import { percentile } from './exchange-load.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const BATCH_SIZE = 100;
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 10);
const DOWN_SECONDS = Number(process.env.BENCH_DOWN_SECONDS ?? 60);
/** Steady flow between the backlog's drain and the kill, so the kill lands in ordinary delivery. */
const BEFORE_CRASH_SECONDS = 5;
const AFTER_CRASH_SECONDS = Number(process.env.BENCH_AFTER_CRASH_SECONDS ?? 10);
/** How long the down receiver's backlog may take to drain (the back-off alone may wait 64 s after a 60 s outage). */
const DRAIN_TIMEOUT_SECONDS = Number(process.env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 90);
/** How long the receivers may take to catch up once the load stops. */
const FINAL_TIMEOUT_SECONDS = Number(process.env.BENCH_FINAL_TIMEOUT_SECONDS ?? 60);
/** Subscriptions held with nothing to deliver, to see what polling costs at rest. */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
/** A steady phase keeps up when every event acknowledged this long before its end has arrived everywhere. */
const KEEPS_UP_WITHIN_SECONDS = 2;
const DSSE_SAMPLE_EVERY = 50;
const WORKERS = process.env.BENCH_WORKERS ?? '1';
const POLL_MS = process.env.PLAZA_DELIVERY_POLL_MS ?? '100';
const LEASE_SECONDS = process.env.PLAZA_DELIVERY_LEASE_SECONDS ?? '5';
/** Delivery settings the benchmark passes through from its own environment, and reports. */
const PASSED_THROUGH = ['PLAZA_DELIVERY_MAX_ATTEMPTS', 'PLAZA_DELIVERY_BACKOFF_BASE_MS', 'PLAZA_DELIVERY_BACKOFF_MAX_MS', 'PLAZA_DELIVERY_TIMEOUT_MS', 'PLAZA_EXCHANGE_GROUP_DELAY_MS'];
const ID_PREFIX = 'd-';
/** Receiver 0 is the one taken down. */
const DOWN = 0;

/** The issue's targets. */
const TARGETS = { lagP99Ms: 250, lostEvents: 0 };

/** Run from dist/bench: the results go to the clone's bench/results. */
const RESULTS = resolve(import.meta.dirname, '..', '..', 'bench', 'results', process.env.BENCH_RESULTS ?? 'delivery.json');

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const count = (n: number) => Math.round(n).toLocaleString('en');
const ms = (value: number) => (!Number.isFinite(value) ? 'n/a' : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`);
const seconds = (fromMs: number, toMs: number) => (toMs - fromMs) / 1000;

// ---------------------------------------------------------------------------------------------
// CPU: cpu-meter's split, the receivers' process, and this database's own PostgreSQL backends

/** utime + stime of each backend of the benchmark's database, in clock ticks (the server may serve others too). */
async function backendTicks(db: pg.Client): Promise<Map<number, number>> {
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const ticks = new Map<number, number>();
  for (const { pid } of rows as { pid: number }[]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

interface Sample {
  meter: CpuSample;
  backends: Map<number, number>;
  receiversMicros: number;
}

async function sample(registryPid: number, db: pg.Client, receivers: Receivers | null): Promise<Sample> {
  return { meter: sampleCpu(registryPid), backends: await backendTicks(db), receiversMicros: receivers ? await receivers.cpuMicros() : 0 };
}

/** Cores each party kept busy between two samples. */
function coresBetween(before: Sample, after: Sample) {
  const split = cpuBetween(before.meter, after.meter);
  const cores = (micros: number) => micros / 1e6 / split.seconds;
  let backendTicksGrown = 0;
  for (const [pid, ticks] of after.backends) backendTicksGrown += ticks - (before.backends.get(pid) ?? 0);
  const receivers = after.receiversMicros - before.receiversMicros;
  return {
    seconds: split.seconds,
    registry: cores(split.registryMicros),
    postgresThisDatabase: cores((backendTicksGrown * 1e6) / CLOCK_TICKS_PER_SECOND),
    postgresAll: cores(split.postgresMicros),
    loadGenerator: cores(split.generatorMicros),
    receivers: cores(receivers),
    /** Everything else the machine did: other people's work. */
    other: cores(Math.max(0, split.otherMicros - receivers)),
  };
}

// ---------------------------------------------------------------------------------------------
// Receipts against acknowledgements

interface Lag {
  events: number;
  p50: number;
  p99: number;
  max: number;
}

/** Lag from 2xx to first receipt, over the events acknowledged in [from, to) ms, at the given receivers. */
function lagOf(acceptedAt: Float64Array, reports: ReceiverReport[], indexes: number[], from: number, to: number): Lag & { missing: number } {
  const lags: number[] = [];
  let missing = 0;
  for (let n = 0; n < acceptedAt.length; n++) {
    const at = acceptedAt[n]!;
    if (!(at >= from && at < to)) continue;
    for (const i of indexes) {
      const received = reports[i]!.first[n] ?? NaN;
      if (Number.isNaN(received)) missing++;
      else lags.push(received - at);
    }
  }
  const sorted = lags.sort((a, b) => a - b);
  return { events: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, missing };
}

/** Lag at every receiver by the second its events were acknowledged in, from `from` to `to` ms: whether delivery keeps up or falls behind. */
function lagBySecond(acceptedAt: Float64Array, reports: ReceiverReport[], from: number, to: number) {
  const all = reports.map((_, i) => i);
  const out: { second: number; p50: number; p99: number; missing: number }[] = [];
  for (let t = from, second = 0; t < to; t += 1000, second++) {
    const lag = lagOf(acceptedAt, reports, all, t, Math.min(t + 1000, to));
    out.push({ second, p50: Math.round(lag.p50), p99: Math.round(lag.p99), missing: lag.missing });
  }
  return out;
}

/** Events acknowledged in [from, to) ms. */
function acknowledgedBetween(acceptedAt: Float64Array, from: number, to: number): number {
  let n = 0;
  for (const at of acceptedAt) if (at >= from && at < to) n++;
  return n;
}

/** Acknowledged events numbered in [from, to) that receiver `report` never got. */
function lost(acceptedAt: Float64Array, report: ReceiverReport, from: number, to: number): number {
  let n = 0;
  for (let e = from; e < to; e++) if (!Number.isNaN(acceptedAt[e]!) && !(report.copies[e]! > 0)) n++;
  return n;
}

/** Copies beyond the first that arrived in [from, to) ms. */
const duplicatesBetween = (report: ReceiverReport, from: number, to: number) => report.duplicateTimes.filter((t) => t >= from && t < to).length;

/** First receipts at a receiver in [from, to) ms. */
function firstReceipts(report: ReceiverReport, from: number, to: number): number {
  let n = 0;
  for (const at of report.first) if (at >= from && at < to) n++;
  return n;
}

/** The earliest receipt at or after `from` (first copies and duplicates alike). */
function firstReceiptAfter(report: ReceiverReport, from: number): number {
  let earliest = Infinity;
  for (const at of report.first) if (at >= from && at < earliest) earliest = at;
  for (const at of report.duplicateTimes) if (at >= from && at < earliest) earliest = at;
  return earliest;
}

/** When the last of the events numbered in [from, to) acknowledged before `ackedBefore` first arrived at the receiver (NaN: one never did). */
function lastArrival(acceptedAt: Float64Array, report: ReceiverReport, from: number, to: number, ackedBefore = Infinity): number {
  let latest = -Infinity;
  for (let n = from; n < to; n++) if (acceptedAt[n]! < ackedBefore) latest = Math.max(latest, report.first[n] ?? NaN);
  return latest;
}

/**
 * Waits until receiver `index` holds every acknowledged event numbered in [from, to), asking the receivers' process
 * for what it misses; resolves true when it does, false at the deadline (it looks at least once).
 */
async function waitFor(receivers: Receivers, producer: Producer, index: number, from: number, to: number, deadline: number): Promise<boolean> {
  for (let start = from; ; await sleep(250)) {
    const missing = (await receivers.missing(index, start, to)).filter((n) => !Number.isNaN(producer.acceptedAt[n]!));
    if (missing.length === 0) return true;
    if (Date.now() >= deadline) return false;
    start = missing[0]!;
  }
}

async function waitForAll(receivers: Receivers, producer: Producer, from: number, to: number, timeoutSeconds: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const done = await Promise.all(receivers.urls.map((_, i) => waitFor(receivers, producer, i, from, to, deadline)));
  return done.every(Boolean);
}

// ---------------------------------------------------------------------------------------------
// The registry's side

interface SubscriptionView {
  id: string;
  state: string;
  stateReason: string | null;
  config: { batching: boolean; maxbatchsize: number; allowedrate: number | null };
  delivery?: { delivered: number; lag: number; attempts: number; lastError: string | null; nextAttemptAt: string | null };
}

async function api<T>(registry: string, method: string, path: string, key: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, registry), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function subscribe(s: ExchangeScenario, sinks: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const sink of sinks) {
    const body = { protocol: 'HTTP', sink, source: s.source, config: { batching: true, maxbatchsize: BATCH_SIZE, requestrate: 60_000 } };
    ids.push((await api<SubscriptionView>(s.registry, 'POST', '/api/v1/subscriptions', s.city.apiKey, body)).id);
  }
  return ids;
}

const views = (s: ExchangeScenario, ids: string[]) => Promise.all(ids.map((id) => api<SubscriptionView>(s.registry, 'GET', `/api/v1/subscriptions/${id}`, s.city.apiKey)));

async function waitActive(s: ExchangeScenario, ids: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = (await views(s, ids)).map((v) => v.state);
    if (states.every((state) => state === 'active')) return;
    if (Date.now() > deadline) throw new Error(`the subscriptions did not all become active: ${states.join(', ')}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// The table

interface Row {
  what: string;
  figure: string;
  target: string;
}

function printTable(rows: Row[]): void {
  const cells = [['What', 'Figure', 'Target'], ...rows.map((r) => [r.what, r.figure, r.target])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(cells[0]!)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const c of cells.slice(1)) console.log(line(c));
}

const met = (ok: boolean) => (ok ? 'met' : 'not met');

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const measured = runSource();
  const database = await createScratchDatabase(SERVER, `plaza_bench_delivery_${process.pid}`, { synchronous_commit: 'on' });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-delivery-'));
  const operatorKey = generateApiKey().key;
  const passedThrough = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    PLAZA_WORKERS: WORKERS,
    PLAZA_DATA_DIR: dataDir,
    PLAZA_OPERATOR_KEY: operatorKey,
    PLAZA_LOG_LEVEL: 'warn',
    PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
    PLAZA_EXCHANGE_EVENTS_PER_MINUTE: '100000000',
    PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
    PLAZA_RETENTION_INTERVAL_SECONDS: '0',
    PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
    PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
    PLAZA_DELIVERY_POLL_MS: POLL_MS,
    PLAZA_DELIVERY_LEASE_SECONDS: LEASE_SECONDS,
    ...passedThrough,
  };
  let registry: RegistryProcess | undefined;
  let receivers: Receivers | undefined;
  let producer: Producer | undefined;
  let run: ProducerRun | undefined;
  const registryLogs: string[] = [];
  try {
    const show = async (name: string) => ((await db.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name]!;
    const machine = {
      cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, postgres: await show('server_version'),
      synchronousCommit: await show('synchronous_commit'), fsync: await show('fsync'), autovacuum: await show('autovacuum'),
    };
    log(`PostgreSQL ${machine.postgres} (synchronous_commit=${machine.synchronousCommit}), node ${process.version}, ${machine.cores} × ${machine.cpu}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);

    registry = await startRegistry(env);
    const port = registry.port;
    const scenario = await registerScenario(registry.url, operatorKey, 'delivery');
    const endpoint = new URL('/api/v1/exchange/events', registry.url);
    const { keys: deliveryKeys } = (await (await fetch(new URL('/.well-known/delivery-jwks.json', registry.url))).json()) as { keys: (JsonWebKey & { kid: string })[] };
    const { d: _private, ...producerPublic } = scenario.vendor.jwk as JsonWebKey;
    receivers = await startReceivers({
      count: SUBSCRIPTIONS, deliveryKeys, producerKeys: { [scenario.vendor.signingKey.keyid]: producerPublic }, idPrefix: ID_PREFIX, dsseSampleEvery: DSSE_SAMPLE_EVERY,
    });
    producer = new Producer(scenario, endpoint, ID_PREFIX);
    log(`registry ${registry.url} (PLAZA_WORKERS=${WORKERS}, poll ${POLL_MS} ms, lease ${LEASE_SECONDS} s); ${SUBSCRIPTIONS} receivers in process ${receivers.pid}`);

    // Ingest alone: what the registry and PostgreSQL spend without any subscription.
    run = producer.run(RATE, BATCH_SIZE);
    await sleep(3_000);
    const baselineStart = await sample(registry.child.pid!, db, receivers);
    await sleep(BASELINE_SECONDS * 1000);
    const baselineCores = coresBetween(baselineStart, await sample(registry.child.pid!, db, receivers));
    const baselineRun = await run.stop();
    run = undefined;
    log(`ingest alone: ${count(baselineRun.accepted / baselineRun.seconds)} events/s accepted; registry ${baselineCores.registry.toFixed(2)} cores, PostgreSQL (this database) ${baselineCores.postgresThisDatabase.toFixed(2)}`);
    // Without statistics the planner reads a follower's whole backlog for each page of the feed (see the README's
    // section): where the server's autovacuum is off, do once what it would have done by now.
    const analyzed = machine.autovacuum === 'off' && !process.env.BENCH_NO_ANALYZE;
    if (analyzed) await db.query('ANALYZE exchange_events');

    const ids = await subscribe(scenario, receivers.urls);
    await waitActive(scenario, ids);
    log(`${ids.length} subscriptions active`);
    const idleStart = await sample(registry.child.pid!, db, receivers);
    await sleep(IDLE_SECONDS * 1000);
    const idleCores = coresBetween(idleStart, await sample(registry.child.pid!, db, receivers));
    log(`at rest with ${ids.length} subscriptions: registry ${idleCores.registry.toFixed(2)} cores, PostgreSQL (this database) ${idleCores.postgresThisDatabase.toFixed(2)}`);

    // Steady delivery.
    run = producer.run(RATE, BATCH_SIZE);
    const firstExpected = producer.next;
    const flowFrom = clock();
    await sleep(WARMUP_SECONDS * 1000);
    const steadyFrom = clock();
    const steadyStart = await sample(registry.child.pid!, db, receivers);
    await sleep((SECONDS - KEEPS_UP_WITHIN_SECONDS) * 1000);
    const keptUpTo = producer.next;
    await sleep(KEEPS_UP_WITHIN_SECONDS * 1000);
    const steadyCores = coresBetween(steadyStart, await sample(registry.child.pid!, db, receivers));
    const steadyTo = clock();
    const keptUp = await waitForAll(receivers, producer, firstExpected, keptUpTo, 0);
    log(`steady: ${SECONDS} s measured; delivery ${keptUp ? 'kept up' : 'fell behind'}`);

    // Fault 1: one receiver down, events still flowing.
    const downAt = await receivers.down(DOWN);
    log(`receiver ${DOWN} down for ${DOWN_SECONDS} s`);
    await sleep(DOWN_SECONDS * 1000);
    const [whileDown] = await views(scenario, [ids[DOWN]!]);
    const upAt = await receivers.up(DOWN);
    const backlogTo = producer.next;
    // Behind already, a backlog cannot drain while events keep coming faster than they go: no use waiting for it.
    const drainTimeout = keptUp ? DRAIN_TIMEOUT_SECONDS : 10;
    const drained = await waitFor(receivers, producer, DOWN, firstExpected, backlogTo, Date.now() + drainTimeout * 1000);
    log(`receiver ${DOWN} back; its backlog ${drained ? 'drained' : `NOT drained within ${drainTimeout} s`}`);

    // Fault 2: the registry killed mid-delivery, restarted on the same database and port.
    await sleep(BEFORE_CRASH_SECONDS * 1000);
    // Killed as a delivery request arrives, before its answer reaches the registry: its position cannot have moved.
    await receivers.nextDelivery();
    const killedAt = clock();
    await registry.kill();
    registryLogs.push(registry.log());
    log('registry killed (SIGKILL to its process group); restarting');
    registry = await startRegistry(env, port);
    const readyAt = clock();
    log(`registry ready again after ${seconds(killedAt, readyAt).toFixed(1)} s`);
    await sleep(AFTER_CRASH_SECONDS * 1000);
    const loadRun: RunFigures = await run.stop();
    run = undefined;
    const stoppedAt = clock();
    const lastExpected = producer.next;
    const allDelivered = await waitForAll(receivers, producer, firstExpected, lastExpected, FINAL_TIMEOUT_SECONDS);
    log(`load stopped; every receiver ${allDelivered ? 'holds every acknowledged event' : `still misses events after ${FINAL_TIMEOUT_SECONDS} s`}`);
    await sleep(2_000); // late duplicates, if any, land in the count
    const endedAt = clock();
    const subscriptions = await views(scenario, ids);
    const { receivers: reports, cpuMicros: receiversCpuMicros } = await receivers.report();
    const acceptedAt = producer.acceptedAt;

    // ---- figures
    const all = reports.map((_, i) => i);
    const healthy = all.filter((i) => i !== DOWN);
    const steadyLag = lagOf(acceptedAt, reports, all, steadyFrom, steadyTo);
    const perReceiverP99 = all.map((i) => lagOf(acceptedAt, reports, [i], steadyFrom, steadyTo).p99);
    const steadyDelivered = reports.reduce((sum, r) => sum + firstReceipts(r, steadyFrom, steadyTo), 0);
    const steadySeconds = seconds(steadyFrom, steadyTo);
    const deliveredPerSecond = steadyDelivered / steadySeconds;
    const acceptedInSteady = acknowledgedBetween(acceptedAt, steadyFrom, steadyTo);
    const per = (cores: number, events: number) => (cores * 1e6) / events;
    const cpu = {
      windowSeconds: steadyCores.seconds,
      coresBusy: steadyCores,
      baselineCoresBusy: baselineCores,
      /** µs of CPU a delivered event, everything the party did in the window (ingest included) over events delivered. */
      microsPerDeliveredEvent: {
        registry: per(steadyCores.registry, deliveredPerSecond),
        postgresThisDatabase: per(steadyCores.postgresThisDatabase, deliveredPerSecond),
        postgresAll: per(steadyCores.postgresAll, deliveredPerSecond),
        receivers: per(steadyCores.receivers, deliveredPerSecond),
      },
      /** The same with the ingest-alone baseline's cores taken off: what delivery added. */
      microsPerDeliveredEventOverIngest: {
        registry: per(steadyCores.registry - baselineCores.registry, deliveredPerSecond),
        postgresThisDatabase: per(steadyCores.postgresThisDatabase - baselineCores.postgresThisDatabase, deliveredPerSecond),
      },
      loadGeneratorMicrosPerAcceptedEvent: per(steadyCores.loadGenerator, acceptedInSteady / steadySeconds),
    };

    const down = reports[DOWN]!;
    const firstBack = firstReceiptAfter(down, upAt);
    const drainedAt = lastArrival(acceptedAt, down, firstExpected, backlogTo);
    const backlogEvents = producer.acknowledged(firstExpected, backlogTo).filter((n) => !(down.first[n]! < downAt)).length;
    const fault1 = {
      downSeconds: seconds(downAt, upAt),
      /** Acknowledged events the down receiver had not received when it went down, up to its return. */
      backlogEvents,
      firstDeliveryAfterBackSeconds: seconds(upAt, firstBack),
      drained,
      drainTimeoutSeconds: drainTimeout,
      drainedSecondsAfterBack: seconds(upAt, drainedAt),
      drainEventsPerSecond: backlogEvents / seconds(firstBack, drainedAt),
      lostAtDownReceiver: lost(acceptedAt, down, firstExpected, backlogTo),
      duplicates: all.map((i) => duplicatesBetween(reports[i]!, downAt, killedAt)),
      healthyLagWhileDown: lagOf(acceptedAt, reports, healthy, downAt, upAt),
      /** The down receiver's subscription just before it came back: failed attempts, the last error, when the next try was due. */
      subscriptionBeforeBack: { state: whileDown?.state, ...whileDown?.delivery },
    };

    // A request fully sent before the kill may still land a moment after it: the new registry's first is later than that.
    const firstAfterRestart = all.map((i) => seconds(killedAt, firstReceiptAfter(reports[i]!, killedAt + 50)));
    const fault2 = {
      registryReadySecondsAfterKill: seconds(killedAt, readyAt),
      firstDeliveryAfterKillSeconds: { min: Math.min(...firstAfterRestart), max: Math.max(...firstAfterRestart) },
      /** When every receiver held every event acknowledged before the kill. */
      caughtUpSecondsAfterKill: seconds(killedAt, Math.max(killedAt, ...all.map((i) => lastArrival(acceptedAt, reports[i]!, firstExpected, lastExpected, killedAt)))),
      allDelivered,
      duplicates: all.map((i) => duplicatesBetween(reports[i]!, killedAt, Infinity)),
      /** Events the receivers got although the producer saw no 2xx: stored, but the answer died with the registry. */
      deliveredWithoutAcknowledgement: all.map((i) => {
        let n = 0;
        for (let e = firstExpected; e < lastExpected; e++) if (Number.isNaN(acceptedAt[e]!) && reports[i]!.copies[e]! > 0) n++;
        return n;
      }),
      acknowledgedBeforeKill: producer.acknowledged(firstExpected, lastExpected).filter((n) => acceptedAt[n]! < killedAt).length,
      lagAfterRestart: lagOf(acceptedAt, reports, all, readyAt, stoppedAt),
    };

    const lostPerReceiver = all.map((i) => lost(acceptedAt, reports[i]!, firstExpected, lastExpected));
    const totalLost = lostPerReceiver.reduce((a, b) => a + b, 0);
    const acknowledged = producer.acknowledged(firstExpected, lastExpected).length;
    const signatures = {
      requests: reports.reduce((sum, r) => sum + r.requests, 0),
      refused: reports.map((r) => r.refused),
      dsseChecked: reports.reduce((sum, r) => sum + r.dsse.checked, 0),
      dsseVerified: reports.reduce((sum, r) => sum + r.dsse.verified, 0),
      dsseFailed: reports.map((r) => r.dsse.failed),
    };
    const refusedRequests = reports.reduce((sum, r) => sum + Object.values(r.refused).reduce((a, b) => a + b, 0), 0);
    const loadAtEnd = loadavg();
    registryLogs.push(registry.log());
    const warnings = registryLogs.join('').split('\n').filter((line) => /warn|error/i.test(line)).slice(0, 40);

    const rows: Row[] = [
      { what: `producer: ${count(RATE)} events/s offered in batches of ${BATCH_SIZE}`, figure: `${count(acceptedInSteady / steadySeconds)} events/s acknowledged (steady window)`, target: `${count(RATE)}/s` },
      {
        what: `events delivered a second, ${SUBSCRIPTIONS} subscriptions`,
        figure: `${count(deliveredPerSecond)}/s (${count(steadyDelivered)} in ${steadySeconds.toFixed(0)} s)`,
        target: `${count(RATE * SUBSCRIPTIONS)}/s (${keptUp ? 'kept up' : 'fell behind'})`,
      },
      {
        what: 'lag, producer 2xx to receipt (steady)',
        figure: `p50 ${ms(steadyLag.p50)}, p99 ${ms(steadyLag.p99)}, max ${ms(steadyLag.max)}; worst subscription p99 ${ms(Math.max(...perReceiverP99))}`,
        target: `p99 < ${TARGETS.lagP99Ms} ms (${met(steadyLag.p99 < TARGETS.lagP99Ms)})`,
      },
      {
        what: 'CPU µs a delivered event: registry / PostgreSQL (this db; all)',
        figure: `${count(cpu.microsPerDeliveredEvent.registry)} / ${count(cpu.microsPerDeliveredEvent.postgresThisDatabase)}; ${count(cpu.microsPerDeliveredEvent.postgresAll)} (ingest included)`,
        target: '',
      },
      {
        what: '  the same over the ingest-alone baseline',
        figure: `${count(cpu.microsPerDeliveredEventOverIngest.registry)} / ${count(cpu.microsPerDeliveredEventOverIngest.postgresThisDatabase)} (delivery's share)`,
        target: '',
      },
      {
        what: `at rest, ${SUBSCRIPTIONS} subscriptions with nothing to deliver: cores busy`,
        figure: `registry ${idleCores.registry.toFixed(2)}, PostgreSQL (this db) ${idleCores.postgresThisDatabase.toFixed(2)} (polling every ${POLL_MS} ms)`,
        target: '',
      },
      {
        what: '  receivers / load generator',
        figure: `${count(cpu.microsPerDeliveredEvent.receivers)} µs a received event / ${count(cpu.loadGeneratorMicrosPerAcceptedEvent)} µs a sent event`,
        target: '',
      },
      {
        what: 'cores busy (steady): registry, PostgreSQL this db, receivers, generator, others',
        figure: [steadyCores.registry, steadyCores.postgresThisDatabase, steadyCores.receivers, steadyCores.loadGenerator, steadyCores.other].map((c) => c.toFixed(2)).join(', '),
        target: '',
      },
      {
        what: 'signatures: delivery requests verified; DSSE sampled',
        figure: `${count(signatures.requests - refusedRequests)} of ${count(signatures.requests)} requests; ${count(signatures.dsseVerified)} of ${count(signatures.dsseChecked)} events (1 in ${DSSE_SAMPLE_EVERY})`,
        target: 'all verify',
      },
      {
        what: `fault 1: receiver down ${fault1.downSeconds.toFixed(0)} s, events flowing`,
        figure: `first delivery ${fault1.firstDeliveryAfterBackSeconds.toFixed(1)} s after it was back (back-off); ${count(backlogEvents)} behind, drained ${fault1.drainedSecondsAfterBack.toFixed(1)} s after it was back (${count(fault1.drainEventsPerSecond)} events/s)`,
        target: 'backlog drained',
      },
      {
        what: 'fault 1: lost / duplicates (down receiver; all)',
        figure: `${count(fault1.lostAtDownReceiver)} / ${count(fault1.duplicates[DOWN]!)}; ${count(fault1.duplicates.reduce((a, b) => a + b, 0))}`,
        target: drained ? `lost ${TARGETS.lostEvents} (${met(fault1.lostAtDownReceiver === 0)})` : `not judged: not drained within ${drainTimeout} s`,
      },
      {
        what: 'fault 1: the other receivers\' lag while one was down',
        figure: `p50 ${ms(fault1.healthyLagWhileDown.p50)}, p99 ${ms(fault1.healthyLagWhileDown.p99)}`,
        target: '',
      },
      {
        what: 'fault 2: registry SIGKILLed while delivering, restarted',
        figure: `after the kill: ready ${fault2.registryReadySecondsAfterKill.toFixed(1)} s, first delivery ${fault2.firstDeliveryAfterKillSeconds.min.toFixed(1)}–${fault2.firstDeliveryAfterKillSeconds.max.toFixed(1)} s (lease ${LEASE_SECONDS} s), every receiver caught up ${fault2.caughtUpSecondsAfterKill.toFixed(1)} s`,
        target: '',
      },
      {
        what: 'fault 2: duplicates (all receivers); delivered without a 2xx',
        figure: `${count(fault2.duplicates.reduce((a, b) => a + b, 0))}; ${count(fault2.deliveredWithoutAcknowledgement.reduce((a, b) => a + b, 0))} (batches lost with the registry: ${JSON.stringify(loadRun.failedBatches)})`,
        target: '',
      },
      {
        what: `nothing lost: acknowledged events × receivers missing at the end`,
        figure: `${count(totalLost)} of ${count(acknowledged)} × ${SUBSCRIPTIONS}${allDelivered ? '' : ` after waiting ${FINAL_TIMEOUT_SECONDS} s (still arriving)`}`,
        target: allDelivered ? `${TARGETS.lostEvents} (${met(totalLost === 0)})` : 'not judged: delivery had not caught up',
      },
      {
        what: 'settings',
        figure: `poll ${POLL_MS} ms, lease ${LEASE_SECONDS} s, ${WORKERS} worker(s), autovacuum ${machine.autovacuum}${analyzed ? ' (ANALYZE once before subscribing)' : ''}, ${machine.cores} cores; load avg ${loadAtStart[0]!.toFixed(2)} at start, others ${steadyCores.other.toFixed(2)} cores (machine not idle)`,
        target: '',
      },
    ];
    printTable(rows);
    const series = lagBySecond(acceptedAt, reports, flowFrom, stoppedAt);
    log(`lag p99 (ms) by second of acknowledgement, every 5th second from the first subscribed event: ${series.filter((_, i) => i % 5 === 0).map((b) => (Number.isFinite(b.p99) ? b.p99 : 'n/a')).join(' ')}`);

    mkdirSync(resolve(RESULTS, '..'), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          machineNotIdle: true,
          source: measured,
          machine: { ...machine, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd, otherCoresBusyDuringSteady: steadyCores.other },
          settings: {
            eventsPerSecond: RATE, batchSize: BATCH_SIZE, subscriptions: SUBSCRIPTIONS, maxbatchsize: BATCH_SIZE, steadySeconds: SECONDS, warmupSeconds: WARMUP_SECONDS,
            baselineSeconds: BASELINE_SECONDS, downSeconds: DOWN_SECONDS, afterCrashSeconds: AFTER_CRASH_SECONDS, dsseSampleEvery: DSSE_SAMPLE_EVERY, workers: WORKERS,
            deliveryPollMs: Number(POLL_MS), deliveryLeaseSeconds: Number(LEASE_SECONDS), passedThrough,
            receivers: 'one child process for all receivers, apart from the load generator',
            analyzedAfterIngestAlone: analyzed,
          },
          targets: TARGETS,
          idleCoresBusy: idleCores,
          steady: { keptUp, seconds: steadySeconds, acknowledgedPerSecond: acceptedInSteady / steadySeconds, deliveredPerSecond, lag: steadyLag, perSubscriptionP99: perReceiverP99 },
          cpu,
          signatures,
          fault1,
          fault2,
          lost: { perReceiver: lostPerReceiver, total: totalLost, acknowledged, allDelivered },
          duplicates: { perReceiver: all.map((i) => reports[i]!.duplicateTimes.length) },
          producer: { baseline: baselineRun, load: loadRun },
          receivers: reports.map((r) => ({ requests: r.requests, events: r.events, largestBatch: r.largestBatch, contentTypes: r.contentTypes, foreign: r.foreign })),
          receiversCpuSeconds: receiversCpuMicros / 1e6,
          subscriptionsAtEnd: subscriptions.map((v) => ({ state: v.state, stateReason: v.stateReason, allowedrate: v.config.allowedrate, delivery: v.delivery })),
          registryWarnings: warnings,
          lagBySecondAcknowledged: series,
          timeline: {
            steadyFrom, steadyTo, downAt, upAt, killedAt, readyAt, stoppedAt, endedAt,
          },
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${RESULTS}`);
  } finally {
    await run?.stop().catch(() => undefined);
    producer?.close();
    await receivers?.close();
    if (registry) {
      const { code, signal } = await registry.stop();
      if (code !== 0) console.error(`the registry stopped with ${code ?? signal}:\n${registry.log().slice(-2000)}`);
    }
    await db.end();
    if (!process.env.BENCH_KEEP) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
