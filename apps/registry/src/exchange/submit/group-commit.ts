import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { IdentityVanishedError, OnceAndStore } from './once-and-store.js';
import type { Outcomes, Submission } from './outcomes.js';
import { Quota } from './quota.js';
import { RegistryChecks } from './registry-checks.js';
import type { PreparedEvent } from './stateless-checks.js';
import { SubmissionRepository } from './submission.repository.js';
import { type GroupClock, SubmitMetrics } from './submit-metrics.js';

/** A request handed to the group commit: what phases 1 and 2 made of it. */
export interface GroupRequest {
  organisationId: string;
  apiKeyId: string;
  /** Events submitted, counted against the quota. */
  submitted: number;
  /** Events that passed phases 1 and 2, for phase 3. */
  prepared: PreparedEvent[];
  /** What phases 1 and 2 refused, and where phases 3 and 4 settle the rest. */
  outcomes: Outcomes;
  dryRun: boolean;
}

interface Waiting {
  request: GroupRequest;
  joinedAt: number;
  answer(submission: Submission): void;
  fail(error: unknown): void;
}

const DEADLOCK = '40P01';
/** Groups of one process in their transactions at once: one stores while the next one's locks are taken. */
const GROUPS_IN_FLIGHT = 2;

/** Bytes a group's insert may carry (PostgreSQL takes at most 1 GB in one parameter). */
const GROUP_BYTES = 32 * 1_048_576;

const weightOf = (request: GroupRequest) => Math.max(1, request.prepared.length);
const bytesOf = (request: GroupRequest) => {
  let bytes = 0;
  for (const { event } of request.prepared) bytes += event.received.length;
  return bytes;
};
const sqlState = (error: unknown): string | undefined => {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
};
/** Run again as a group: a deadlock, or an identity retention deleted between two statements. */
const isTransient = (error: unknown) => sqlState(error) === DEADLOCK || error instanceof IdentityVanishedError;
/**
 * The database refused the group's statements (an error PostgreSQL sent, which carries a severity, outside the
 * connection and shutdown classes): it rolled back, and storing each request alone finds the one that caused it. A
 * lost connection (a socket error, or class 08 or 57) may have lost the COMMIT's answer rather than the COMMIT, so its
 * requests fail rather than being stored a second time.
 */
const refusedByDatabase = (error: unknown) => {
  const sent = (error as { driverError?: { severity?: unknown } }).driverError ?? (error as { severity?: unknown });
  const state = sqlState(error);
  return typeof sent.severity === 'string' && state !== undefined && !state.startsWith('08') && !state.startsWith('57');
};

/**
 * Group commit: the requests this process is handling at the same moment join one transaction and one commit.
 * A request waits while GROUPS_IN_FLIGHT groups are in their transactions; the next group takes the requests waiting
 * then, up to PLAZA_EXCHANGE_GROUP_MAX_EVENTS events and GROUP_BYTES, or (with PLAZA_EXCHANGE_GROUP_DELAY_MS) only
 * once its first request has waited that long. A group costs one quota statement, the locks (phase 3), the insert (phase 4) and
 * one commit, however many requests it holds. Nobody is answered before the commit.
 *
 * Refusals are values, so one request's refused events never fail another's. When the database refuses the whole
 * group (one request's row breaks a constraint, say), each of its requests is stored again on its own, so only the
 * request that caused it fails; a deadlock reruns the group; a lost connection fails the group's requests (their
 * COMMIT may have gone through: the client's retry is answered `duplicate`).
 */
@Injectable()
export class GroupCommit {
  private readonly logger = new Logger('GroupCommit');
  private readonly waiting: Waiting[] = [];
  /** The events of the waiting requests, kept as they come and go (never summed over the queue). */
  private waitingWeight = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SubmissionRepository) private readonly repository: SubmissionRepository,
    @Inject(Quota) private readonly quota: Quota,
    @Inject(RegistryChecks) private readonly registry: RegistryChecks,
    @Inject(OnceAndStore) private readonly once: OnceAndStore,
    @Inject(SubmitMetrics) private readonly metrics: SubmitMetrics,
  ) {}

  /** Settles the request's events in the next group: answers once that group has committed (or rejects: quota, database). */
  join(request: GroupRequest): Promise<Submission> {
    return new Promise((answer, fail) => {
      this.waiting.push({ request, joinedAt: performance.now(), answer, fail });
      this.waitingWeight += weightOf(request);
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < GROUPS_IN_FLIGHT && this.waiting.length > 0) {
      const delay = this.config.exchangeGroupDelayMs;
      if (delay > 0 && this.waitingWeight < this.config.exchangeGroupMaxEvents) {
        const due = this.waiting[0]!.joinedAt + delay - performance.now();
        if (due > 0) {
          this.timer ??= setTimeout(() => {
            this.timer = null;
            this.next();
          }, due);
          return;
        }
      }
      const group = this.take();
      this.inFlight += 1;
      void this.commit(group).finally(() => {
        this.inFlight -= 1;
        this.next();
      });
    }
  }

  /** The waiting requests, oldest first, up to the group's size in events and bytes (at least one request). */
  private take(): Waiting[] {
    let weight = 0;
    let bytes = 0;
    let count = 0;
    while (count < this.waiting.length) {
      const next = this.waiting[count]!.request;
      if (count > 0 && (weight + weightOf(next) > this.config.exchangeGroupMaxEvents || bytes + bytesOf(next) > GROUP_BYTES)) break;
      weight += weightOf(next);
      bytes += bytesOf(next);
      count += 1;
    }
    this.waitingWeight -= weight;
    return this.waiting.splice(0, count);
  }

  private async commit(group: Waiting[]): Promise<void> {
    const started = performance.now();
    try {
      await this.commitGroup(group);
    } finally {
      this.metrics.group(group.length, group.reduce((events, { request }) => events + request.prepared.length, 0), (performance.now() - started) / 1000);
    }
  }

  private async commitGroup(group: Waiting[]): Promise<void> {
    const at = new Date();
    const clock = this.metrics.groupClock();
    let admitted: boolean[];
    try {
      admitted = await this.quota.take(group.map(({ request }) => ({ organisationId: request.organisationId, events: request.submitted })), at);
      clock.lap('quota');
    } catch (error) {
      for (const waiting of group) waiting.fail(error);
      return;
    }
    const members = group.filter((waiting, i) => {
      if (!admitted[i]) waiting.fail(this.quota.exceeded(waiting.request.submitted, at));
      return admitted[i];
    });
    if (members.length === 0) return;
    try {
      const submissions = await this.store(members, clock);
      members.forEach((waiting, i) => waiting.answer(submissions[i]!));
    } catch (error) {
      if (members.length === 1 || !refusedByDatabase(error)) {
        for (const waiting of members) waiting.fail(error);
        return;
      }
      this.logger.warn(`a group of ${members.length} requests was refused by the database; each is stored on its own`);
      for (const waiting of members) {
        try {
          waiting.answer((await this.store([waiting], this.metrics.groupClock()))[0]!);
        } catch (alone) {
          waiting.fail(alone);
        }
      }
    }
  }

  /** Phases 3 and 4 for the group, in one transaction; a transient failure runs it again from the outcomes of phase 2. */
  private async store(group: readonly Waiting[], clock: GroupClock): Promise<Submission[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const submissions = await this.repository.transaction(async (manager) => {
          clock.lap('begin');
          const requests = group.map((waiting) => waiting.request);
          const attempts = requests.map((request) => request.outcomes.fork());
          const locked = await this.registry.lock(requests, manager);
          clock.lap('lock');
          const storing = [];
          for (const [i, request] of requests.entries()) {
            const passed = await this.registry.judge(request, locked, attempts[i]!);
            storing.push({ who: { organisationId: request.organisationId, apiKeyId: request.apiKeyId }, passed, outcomes: attempts[i]!, dryRun: request.dryRun });
          }
          clock.lap('judge');
          await this.once.run(storing, locked.now, manager);
          clock.lap('store');
          return attempts.map((outcomes) => outcomes.submission());
        });
        clock.lap('commit');
        return submissions;
      } catch (error) {
        if (!isTransient(error) || attempt >= 3) throw error;
      }
    }
  }
}
