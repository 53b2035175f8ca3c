import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import { type TimedJob, Scheduler } from '../platform/scheduler/scheduler.js';
import { recordPrivacyRecord } from './privacy-record-journal.js';
import { coveringRecord, expiryInstant } from './privacy-record-status.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import { SourcePrivacyFlags } from '../sources/index.js';

/**
 * Approved -> expired, once the review date has passed: records the transition and flags the sources the
 * record covered. Only the record of what the dates already imply: every check evaluates the dates itself.
 */
@Injectable()
export class PrivacyRecordExpiry implements TimedJob, OnModuleInit {
  readonly name = 'privacy-record-expiry';

  constructor(
    @Inject(Scheduler) private readonly scheduler: Scheduler,
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(SourcePrivacyFlags) private readonly flags: SourcePrivacyFlags,
  ) {}

  onModuleInit(): void {
    this.scheduler.register(this);
  }

  async run(tx: Transaction, now: Date): Promise<void> {
    const due = await this.records.dueForExpiry(now, tx.manager);
    for (const record of due) {
      Object.assign(record, { status: 'expired', expiredAt: expiryInstant(record.nextReviewDate) });
      await this.records.save(record, tx.manager);
      recordPrivacyRecord(tx, 'privacy-record.expired', record);
    }
    // Flags after every due record is marked, so a source covered by two records expiring together is judged once, on the final state.
    for (const record of due) await this.flags.raiseFor(coveringRecord(record), now, tx);
  }
}
