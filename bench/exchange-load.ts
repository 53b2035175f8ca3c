/**
 * The exchange benchmark's load: pre-signed events sent over real HTTP in batch mode (closed loop over keep-alive
 * connections) or one a request (open loop: requests leave on a fixed schedule whatever the answers, and latency is
 * counted from each request's scheduled send time, so queueing counts). Each measured phase samples where the CPU
 * went (cpu-meter.ts) around the sending only, not around the signing. The open loop sends over KeepAliveClient, a
 * lean HTTP/1.1 client, since the generator shares the cores it measures.
 */
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { signBatch, signStructured } from '#plaza/dsse';
import { GROUP_PHASES, type GroupPhase } from '../apps/registry/src/exchange/submit/submit-metrics.js';
import { type ExchangeScenario, readingText } from '../test/support/exchange-scenario.js';
import { samples, total } from '../test/support/prometheus-text.js';
import { cpuBetween, type EventCpu, perEvent, sampleCpu } from './cpu-meter.js';

export const BATCH_SIZE = 100;
/** An open-loop step keeps up when it answers at least this share of the offered rate, all accepted, with p99 at most KEEPS_UP_P99_MS. */
export const KEEPS_UP_SHARE = 0.98;
export const KEEPS_UP_P99_MS = 1_000;

interface Answer {
  status: number;
  body: Buffer;
}

/** POSTs over keep-alive connections of `agent`. */
export function post(agent: Agent, url: URL, headers: Record<string, string>, body: Buffer): Promise<Answer> {
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

/** Connections a KeepAliveClient opens at most (node:http's Agent had the same cap in the open loop). */
const MAX_CONNECTIONS = 1024;

/** One keep-alive connection carrying one request at a time; it reads an answer as far as its status and Content-Length. */
class Connection {
  readonly socket: Socket;
  private buffered: Buffer | null = null;
  private waiting: { done(status: number): void; fail(error: Error): void } | null = null;

  constructor(endpoint: URL, free: (connection: Connection) => void, gone: (connection: Connection) => void) {
    this.socket = connect({ host: endpoint.hostname, port: Number(endpoint.port) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk, free));
    let closed = false;
    const lost = (error?: Error) => {
      if (closed) return;
      closed = true;
      gone(this);
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.fail(error ?? new Error('the registry closed the connection'));
    };
    this.socket.on('error', lost).on('close', () => lost());
  }

  send(message: Buffer): Promise<number> {
    return new Promise((done, fail) => {
      this.waiting = { done, fail };
      this.socket.write(message);
    });
  }

  private read(chunk: Buffer, free: (connection: Connection) => void): void {
    const data = this.buffered === null ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = data.indexOf('\r\n\r\n');
    const head = headEnd < 0 ? '' : data.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const total = length === null ? Infinity : headEnd + 4 + Number(length[1]);
    if (headEnd >= 0 && length === null) return void this.socket.destroy(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
    if (data.length < total) {
      this.buffered = data;
      return;
    }
    if (data.length > total || this.waiting === null) return void this.socket.destroy(new Error('bytes the registry sent unasked'));
    this.buffered = null;
    const waiting = this.waiting;
    this.waiting = null;
    if (/\r\nconnection: *close/i.test(head)) this.socket.end();
    else free(this);
    waiting.done(Number(head.slice(9, 12)));
  }
}

/**
 * Real HTTP/1.1 over keep-alive connections, as node:http's Agent sends it (one request at a time a connection, a new
 * connection when every open one is busy, at most MAX_CONNECTIONS), for a fraction of its CPU: each request is one
 * buffer built before the phase (request line, headers, body), and an answer is read as far as its status. node:http
 * cost the open loop about 155 µs of CPU a request at 1,000/s against a plain local server, this client 76 µs.
 */
export class KeepAliveClient {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly queued: { message: Buffer; done(status: number): void; fail(error: Error): void }[] = [];

  constructor(private readonly endpoint: URL) {}

  /** The bytes of a POST of `body` to the endpoint with `headers`. */
  message(headers: Record<string, string>, body: Buffer): Buffer {
    const lines = [`POST ${this.endpoint.pathname}${this.endpoint.search} HTTP/1.1`, `host: ${this.endpoint.host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), `content-length: ${body.length}`];
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  }

  /** Sends a message built by message(); resolves with the answer's status. */
  send(message: Buffer): Promise<number> {
    const connection = this.idle.pop() ?? (this.open.size < MAX_CONNECTIONS ? this.connect() : undefined);
    if (connection !== undefined) return connection.send(message);
    return new Promise((done, fail) => this.queued.push({ message, done, fail }));
  }

  close(): void {
    for (const connection of this.open) connection.socket.destroy();
  }

  private connect(): Connection {
    const connection = new Connection(
      this.endpoint,
      (free) => {
        const next = this.queued.shift();
        if (next === undefined) this.idle.push(free);
        else free.send(next.message).then(next.done, next.fail);
      },
      (gone) => {
        this.open.delete(gone);
        const at = this.idle.indexOf(gone);
        if (at >= 0) this.idle.splice(at, 1);
        // A request queued for a connection goes out on a new one, so none waits forever once every connection is lost.
        const next = this.queued.shift();
        if (next !== undefined) this.send(next.message).then(next.done, next.fail);
      },
    );
    this.open.add(connection);
    return connection;
  }
}

export const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

/** Where the load goes: the registry's endpoint, its primary's pid (for the CPU split) and its metrics port's URL (PLAZA_METRICS_PORT). */
export interface Target {
  endpoint: URL;
  pid: number;
  metrics: URL;
}

/**
 * prom-client's event-loop monitor ticks this often (its default precision) and reports the longest interval between
 * two ticks, so an interval of this length is no delay at all.
 */
const EVENT_LOOP_TICK_SECONDS = 0.01;

/**
 * The registry's counters so far, all workers added up: its group commits (how many, the requests they held, the
 * time spent in each phase), its answered submissions (how many, and their time in the registry, from fastify's
 * receipt of the request to the answer's end) and its workers' full garbage collections (how many, and their pauses); and the
 * longest event-loop delay of any worker since the last scrape (prom-client starts that measure again at each scrape).
 */
async function registryCounters(metrics: URL, endpoint: URL) {
  const all = samples(await (await fetch(metrics)).text());
  const submits = { method: 'POST', route: endpoint.pathname, status_class: '2xx' };
  return {
    groups: total(all, 'plaza_exchange_group_requests_count'),
    requests: total(all, 'plaza_exchange_group_requests_sum'),
    phaseSeconds: Object.fromEntries(GROUP_PHASES.map((phase) => [phase, total(all, 'plaza_exchange_group_phase_seconds_sum', { phase })])) as Record<GroupPhase, number>,
    submitted: { count: total(all, 'plaza_http_request_duration_seconds_count', submits), seconds: total(all, 'plaza_http_request_duration_seconds_sum', submits) },
    majorGcs: total(all, 'nodejs_gc_duration_seconds_count', { kind: 'major' }),
    majorGcSeconds: total(all, 'nodejs_gc_duration_seconds_sum', { kind: 'major' }),
    eventLoopDelayMaxSeconds: Math.max(0, total(all, 'nodejs_eventloop_lag_max_seconds') - EVENT_LOOP_TICK_SECONDS),
  };
}

const singleHeaders = (s: ExchangeScenario) => ({ 'content-type': 'application/cloudevents+json', authorization: `Bearer ${s.vendor.apiKey}` });

// ---------------------------------------------------------------------------------------------
// Batch mode

export async function batchPhase(s: ExchangeScenario, target: Target, prefix: string, events: number, connections: number) {
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
  let answered = 0;
  const problems = new Map<string, number>();
  const before = sampleCpu(target.pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < bodies.length) {
        const answer = await post(agent, target.endpoint, headers, bodies[next++]!);
        answered++;
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
  const cpu = perEvent(cpuBetween(before, sampleCpu(target.pid)), accepted);
  agent.destroy();
  return { events, requests: answered, accepted, notAccepted: other, problems: Object.fromEntries(problems), seconds, eventsPerSecond: accepted / seconds, cpu, bodies };
}

export type BatchPhase = Awaited<ReturnType<typeof batchPhase>>;

/** A batch phase's figures without its request bodies. */
export function batchFigures({ bodies: _bodies, ...figures }: BatchPhase) {
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Single-event mode

export interface Step {
  offered: number;
  seconds: number;
  requests: number;
  /** Answers a second from the first answer to the last: the rate the registry served, whatever the latency. */
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers other than 201 Created, and requests that failed. */
  errors: number;
  keptUp: boolean;
  cpu: EventCpu;
  /** Requests a group commit held during the step, from the registry's metrics (null for requests that make none). */
  requestsPerGroup: number | null;
  /**
   * Where the answers slower than the p99 target fell: in how many of the step's 100-ms windows (by scheduled send
   * time). A few windows holding them all say the tail comes from stalls; many say it comes from queueing throughout.
   */
  slow: { answers: number; windows: number; ofWindows: number; thresholdMs: number };
  /** The registry workers' pauses during the step, from its metrics (null for the floor's loop, which reads none). */
  pauses: { majorGcs: number; majorGcMs: number; eventLoopDelayMaxMs: number } | null;
  /**
   * Where the step's time went in the registry, from its metrics (null for the floor's loop): a group commit's mean
   * time in each phase, and an answered submission's mean time from fastify's receipt of it to its answer's end.
   */
  inRegistry: { groupPhaseMs: Record<GroupPhase, number>; submissionMs: number } | null;
}

/** Open-loop latencies are also grouped by scheduled send time into windows this long (Step.slow). */
const WINDOW_MS = 100;

/** One open-loop step: `rate` events a second for `seconds`; answers slower than `slowMs` are located (Step.slow). */
export async function openLoop(s: ExchangeScenario, target: Target, prefix: string, rate: number, seconds: number, slowMs: number): Promise<Step> {
  const n = Math.max(2, Math.round(rate * seconds));
  const client = new KeepAliveClient(target.endpoint);
  const headers = singleHeaders(s);
  const messages: Buffer[] = [];
  for (let i = 0; i < n; i++) messages.push(client.message(headers, signStructured(readingText(s.source, `${prefix}-${i}`), s.vendor.signingKey)));
  const before = await registryCounters(target.metrics, target.endpoint);
  const step = await sendOnSchedule(client, target.pid, messages, rate, seconds, 201, slowMs);
  const after = await registryCounters(target.metrics, target.endpoint);
  const groups = after.groups - before.groups;
  return {
    ...step,
    requestsPerGroup: (after.requests - before.requests) / groups,
    pauses: { majorGcs: after.majorGcs - before.majorGcs, majorGcMs: (after.majorGcSeconds - before.majorGcSeconds) * 1000, eventLoopDelayMaxMs: after.eventLoopDelayMaxSeconds * 1000 },
    inRegistry: {
      groupPhaseMs: Object.fromEntries(GROUP_PHASES.map((phase) => [phase, ((after.phaseSeconds[phase] - before.phaseSeconds[phase]) * 1000) / groups])) as Record<GroupPhase, number>,
      submissionMs: ((after.submitted.seconds - before.submitted.seconds) * 1000) / (after.submitted.count - before.submitted.count),
    },
  };
}

/**
 * The open loop of a request that asks nothing of the database, the exchange or anyone's keys (`GET path`): what any
 * request costs this machine at `rate` (the HTTP stack, the framework, the load generator), to set beside an event's.
 */
export async function floorLoop(target: Target, path: string, rate: number, seconds: number, slowMs: number): Promise<Step> {
  const endpoint = new URL(path, target.endpoint);
  const client = new KeepAliveClient(endpoint);
  const message = Buffer.from(`GET ${endpoint.pathname} HTTP/1.1\r\nhost: ${endpoint.host}\r\n\r\n`, 'latin1');
  return sendOnSchedule(client, target.pid, Array.from({ length: Math.max(2, Math.round(rate * seconds)) }, () => message), rate, seconds, 200, slowMs);
}

/**
 * Sends `messages` on a fixed schedule of `rate` a second, whatever the answers; an answer other than `expected` counts
 * as an error, one slower than `slowMs` is located (Step.slow).
 */
async function sendOnSchedule(client: KeepAliveClient, pid: number, messages: Buffer[], rate: number, seconds: number, expected: number, slowMs: number): Promise<Step> {
  const n = messages.length;
  const latencies: number[] = [];
  const slowWindows = new Set<number>();
  let slowAnswers = 0;
  let errors = 0;
  let firstDone = Infinity;
  let lastDone = 0;
  const interval = 1000 / rate;
  const before = sampleCpu(pid);
  const start = performance.now() + 20;
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((allSent) => {
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        const settle = (ok: boolean) => {
          lastDone = performance.now();
          firstDone = Math.min(firstDone, lastDone);
          latencies.push(lastDone - scheduled);
          if (lastDone - scheduled > slowMs) {
            slowAnswers++;
            slowWindows.add(Math.floor((scheduled - start) / WINDOW_MS));
          }
          if (!ok) errors++;
        };
        inFlight.push(client.send(messages[sent]!).then((status) => settle(status === expected), () => settle(false)));
        sent++;
      }
      if (sent < n) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else allSent();
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await Promise.all(inFlight);
  const cpu = perEvent(cpuBetween(before, sampleCpu(pid)), n - errors);
  client.close();
  const sorted = latencies.sort((a, b) => a - b);
  const achieved = lastDone > firstDone ? (latencies.length - 1) / ((lastDone - firstDone) / 1000) : NaN;
  const p99 = percentile(sorted, 0.99);
  return {
    offered: rate,
    seconds,
    requests: n,
    achieved,
    p50: percentile(sorted, 0.5),
    p99,
    max: sorted[sorted.length - 1] ?? NaN,
    errors,
    keptUp: errors === 0 && achieved >= KEEPS_UP_SHARE * rate && p99 <= KEEPS_UP_P99_MS,
    cpu,
    requestsPerGroup: null,
    slow: { answers: slowAnswers, windows: slowWindows.size, ofWindows: Math.ceil((n * interval) / WINDOW_MS), thresholdMs: slowMs },
    pauses: null,
    inRegistry: null,
  };
}

/**
 * Open-loop steps at `rates` in order, until a step at or above `headlineRate` no longer keeps up; then the figures
 * the issue asks for: the step at the headline rate, the saturation rate (the highest offered rate kept up with),
 * the highest kept-up rate whose p99 is at most `p99TargetMs`, and the first step that did not keep up.
 */
export async function singleSteps(s: ExchangeScenario, target: Target, prefix: string, rates: number[], seconds: number, headlineRate: number, p99TargetMs: number, log: (line: string) => void) {
  const steps: Step[] = [];
  for (const [index, rate] of rates.entries()) {
    // The step's index in the ids too: BENCH_RATES may name a rate twice (a warm-up step, then the measured one).
    const step = await openLoop(s, target, `${prefix}-${index}-${rate}`, rate, seconds, p99TargetMs);
    steps.push(step);
    const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
    log(`single, offered ${rate}/s: answered ${Math.round(step.achieved)}/s, p50 ${ms(step.p50)} ms, p99 ${ms(step.p99)} ms, max ${ms(step.max)} ms, ${step.errors} errors, ${step.requestsPerGroup?.toFixed(2)} requests a group${step.keptUp ? '' : ' (did not keep up)'}`);
    log(`  ${slowCell(step)}`);
    if (step.inRegistry) log(`  ${inRegistryCell(step.inRegistry)}`);
    if (rate >= headlineRate && !step.keptUp) break;
  }
  const highest = (list: Step[]) => (list.length > 0 ? Math.max(...list.map((step) => step.offered)) : null);
  return {
    steps,
    // The last step at the headline rate: an earlier one at the same rate is a warm-up.
    headline: steps.findLast((step) => step.offered === headlineRate) ?? null,
    saturationRate: highest(steps.filter((step) => step.keptUp)),
    highestRateWithinP99Target: highest(steps.filter((step) => step.keptUp && step.p99 <= p99TargetMs)),
    firstOverloaded: steps.find((step) => !step.keptUp) ?? null,
  };
}

export type SingleSteps = Awaited<ReturnType<typeof singleSteps>>;

/** Where a step's slow answers fell, and the workers' pauses meanwhile, in words. */
export function slowCell({ slow, pauses }: Step): string {
  const count = (n: number) => n.toLocaleString('en');
  const where = `${count(slow.answers)} answers over ${slow.thresholdMs} ms, in ${count(slow.windows)} of ${count(slow.ofWindows)} windows of ${WINDOW_MS} ms`;
  return pauses === null ? where : `${where}; workers' full GCs ${pauses.majorGcs}, ${pauses.majorGcMs.toFixed(0)} ms of pauses; longest event-loop delay ${pauses.eventLoopDelayMaxMs.toFixed(0)} ms`;
}

/** A step's time in the registry, in words: an answered submission's mean, and a group commit's by phase. */
export function inRegistryCell({ groupPhaseMs, submissionMs }: NonNullable<Step['inRegistry']>): string {
  const ms = (v: number) => v.toFixed(2);
  const phases = GROUP_PHASES.map((phase) => `${phase} ${ms(groupPhaseMs[phase])}`).join(', ');
  return `a submission ${ms(submissionMs)} ms in the registry; a group's phases ${phases} ms (means)`;
}

/** `n` single events one after another on one connection: no concurrency, so nothing to group. */
export async function sequentialSingles(s: ExchangeScenario, target: Target, prefix: string, n: number): Promise<{ requests: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const answer = await post(agent, target.endpoint, singleHeaders(s), signStructured(readingText(s.source, `${prefix}-${i}`), s.vendor.signingKey));
    if (answer.status !== 201) errors++;
  }
  agent.destroy();
  return { requests: n, errors };
}
