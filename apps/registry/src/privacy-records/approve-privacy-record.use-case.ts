import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { notFound, requireTransition } from './privacy-record-access.js';
import { PrivacyRecordDeciders } from './privacy-record-deciders.js';
import { recordPrivacyRecord } from './privacy-record-journal.js';
import { coveringRecord, reviewDateAhead } from './privacy-record-status.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import { SourcePrivacyFlags } from '../sources/index.js';

/**
 * Submitted -> approved, by a privacy approver of the city who neither wrote, edited nor submitted it (a
 * different member, not merely another key), and who held the role before it was submitted, from someone who did
 * not write it (PrivacyRecordDeciders). From now until its review date has passed, the record covers
 * its sources: they may become active, and any privacy flag they carried is cleared, in this transaction.
 */
@Injectable()
export class ApprovePrivacyRecord {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(PrivacyRecordDeciders) private readonly deciders: PrivacyRecordDeciders,
    @Inject(SourcePrivacyFlags) private readonly flags: SourcePrivacyFlags,
  ) {}

  async execute(principal: Principal, id: string): Promise<void> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const record = await this.records.findOwnedForUpdate(principal.organisationId, id, tx.manager);
      if (!record) throw notFound(id);
      requireTransition(record, 'approved', 'be approved');
      const deciderRoleSince = await this.deciders.requireApprover(record, principal, tx.manager);
      const now = new Date();
      if (!reviewDateAhead(record.nextReviewDate, now)) {
        throw new PrivacyRecordError(
          PrivacyRecordErrorCode.ReviewDateNotAhead,
          `The next review date ${record.nextReviewDate} is not after today (UTC): the record would be born expired. Reject it; the city opens a new one.`,
        );
      }
      Object.assign(record, { status: 'approved', decidedAt: now, decidedByMemberId: principal.memberId, deciderRoleSince });
      await this.records.save(record, tx.manager);
      recordPrivacyRecord(tx, 'privacy-record.approved', record);
      await this.flags.clearFor(coveringRecord(record), tx);
    });
  }
}
