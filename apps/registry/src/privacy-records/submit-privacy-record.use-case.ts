import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { notFound, requireTransition } from './privacy-record-access.js';
import { recordPrivacyRecord } from './privacy-record-journal.js';
import { PrivacyRecordReferences } from './privacy-record-references.js';
import { reviewDateAhead } from './privacy-record-status.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';

/**
 * Draft -> submitted, for a privacy approver to decide on. The record must cover something it may cover (its
 * references are checked again) and its review date must still be ahead. Whoever submits becomes a contributor, so
 * they cannot approve it themselves.
 */
@Injectable()
export class SubmitPrivacyRecord {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(PrivacyRecordReferences) private readonly references: PrivacyRecordReferences,
  ) {}

  async execute(principal: Principal, id: string): Promise<void> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const record = await this.records.findOwnedForUpdate(principal.organisationId, id, tx.manager);
      if (!record) throw notFound(id);
      requireTransition(record, 'submitted', 'be submitted');
      if (record.sourceIds.length === 0 && record.agreementIds.length === 0) {
        throw new PrivacyRecordError(PrivacyRecordErrorCode.NothingCovered, 'The record covers no source and no agreement: add what it assesses before submitting it.', {
          errors: [{ pointer: '#/sourceIds', detail: 'at least one source or agreement' }],
        });
      }
      // What it refers to may have changed since it was edited (an agreement ended).
      await this.references.require(principal.organisationId, record, tx.manager);
      const now = new Date();
      if (!reviewDateAhead(record.nextReviewDate, now)) {
        throw new PrivacyRecordError(PrivacyRecordErrorCode.ReviewDateNotAhead, `The next review date ${record.nextReviewDate} is not after today (UTC): change it before submitting.`, {
          errors: [{ pointer: '#/nextReviewDate', detail: 'must be after today (UTC)' }],
        });
      }
      if (!record.contributorMemberIds.includes(principal.memberId)) record.contributorMemberIds = [...record.contributorMemberIds, principal.memberId];
      Object.assign(record, { status: 'submitted', submittedAt: now });
      await this.records.save(record, tx.manager);
      recordPrivacyRecord(tx, 'privacy-record.submitted', record);
    });
  }
}
