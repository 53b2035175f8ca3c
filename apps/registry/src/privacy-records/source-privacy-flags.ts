import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import type { Organisation } from '../organisations/organisation.entity.js';
import { OrganisationRepository } from '../organisations/organisation.repository.js';
import { recordSource } from '../sources/source-record.js';
import type { Source } from '../sources/source.entity.js';
import { expiryInstant } from './privacy-record-status.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';

/**
 * The flag on a source that collects personal information and has lost its privacy impact record: raised
 * when the record that covered it expires and no other covers it, cleared when a record covering it is
 * approved. Each change is journaled as a change to the source.
 */
@Injectable()
export class SourcePrivacyFlags {
  constructor(
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(OrganisationRepository) private readonly organisations: OrganisationRepository,
  ) {}

  /** After `record` expired: flags each personal-information source it covered that nothing covers at `now`. */
  async raiseFor(record: PrivacyRecord, now: Date, tx: Transaction): Promise<void> {
    for (const source of await this.records.sourcesForUpdate(record.sourceIds, tx.manager)) {
      if (!source.personalInformation || source.status === 'retired' || source.privacyFlaggedAt !== null) continue;
      if (await this.records.sourceCovered(source.id, now, tx.manager)) continue;
      Object.assign(source, { privacyFlaggedAt: expiryInstant(record.nextReviewDate), privacyFlagReason: 'privacy-record-expired', privacyFlagRecordId: record.id });
      await tx.manager.save(source);
      await this.journal(tx, 'source.privacy-flagged', source);
    }
  }

  /** After `record` was approved: clears the flag of every source it covers. */
  async clearFor(record: PrivacyRecord, tx: Transaction): Promise<void> {
    for (const source of await this.records.sourcesForUpdate(record.sourceIds, tx.manager)) {
      if (source.privacyFlaggedAt === null || source.status === 'retired') continue;
      Object.assign(source, { privacyFlaggedAt: null, privacyFlagReason: null, privacyFlagRecordId: null });
      await tx.manager.save(source);
      await this.journal(tx, 'source.privacy-flag-cleared', source);
    }
  }

  private async journal(tx: Transaction, action: string, source: Source): Promise<void> {
    const organisation = async (id: string): Promise<Organisation> => (await this.organisations.findById(id, tx.manager))!;
    const owner = await organisation(source.ownerId);
    const operator = source.operatorId === source.ownerId ? owner : await organisation(source.operatorId);
    recordSource(tx, action, source, owner, operator);
  }
}
