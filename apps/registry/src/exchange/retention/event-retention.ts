import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { longestCutoff } from './retention-cutoff.js';
import { type DueEvents, monthPartitionName, RetentionRepository } from './retention.repository.js';

/** What one run did, and what it cost. */
export interface RetentionRun {
  /** Month partitions made ahead of time. */
  created: string[];
  /** Events deleted (with their identities). */
  deleted: number;
  /** Deleting statements run, and the longest one's duration: what retention costs the events flowing meanwhile. */
  statements: number;
  longestStatementMs: number;
  /** Empty month partitions dropped. */
  dropped: string[];
  ms: number;
}

const monthStart = (at: Date, plus = 0) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + plus, 1));

/**
 * The exchange's upkeep of stored events, every PLAZA_RETENTION_INTERVAL_SECONDS (0: never):
 * 1. makes this month's and next month's partitions ahead of time (the DEFAULT partition takes rows meanwhile);
 * 2. deletes the events past retention, PLAZA_RETENTION_BATCH_ROWS rows a statement, each statement on its own: an
 *    event that an organisation other than the source's owner submitted is kept for the longest retention among the
 *    agreement versions signed by every party that name that vendor and that source, counted from its receipt; the
 *    owner's own events are governed by no agreement and kept, and so is a vendor's event no signed version covers;
 * 3. drops the partitions of past months that have emptied.
 * A deleted event is gone from the feed and its identity with it: the same (source, id) submitted again is a new acceptance.
 *
 * Not a scheduler TimedJob: the scheduler runs each job in one unit of work that rolls back when it journals nothing,
 * and holds the embedded database's only connection for as long; retention journals nothing (events are not records)
 * and must commit statement by statement. Runs on several instances are harmless: a row is deleted once, and the
 * partitions' DDL takes turns on a lock.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExchangeRetention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RetentionRepository) private readonly repository: RetentionRepository,
  ) {}

  /** One run at `now`, its three steps in order: what the timer does. */
  async run(now = new Date()): Promise<RetentionRun> {
    const started = performance.now();
    const created = await this.partitionsAhead(now);
    const deleting = await this.deletePastRetention(now);
    const dropped = await this.dropEmptiedMonths(now);
    const run: RetentionRun = { created, ...deleting, dropped, ms: performance.now() - started };
    if (created.length + run.deleted + dropped.length > 0) this.logger.log(run, 'exchange retention run');
    return run;
  }

  /** Makes the partitions of the month of `now` and the next, unless they exist; answers those it made. */
  async partitionsAhead(now: Date): Promise<string[]> {
    const created: string[] = [];
    for (const month of [monthStart(now), monthStart(now, 1)]) {
      try {
        if (await this.repository.createMonth(month)) created.push(monthPartitionName(month));
      } catch (error) {
        this.logger.warn({ err: error, partition: monthPartitionName(month) }, 'could not make the partition ahead of time; the next run tries again');
      }
    }
    return created;
  }

  /** Deletes the events past retention at `now`, partition by partition, a batch a statement. */
  async deletePastRetention(now: Date): Promise<Pick<RetentionRun, 'deleted' | 'statements' | 'longestStatementMs'>> {
    const done = { deleted: 0, statements: 0, longestStatementMs: 0 };
    const due = await this.due(now);
    if (due.length === 0) return done;
    const latest = Math.max(...due.map((d) => d.cutoff.getTime()));
    for (const partition of await this.repository.partitions()) {
      if (partition.from !== null && partition.from.getTime() >= latest) continue;
      try {
        for (let deleted = this.config.retentionBatchRows; deleted === this.config.retentionBatchRows && !this.stopping;) {
          const statement = performance.now();
          deleted = await this.repository.deleteDue(partition.name, due, this.config.retentionBatchRows);
          done.statements += 1;
          done.deleted += deleted;
          done.longestStatementMs = Math.max(done.longestStatementMs, performance.now() - statement);
        }
      } catch (error) {
        // Another instance may have dropped it since it was listed: the other partitions are still due.
        this.logger.warn({ err: error, partition: partition.name }, 'could not delete past retention in this partition; the next run tries again');
      }
    }
    return done;
  }

  /** Drops the partitions of months ended by `now` that hold no event; answers those it dropped. */
  async dropEmptiedMonths(now: Date): Promise<string[]> {
    const dropped: string[] = [];
    for (const partition of await this.repository.partitions()) {
      if (partition.to === null || partition.to > now || this.stopping) continue;
      try {
        if (await this.repository.dropIfEmpty(partition.name)) dropped.push(partition.name);
      } catch (error) {
        this.logger.warn({ err: error, partition: partition.name }, 'could not drop the empty partition; the next run tries again');
      }
    }
    return dropped;
  }

  /** Per vendor and source under some signed agreement, the instant before which its events are past retention. */
  private async due(now: Date): Promise<DueEvents[]> {
    const retentions = new Map<string, { sourceId: string; vendorId: string; retentions: string[] }>();
    for (const term of await this.repository.terms()) {
      const key = `${term.sourceId} ${term.vendorId}`;
      const pair = retentions.get(key) ?? { sourceId: term.sourceId, vendorId: term.vendorId, retentions: [] };
      pair.retentions.push(term.retention);
      retentions.set(key, pair);
    }
    return [...retentions.values()].flatMap(({ sourceId, vendorId, retentions: all }) => {
      const cutoff = longestCutoff(now, all);
      return cutoff === null ? [] : [{ sourceId, vendorId, cutoff }];
    });
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.retentionIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .catch((error: unknown) => this.logger.error({ err: error }, 'exchange retention failed; it will be retried'))
        .finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }
}
