import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { ExchangeError, ExchangeErrorCode } from '../exchange-error.js';
import { QuotaRepository } from './quota.repository.js';

const minuteOf = (at: Date) => Math.floor(at.getTime() / 60_000) * 60_000;

/**
 * The organisation's events a minute (PLAZA_EXCHANGE_EVENTS_PER_MINUTE, dry runs included). The count is taken once
 * a group, in the database, so that every process of a cluster shares it; what this process last learnt of an
 * organisation's count refuses, before any signature is verified, a request that could not fit anyway.
 */
@Injectable()
export class Quota {
  private readonly seen = new Map<string, { minute: number; count: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QuotaRepository) private readonly repository: QuotaRepository,
  ) {}

  /** Refuses at once a request of `events` that the organisation's count this minute, as last seen here, already rules out. */
  precheck(organisationId: string, events: number, at: Date): void {
    const minute = minuteOf(at);
    const seen = this.seen.get(organisationId);
    if ((seen?.minute === minute ? seen.count : 0) + events > this.config.exchangeEventsPerMinute) throw this.exceeded(events, at);
  }

  /** Takes each request's events from its organisation's count, in order; false for a request that does not fit (and takes nothing). */
  async take(requests: readonly { organisationId: string; events: number }[], at: Date): Promise<boolean[]> {
    const minute = minuteOf(at);
    const admitted = requests.map(() => false);
    let asking = requests.map((request, index) => ({ organisationId: request.organisationId, events: request.events, index }));
    // Asked again only by an organisation whose count another process changed between the statement's read and its write.
    for (let attempt = 0; attempt < 3 && asking.length > 0; attempt++) {
      const taken = new Map((await this.repository.take(new Date(minute), asking, this.config.exchangeEventsPerMinute)).map((t) => [t.organisationId, t]));
      const again: typeof asking = [];
      const running = new Map<string, number>();
      for (const request of asking) {
        const { took, counted } = taken.get(request.organisationId)!;
        if (counted !== null) this.seen.set(request.organisationId, { minute, count: counted });
        if (took === null) continue;
        if (counted === null) {
          again.push(request);
          continue;
        }
        const total = (running.get(request.organisationId) ?? 0) + request.events;
        running.set(request.organisationId, total);
        admitted[request.index] = total <= took;
      }
      asking = again;
    }
    return admitted;
  }

  /** The 429 for a request of `events` made at `at`, with the seconds until the next minute. */
  exceeded(events: number, at: Date): ExchangeError {
    const limit = this.config.exchangeEventsPerMinute;
    const retryAfter = Math.max(1, Math.ceil((minuteOf(at) + 60_000 - Date.now()) / 1000));
    return new ExchangeError(
      ExchangeErrorCode.QuotaExceeded,
      `Your organisation may submit ${limit} events a minute; these ${events} would go beyond it. Retry in ${retryAfter} s.`,
      {},
      retryAfter,
    );
  }
}
