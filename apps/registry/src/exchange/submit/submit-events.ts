import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../kernel/auth/principal.js';
import { PlazaError } from '../../kernel/errors/plaza-error.js';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { GroupCommit } from './group-commit.js';
import { Outcomes, type Submission } from './outcomes.js';
import { Quota } from './quota.js';
import { checkEnvelope, type EnvelopedEvent, type RawMessage, type ReadMessage, readMessage } from './read.js';
import { StatelessChecks } from './stateless-checks.js';
import { SubmitMetrics } from './submit-metrics.js';

/*
 * Submitting events: every event goes through the seven checks of the README's "Exchange API", in order, in
 * four phases. Each phase is a file, and hands the next one a typed shape; what each refuses goes to the request's
 * outcome accumulator (outcomes.ts), which the last phase writes.
 *
 *   1. read.ts                read the bytes: binary, structured or batch mode            -> ReceivedEvent
 *                             check 1, envelope                                           -> EnvelopedEvent
 *   2. stateless-checks.ts    no transaction, no statement when the caches hold what it needs:
 *                             check 2, signature (decoded once, verified once), against the keys that
 *                             registry-lookups.ts finds; check 5's stateless half (standard-check.ts)  -> PreparedEvent
 *      group-commit.ts        the request joins the next group of requests: one quota statement (quota.ts)
 *                             and one transaction for them all
 *   3. registry-checks.ts     in the group's transaction: keys, sources, agreements locked FOR SHARE once
 *                             (registry-read-model.ts), agreement versions and the clock read after the locks;
 *                             per request: check 2's key again, check 3 source, check 4 agreement
 *                             (agreement-check.ts), check 5 standard (standard-check.ts judge), check 6 terms
 *                             (allowed-fields.ts)                                          -> Passed
 *   4. once-and-store.ts      same transaction: check 7, once; the set-based insert of the group's accepted
 *                             events with the rejections and conformance counts (submission.repository.ts)
 *
 * Nothing is acknowledged before it is committed. dsse-codes.ts is the one table from libs/dsse's failures to the
 * exchange's codes; the exchange's own error codes and their statuses are in ../exchange-error.ts.
 */

@Injectable()
export class SubmitEvents {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Quota) private readonly quota: Quota,
    @Inject(StatelessChecks) private readonly stateless: StatelessChecks,
    @Inject(GroupCommit) private readonly group: GroupCommit,
    @Inject(SubmitMetrics) private readonly metrics: SubmitMetrics,
  ) {}

  async submit(principal: Principal, message: RawMessage, dryRun: boolean): Promise<Submission> {
    // Only a batch is refused whole while it is read (empty, too large, unreadable): counted as one refused event.
    let mode: ReadMessage['mode'] = 'batch';
    let events = 1;
    try {
      const read = readMessage(message);
      mode = read.mode;
      if (!('unreadable' in read)) events = read.events.length;
      const submission = await this.settle(principal, read, dryRun);
      this.metrics.submission(submission);
      return submission;
    } catch (error) {
      if (error instanceof PlazaError) this.metrics.request(mode, events, error.code);
      throw error;
    }
  }

  private async settle(principal: Principal, read: ReadMessage, dryRun: boolean): Promise<Submission> {
    const receivedAt = new Date();

    // 1. read, and check 1
    if ('unreadable' in read) {
      this.quota.precheck(principal.organisationId, 1, receivedAt);
      const outcomes = new Outcomes(read.mode, 1, principal.organisationId);
      outcomes.unreadable(read.unreadable, receivedAt);
      return this.group.join({ organisationId: principal.organisationId, apiKeyId: principal.keyId, dryRun, submitted: 1, prepared: [], outcomes });
    }
    this.quota.precheck(principal.organisationId, read.events.length, receivedAt);
    const outcomes = new Outcomes(read.mode, read.events.length, principal.organisationId);
    const bounds = { maxSkewSeconds: this.config.exchangeMaxSkewSeconds, maxAgeSeconds: this.config.exchangeMaxAgeSeconds };
    const enveloped: EnvelopedEvent[] = [];
    for (const event of read.events) {
      const checked = checkEnvelope(event, receivedAt, bounds);
      if ('code' in checked) outcomes.refuse(event, checked, { at: receivedAt });
      else enveloped.push(checked);
    }

    // 2. check 2 and check 5's stateless half; then 3 and 4 in the next group
    const prepared = await this.stateless.run(principal, enveloped, receivedAt, outcomes);
    return this.group.join({ organisationId: principal.organisationId, apiKeyId: principal.keyId, dryRun, submitted: read.events.length, prepared, outcomes });
  }
}
