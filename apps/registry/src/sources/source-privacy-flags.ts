import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory, type Organisation } from '../organisations/index.js';
import { PRIVACY_COVERAGE, type PrivacyCoverage } from './privacy-coverage.js';
import { recordSource } from './source-record.js';
import type { Source } from './source.entity.js';
import { SourceRepository } from './source.repository.js';

/** The privacy impact record whose approval or expiry changes the flags of the sources it covers. */
export interface CoveringRecord {
  id: string;
  sourceIds: string[];
  /** When the record stops covering its sources: the end of its review date. */
  expiresAt: Date;
}

/**
 * The flag on a source that collects personal information and has lost its privacy impact record: raised
 * when the record that covered it expires and no other covers it, cleared when a record covering it is
 * approved. Each change is journaled as a change to the source. The privacy-records feature calls it.
 */
@Injectable()
export class SourcePrivacyFlags {
  constructor(
    @Inject(SourceRepository) private readonly sources: SourceRepository,
    @Inject(PRIVACY_COVERAGE) private readonly coverage: PrivacyCoverage,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
  ) {}

  /** After `record` expired: flags each personal-information source it covered that nothing covers at `now`. */
  async raiseFor(record: CoveringRecord, now: Date, tx: Transaction): Promise<void> {
    for (const source of await this.sources.findForUpdate(record.sourceIds, tx.manager)) {
      if (!source.personalInformation || source.status === 'retired' || source.privacyFlaggedAt !== null) continue;
      if (await this.coverage.sourceCovered(source.id, now, tx.manager)) continue;
      Object.assign(source, { privacyFlaggedAt: record.expiresAt, privacyFlagReason: 'privacy-record-expired', privacyFlagRecordId: record.id });
      await this.sources.save(source, tx.manager);
      await this.journal(tx, 'source.privacy-flagged', source);
    }
  }

  /** After `record` was approved: clears the flag of every source it covers. */
  async clearFor(record: CoveringRecord, tx: Transaction): Promise<void> {
    for (const source of await this.sources.findForUpdate(record.sourceIds, tx.manager)) {
      if (source.privacyFlaggedAt === null || source.status === 'retired') continue;
      Object.assign(source, { privacyFlaggedAt: null, privacyFlagReason: null, privacyFlagRecordId: null });
      await this.sources.save(source, tx.manager);
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
