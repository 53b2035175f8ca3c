import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../kernel/auth/principal.js';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { OnceAndStore } from './once-and-store.js';
import { Outcomes, type Submission } from './outcomes.js';
import { checkEnvelope, type EnvelopedEvent, type RawMessage, readMessage } from './read.js';
import { RegistryChecks } from './registry-checks.js';
import { StatelessChecks } from './stateless-checks.js';
import { SubmissionRepository } from './submission.repository.js';

/*
 * Submitting events: every event goes through the seven checks of the README's "Exchange API", in order, in
 * four phases. Each phase is a file, and hands the next one a typed shape; what each refuses goes to the request's
 * outcome accumulator (outcomes.ts), which the last phase writes.
 *
 *   1. read.ts                read the bytes: binary, structured or batch mode            -> ReceivedEvent
 *                             check 1, envelope                                           -> EnvelopedEvent
 *   2. stateless-checks.ts    no transaction: the quota (one statement that also reads the keys and standards),
 *                             check 2, signature (decoded once, verified once)            -> SignedEvent
 *                             check 5's stateless half (standard-check.ts prepare)        -> PreparedEvent
 *   3. registry-checks.ts     the request's one transaction: keys, sources, agreements locked FOR SHARE
 *                             (registry-read-model.ts), agreement versions and the clock read after the locks;
 *                             check 2's key again, check 3 source, check 4 agreement (agreement-check.ts),
 *                             check 5 standard (standard-check.ts judge), check 6 terms (allowed-fields.ts) -> Passed
 *   4. once-and-store.ts      same transaction: check 7, once; the set-based insert of the accepted events with
 *                             the rejections and conformance counts (submission.repository.ts)
 *
 * Nothing is acknowledged before it is committed. dsse-codes.ts is the one table from libs/dsse's failures to the
 * exchange's codes; the exchange's own error codes and their statuses are in ../exchange-error.ts.
 */

const DEADLOCK = '40P01';

@Injectable()
export class SubmitEvents {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SubmissionRepository) private readonly repository: SubmissionRepository,
    @Inject(StatelessChecks) private readonly stateless: StatelessChecks,
    @Inject(RegistryChecks) private readonly registry: RegistryChecks,
    @Inject(OnceAndStore) private readonly once: OnceAndStore,
  ) {}

  async submit(principal: Principal, message: RawMessage, dryRun: boolean): Promise<Submission> {
    const receivedAt = new Date();
    const who = { organisationId: principal.organisationId, apiKeyId: principal.keyId };

    // 1. read, and check 1
    const read = readMessage(message);
    if ('unreadable' in read) {
      await this.stateless.admit(principal, 1, receivedAt);
      const outcomes = new Outcomes(read.mode, 1, principal.organisationId);
      outcomes.unreadable(read.unreadable, receivedAt);
      if (!dryRun) await this.repository.insertRejections(outcomes.takeRejections().map((r) => ({ ...r, ...who })));
      return outcomes.submission();
    }
    const outcomes = new Outcomes(read.mode, read.events.length, principal.organisationId);
    const bounds = { maxSkewSeconds: this.config.exchangeMaxSkewSeconds, maxAgeSeconds: this.config.exchangeMaxAgeSeconds };
    const enveloped: EnvelopedEvent[] = [];
    for (const event of read.events) {
      const checked = checkEnvelope(event, receivedAt, bounds);
      if ('code' in checked) outcomes.refuse(event, checked, { at: receivedAt });
      else enveloped.push(checked);
    }

    // 2. the quota, check 2, and check 5's stateless half
    const prepared = await this.stateless.run(principal, read.events.length, enveloped, receivedAt, outcomes);
    if (prepared.length === 0) {
      if (!dryRun) await this.repository.insertRejections(outcomes.takeRejections().map((r) => ({ ...r, ...who })));
      return outcomes.submission();
    }

    // 3. checks 2 (the key, again) to 6 under lock, and 4. check 7 and the writes, in one transaction
    const judged = await this.withDeadlockRetry(() =>
      this.repository.transaction(async (manager) => {
        const attempt = outcomes.fork();
        const { passed, now } = await this.registry.run(principal.organisationId, prepared, attempt, manager);
        await this.once.run(who, passed, attempt, now, dryRun, manager);
        return attempt;
      }),
    );
    return judged.submission();
  }

  /** Two requests storing overlapping events in different orders can deadlock; PostgreSQL aborts one, which is then run again. */
  private async withDeadlockRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
        if (code !== DEADLOCK || attempt >= 3) throw error;
      }
    }
  }
}
