import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { notFound, requireTransition } from './privacy-record-access.js';
import { PrivacyRecordDeciders } from './privacy-record-deciders.js';
import { recordPrivacyRecord } from './privacy-record-journal.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';

/** Submitted -> rejected, with a reason, by a privacy approver who did not write the record (PrivacyRecordDeciders). Final. */
@Injectable()
export class RejectPrivacyRecord {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(PrivacyRecordDeciders) private readonly deciders: PrivacyRecordDeciders,
  ) {}

  async execute(principal: Principal, id: string, reason: string): Promise<void> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const record = await this.records.findOwnedForUpdate(principal.organisationId, id, tx.manager);
      if (!record) throw notFound(id);
      requireTransition(record, 'rejected', 'be rejected');
      const deciderRoleSince = await this.deciders.requireRejecter(record, principal, tx.manager);
      Object.assign(record, { status: 'rejected', decidedAt: new Date(), decidedByMemberId: principal.memberId, deciderRoleSince, rejectionReason: reason });
      await this.records.save(record, tx.manager);
      recordPrivacyRecord(tx, 'privacy-record.rejected', record);
    });
  }
}
