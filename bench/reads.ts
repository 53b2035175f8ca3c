/**
 * Benchmark of public reads (issue 19): what a resident's browser and the portals polling the API ask for, the day a
 * newspaper links to a street camera's page. Not part of the test suite. Run: `npm run bench:reads`; the register
 * (bench/reads-register.ts: the demo and BENCH_SOURCES generated sources) is made once per machine and reused.
 *
 * For each target (BENCH_TARGETS: embedded, server or both), the built registry runs as a child process on a copy of
 * the register: embedded, one process on a copy of the cached PGlite folder; server, PLAZA_WORKERS=BENCH_WORKERS (2)
 * on a database made from the template (dropped at the end unless BENCH_KEEP=1). Then, route by route
 * (BENCH_ROUTES picks some), a warm-up of BENCH_WARMUP_SECONDS (2) at the lowest rate, and open-loop steps at
 * BENCH_RATES (250,500,1000,2000,4000) requests a second for BENCH_STEP_SECONDS (5) each: requests leave on a fixed
 * schedule whatever the answers, over keep-alive connections (at most BENCH_CONNECTIONS, 128), and latency counts
 * from each request's scheduled send time, so queueing counts. Requests carry no key, as a browser's; page requests
 * send Accept-Language, French and English in turn. A request still unanswered BENCH_DRAIN_SECONDS (5) after its
 * step's last send is abandoned and counted as timed out (its latency as infinite). A route stops stepping once a
 * step falls far behind (answers below 80% of the offered rate, a median over a second, or 1% timed out).
 *
 * Meanwhile, every BENCH_WRITE_EVERY_MS (5,000; 0: never) a city's administrator suspends or reactivates one of its
 * sources through the API, and then reads it back anonymously on a new connection: the public state changes as it
 * does a few times a minute, and a read older than a write already answered is counted as stale.
 *
 * Printed per route: achieved rate, p50/p95/p99, answers other than 2xx/304, CPU per request (registry, PostgreSQL,
 * this load generator: cpu-meter.ts), and the highest offered rate up to which p95 stays within 20 ms (server) or
 * 50 ms (embedded) with every answer 2xx/304. Results go to bench/results/reads.json (BENCH_RESULTS names another
 * file there), with the commit, the machine and its load.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, type ClientRequest, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type RegistryProcess, startRegistry } from '../test/support/registry-process.js';
import { cpuBetween, perEvent, sampleCpu, type EventCpu } from './cpu-meter.js';
import { runSource } from './run-source.js';
import { percentile } from './exchange-load.js';
import {
  cachedDataDir, cachedEmbeddedDir, copyFolder, databaseFromTemplate, embeddedFolder, log, type RegisterManifest, registryEnv, SERVER, serverTemplate,
} from './reads-register.js';

const TARGETS = (process.env.BENCH_TARGETS ?? 'both') === 'both' ? (['embedded', 'server'] as const) : [process.env.BENCH_TARGETS as 'embedded' | 'server'];
const RATES = (process.env.BENCH_RATES ?? '250,500,1000,2000,4000').split(',').map(Number);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
const WORKERS = process.env.BENCH_WORKERS ?? '2';
const WRITE_EVERY_MS = Number(process.env.BENCH_WRITE_EVERY_MS ?? 5_000);
/** The issue's targets: p95 at most this many ms. */
const P95_TARGET_MS = { server: 20, embedded: 50 };
/** A step falls far behind (and its route stops stepping) below this share of the offered rate, or with more timed out. */
const FAR_BEHIND_SHARE = 0.8;
const FAR_BEHIND_P50_MS = 1_000;
const FAR_BEHIND_TIMED_OUT = 0.01;
const RESULTS = resolve(import.meta.dirname, '..', '..', 'bench', 'results', process.env.BENCH_RESULTS ?? 'reads.json');

for (const target of TARGETS) if (target !== 'embedded' && target !== 'server') throw new Error(`BENCH_TARGETS must be embedded, server or both, not "${target}"`);
if (RATES.some((rate) => !(rate > 0))) throw new Error(`BENCH_RATES must be positive numbers separated by commas, not "${process.env.BENCH_RATES}"`);

// ---------------------------------------------------------------------------------------------
// The routes

interface Route {
  name: string;
  path: string;
  /** A page for people: sent with Accept-Language and Accept: text/html. */
  page: boolean;
}

function routes(register: RegisterManifest): Route[] {
  const { sourceId, agreementId, sourceJournalIndex } = register.hot;
  const all: Route[] = [
    { name: 'home', path: '/', page: true },
    { name: 'sources-page', path: '/sources', page: true },
    { name: 'sources-api', path: '/api/v1/sources?limit=20', page: false },
    { name: 'source-page', path: `/sources/${sourceId}`, page: true },
    { name: 'source-api', path: `/api/v1/sources/${sourceId}`, page: false },
    { name: 'agreement-page', path: `/agreements/${agreementId}`, page: true },
    { name: 'log-page', path: '/log', page: true },
    { name: 'checkpoint', path: '/api/v1/log/checkpoint', page: false },
    { name: 'inclusion-proof', path: `/api/v1/log/proof/inclusion?index=${sourceJournalIndex}&size=${register.logSize}`, page: false },
  ];
  if (!process.env.BENCH_ROUTES) return all;
  const wanted = process.env.BENCH_ROUTES.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !all.some((route) => route.name === name));
  if (unknown.length > 0) throw new Error(`BENCH_ROUTES: no route ${unknown.join(', ')}; the routes are ${all.map((route) => route.name).join(', ')}`);
  return all.filter((route) => wanted.includes(route.name));
}

const LANGUAGES = ['fr-CA,fr;q=0.9,en;q=0.8', 'en-CA,en;q=0.9,fr;q=0.8'];
const PAGE_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function headersOf(route: Route, n: number): Record<string, string> {
  return route.page
    ? { accept: PAGE_ACCEPT, 'accept-language': LANGUAGES[n % LANGUAGES.length]!, 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'plaza-bench-reads' }
    : { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'plaza-bench-reads' };
}

// ---------------------------------------------------------------------------------------------
// One open-loop step

/**
 * A GET over `agent` (false: a connection of its own); resolves with the status and, when `keepBody`, the body (the
 * load drops it unread, so the generator's CPU goes to requests); rejects when the request fails or is abandoned.
 */
function get(agent: Agent | false, url: URL, headers: Record<string, string>, inFlight?: Set<ClientRequest>, keepBody = false): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      if (keepBody) {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
      } else res.resume();
      res.on('end', () => {
        inFlight?.delete(req);
        done({ status: res.statusCode ?? 0, body });
      });
      res.on('error', fail);
    });
    inFlight?.add(req);
    req.on('error', (error) => {
      inFlight?.delete(req);
      fail(error);
    });
    req.end();
  });
}

interface Step {
  offered: number;
  seconds: number;
  requests: number;
  /** Answers a second from the first answer to the last: the rate the registry served, whatever the latency. */
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Answers other than 2xx and 304 by status, failed requests ("error <code>") and abandoned ones ("timeout"). */
  notOk: Record<string, number>;
  farBehind: boolean;
  cpu: EventCpu;
}

const okStatus = (status: number) => (status >= 200 && status < 300) || status === 304;

/** One step at `rate` a second for `seconds`, on connections of its own (none left idle from an earlier step, which the registry may be closing). */
async function openLoop(base: string, route: Route, rate: number, seconds: number, registryPid: number): Promise<Step> {
  const n = Math.max(2, Math.round(rate * seconds));
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(route.path, base);
  const latencies: number[] = [];
  const notOk: Record<string, number> = {};
  const count = (what: string) => (notOk[what] = (notOk[what] ?? 0) + 1);
  const inFlight = new Set<ClientRequest>();
  const pending: Promise<void>[] = [];
  let firstDone = Infinity;
  let lastDone = 0;
  let answered = 0;
  let timedOut = 0;
  let abandoning = false;
  const interval = 1000 / rate;
  const before = sampleCpu(registryPid);
  const start = performance.now() + 20;
  await new Promise<void>((allSent) => {
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        pending.push(
          get(agent, url, headersOf(route, sent), inFlight).then(
            ({ status }) => {
              lastDone = performance.now();
              firstDone = Math.min(firstDone, lastDone);
              answered++;
              latencies.push(lastDone - scheduled);
              if (!okStatus(status)) count(String(status));
            },
            (error: NodeJS.ErrnoException) => {
              latencies.push(Infinity);
              if (abandoning) timedOut++;
              count(abandoning ? 'timeout' : `error ${error.code ?? error.message}`);
            },
          ),
        );
        sent++;
      }
      if (sent < n) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else allSent();
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  const drained = Promise.all(pending);
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([drained.then(() => true), new Promise<false>((late) => (timer = setTimeout(() => late(false), DRAIN_SECONDS * 1000)))]);
  clearTimeout(timer);
  if (!inTime) {
    abandoning = true;
    for (const req of inFlight) req.destroy();
    await drained;
  }
  agent.destroy();
  const cpu = perEvent(cpuBetween(before, sampleCpu(registryPid)), answered);
  const sorted = latencies.sort((a, b) => a - b);
  const achieved = lastDone > firstDone ? (answered - 1) / ((lastDone - firstDone) / 1000) : NaN;
  const p50 = percentile(sorted, 0.5);
  return {
    offered: rate, seconds, requests: n, achieved, p50, p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, notOk,
    farBehind: !(achieved >= FAR_BEHIND_SHARE * rate) || p50 > FAR_BEHIND_P50_MS || timedOut > FAR_BEHIND_TIMED_OUT * n,
    cpu,
  };
}

const notOkTotal = (step: Step) => Object.values(step.notOk).reduce((sum, k) => sum + k, 0);

/** The highest offered rate up to which every step kept p95 within the target with every answer 2xx/304 (null: not even the first). */
function withinTargetUpTo(steps: Step[], targetMs: number): number | null {
  let rate: number | null = null;
  for (const step of steps) {
    if (step.p95 > targetMs || notOkTotal(step) > 0) break;
    rate = step.offered;
  }
  return rate;
}

// ---------------------------------------------------------------------------------------------
// Background writes

interface Writes {
  writes: number;
  failed: number;
  /** Reads after an answered write that still showed the state before it. */
  staleReads: number;
  latencies: number[];
  problems: string[];
}

/** Every WRITE_EVERY_MS, suspends or reactivates the writer's source, then reads it back on a new connection. */
function backgroundWrites(base: string, register: RegisterManifest): { stop(): Promise<Writes> } {
  const figures: Writes = { writes: 0, failed: 0, staleReads: 0, latencies: [], problems: [] };
  if (!(WRITE_EVERY_MS > 0)) return { stop: async () => figures };
  const { key, sourceId } = register.writer;
  let status = 'active';
  const stopping = new AbortController();
  const loop = (async () => {
    for (;;) {
      await sleep(WRITE_EVERY_MS, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) break;
      const next = status === 'active' ? 'suspended' : 'active';
      const started = performance.now();
      try {
        const answer = await fetch(new URL(`/api/v1/sources/${sourceId}/status`, base), {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ status: next, ...(next === 'suspended' ? { reason: 'Maintenance visit' } : {}) }),
        });
        const text = await answer.text();
        if (answer.status !== 200) throw new Error(`the status change answered ${answer.status}: ${text.slice(0, 200)}`);
        figures.latencies.push(performance.now() - started);
        figures.writes++;
        status = next;
        const read = await get(false, new URL(`/api/v1/sources/${sourceId}`, base), { accept: 'application/json' }, undefined, true);
        if ((JSON.parse(read.body) as { status: string }).status !== status) figures.staleReads++;
      } catch (error) {
        figures.failed++;
        if (figures.problems.length < 5) figures.problems.push((error as Error).message);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
      return figures;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A target

const ms = (value: number) => (!Number.isFinite(value) ? (value > 0 ? 'timeout' : 'n/a') : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value < 100 ? value.toFixed(1) : Math.round(value)} ms`);
const perSecond = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString('en')}/s` : 'n/a');
const notOkText = (step: Step) => (notOkTotal(step) === 0 ? '0' : Object.entries(step.notOk).map(([what, k]) => `${k} ${what}`).join(', '));

interface RouteResult {
  path: string;
  steps: Step[];
  p95WithinTargetUpTo: number | null;
}

/**
 * Waits (at most 30 s) until the registry's processes use less than a quarter of a core: requests a step abandoned
 * may still be in its queues, and the next step must not pay for them.
 */
async function settle(registryPid: number): Promise<void> {
  for (let tries = 0; tries < 120; tries++) {
    const before = sampleCpu(registryPid);
    await sleep(250);
    const split = cpuBetween(before, sampleCpu(registryPid));
    if (split.registryMicros / 1e6 / split.seconds < 0.25) return;
  }
}

/** Each route: a warm-up, then steps up the rates until one falls far behind. */
async function measureRoutes(target: string, registry: RegistryProcess, register: RegisterManifest, targetMs: number): Promise<Record<string, RouteResult>> {
  const results: Record<string, RouteResult> = {};
  for (const route of routes(register)) {
    await settle(registry.child.pid!);
    await openLoop(registry.url, route, Math.min(...RATES), WARMUP_SECONDS, registry.child.pid!);
    const steps: Step[] = [];
    for (const rate of RATES) {
      await settle(registry.child.pid!);
      const step = await openLoop(registry.url, route, rate, STEP_SECONDS, registry.child.pid!);
      steps.push(step);
      const cpu = step.cpu.microsPerEvent;
      log(
        `${target} ${route.name} ${rate}/s: achieved ${perSecond(step.achieved)}, p50 ${ms(step.p50)}, p95 ${ms(step.p95)}, p99 ${ms(step.p99)}, not 2xx/304: ${notOkText(step)}; ` +
          `CPU µs/request registry ${Math.round(cpu.node)}, PostgreSQL ${Math.round(cpu.postgres)}, generator ${Math.round(cpu.loadGenerator)}${step.farBehind ? ' (far behind: next route)' : ''}`,
      );
      if (step.farBehind) break;
    }
    results[route.name] = { path: route.path, steps, p95WithinTargetUpTo: withinTargetUpTo(steps, targetMs) };
  }
  return results;
}

async function runTarget(target: 'embedded' | 'server', register: RegisterManifest, keep: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), `plaza-bench-reads-${target}-`));
  let database: Awaited<ReturnType<typeof databaseFromTemplate>> | undefined;
  let registry: RegistryProcess | undefined;
  try {
    let env: Record<string, string>;
    if (target === 'server') {
      database = await databaseFromTemplate(SERVER, register.name, `plaza_bench_reads_run_${process.pid}`);
      copyFolder(cachedDataDir(register.name), dataDir);
      env = { ...registryEnv(register.operatorKey, dataDir, database.url), PLAZA_WORKERS: WORKERS };
    } else {
      copyFolder(cachedEmbeddedDir(register.name), dataDir);
      env = registryEnv(register.operatorKey, dataDir);
    }
    // One address sends everything here, where a spike comes from thousands: the limit must not refuse it, but its bookkeeping still runs.
    registry = await startRegistry({ ...env, PLAZA_RATE_LIMIT_PER_MINUTE: '1000000' }, undefined, 300_000);
    const workers = target === 'server' ? Number(WORKERS) : 1;
    const targetMs = P95_TARGET_MS[target];
    log(`${target}: registry ready (${workers} process${workers > 1 ? 'es' : ''}${database ? `, database ${new URL(database.url).pathname.slice(1)}` : ''}); p95 target ${targetMs} ms`);
    const writes = backgroundWrites(registry.url, register);
    const results = await measureRoutes(target, registry, register, targetMs).catch(async (error: unknown) => {
      await writes.stop();
      throw error;
    });
    const written = await writes.stop();
    const sortedWrites = [...written.latencies].sort((a, b) => a - b);
    log(`${target}: ${written.writes} background writes (${written.failed} failed, p50 ${ms(percentile(sortedWrites, 0.5))}), ${written.staleReads} stale reads after them`);
    return {
      workers,
      p95TargetMs: targetMs,
      routes: results,
      backgroundWrites: { everyMs: WRITE_EVERY_MS, writes: written.writes, failed: written.failed, staleReads: written.staleReads, p50Ms: percentile(sortedWrites, 0.5), problems: written.problems },
    };
  } finally {
    if (registry) {
      const { code, signal } = await registry.stop();
      if (code !== 0) console.error(`the ${target} registry stopped with ${code ?? signal}:\n${registry.log().slice(-2000)}`);
    }
    if (database && !keep) await database.drop();
    if (database && keep) log(`kept the database ${database.url}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type TargetResult = Awaited<ReturnType<typeof runTarget>>;

function printTable(target: string, result: TargetResult): void {
  console.log(`\n${target} (${result.workers} registry process${result.workers > 1 ? 'es' : ''}): p95 target ${result.p95TargetMs} ms`);
  const rows = [['route', 'offered', 'achieved', 'p50', 'p95', 'p99', 'not 2xx/304', 'µs/req registry', 'µs/req generator', `p95 ≤ ${result.p95TargetMs} ms up to`]];
  for (const [name, route] of Object.entries(result.routes)) {
    route.steps.forEach((step, i) =>
      rows.push([
        i === 0 ? name : '', `${step.offered.toLocaleString('en')}/s`, perSecond(step.achieved), ms(step.p50), ms(step.p95), ms(step.p99), notOkText(step),
        String(Math.round(step.cpu.microsPerEvent.node)), String(Math.round(step.cpu.microsPerEvent.loadGenerator)),
        i === 0 ? (route.p95WithinTargetUpTo === null ? `below ${step.offered.toLocaleString('en')}/s` : `${route.p95WithinTargetUpTo.toLocaleString('en')}/s`) : '',
      ]),
    );
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

// ---------------------------------------------------------------------------------------------

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    return ((await client.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_KEEP === '1';
  const register = TARGETS.includes('embedded') ? await embeddedFolder() : await serverTemplate();
  const loadAtStart = loadavg();
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, postgres: await postgresVersion() };
  log(`register ${register.name}: ${register.generatedSources.toLocaleString('en')} generated sources and the demo, log size ${register.logSize.toLocaleString('en')}`);
  log(`${machine.cores} × ${machine.cpu}, node ${machine.node}, PostgreSQL ${machine.postgres}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const targets: Partial<Record<'embedded' | 'server', TargetResult>> = {};
  for (const target of TARGETS) targets[target] = await runTarget(target, register, keep);
  const loadAtEnd = loadavg();
  for (const [target, result] of Object.entries(targets)) printTable(target, result);
  // Other processes' CPU while the steps ran (cpu-meter's "other"): a machine doing other work skews every figure.
  const otherCores = Object.values(targets).flatMap((result) => Object.values(result.routes).flatMap((route) => route.steps.map((step) => step.cpu.coresBusy.other)));
  const otherCoresMean = otherCores.reduce((sum, c) => sum + c, 0) / Math.max(1, otherCores.length);
  const idle = loadAtStart[0]! < 0.5 && otherCoresMean < 0.1;
  console.log(`\nload average ${loadAtStart[0]!.toFixed(2)} at the start, ${loadAtEnd[0]!.toFixed(2)} at the end; other processes ${otherCoresMean.toFixed(2)} cores on average during the steps: ${idle ? 'an idle machine' : 'NOT an idle machine'}`);
  mkdirSync(resolve(RESULTS, '..'), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        source: runSource(),
        machine: { ...machine, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd, otherCoresBusyMean: otherCoresMean, idle },
        register: { name: register.name, generatedSources: register.generatedSources, logSize: register.logSize, hot: register.hot },
        settings: { rates: RATES, stepSeconds: STEP_SECONDS, warmupSeconds: WARMUP_SECONDS, drainSeconds: DRAIN_SECONDS, connections: CONNECTIONS, serverWorkers: Number(WORKERS), writeEveryMs: WRITE_EVERY_MS },
        targets,
      },
      (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value),
      2,
    )}\n`,
  );
  log(`results in ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
