import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { type Transaction, UnitOfWork } from '../journal/unit-of-work.js';
import { SYSTEM_ACTOR } from '../../kernel/auth/actor.js';

/**
 * A time-driven transition (a record becoming active, expiring, ...). It finds what is due at `now`
 * and changes it inside the transaction it is given, recording each change; finding nothing is fine.
 */
export interface TimedJob {
  name: string;
  run(tx: Transaction, now: Date): Promise<void>;
}

/**
 * Applies time-driven transitions every PLAZA_SCHEDULER_INTERVAL_SECONDS, each job in its own unit of work
 * under an advisory lock, so several instances never apply one twice. Checks that depend on dates must
 * still evaluate the dates themselves: the scheduler only records what the dates already imply.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly jobs: TimedJob[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
  ) {}

  register(job: TimedJob): void {
    this.jobs.push(job);
  }

  /** Runs every job once, now: what the timer does, and what tests call to move time-driven state on. */
  async tick(now = new Date()): Promise<void> {
    for (const job of this.jobs) {
      try {
        await this.uow.runOnce(SYSTEM_ACTOR, `plaza.scheduler.${job.name}`, (tx) => job.run(tx, now));
      } catch (error) {
        this.logger.error({ err: error, job: job.name }, 'scheduled transition failed; it will be retried');
      }
    }
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.schedulerIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
