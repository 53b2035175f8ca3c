import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isPublic } from '../agreements/agreement-access.js';
import type { Agreement, AgreementStatus, AgreementVersion } from '../agreements/agreement.entity.js';
import { refuseReferences } from '../kernel/errors/references.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';

/** What an agreement id names for a city writing a privacy record. */
export type AgreementCitation = 'citable' | 'unknown' | 'foreign' | 'ended';

const ENDED: readonly AgreementStatus[] = ['terminated', 'expired'];

/**
 * A record covers the city's own agreements that have not ended. Another city's agreement the caller may not read
 * (never in force) reads exactly like one that does not exist; one it may read is refused as another city's.
 */
export function agreementCitation(found: { agreement: Agreement; versions: AgreementVersion[] } | undefined, cityId: string): AgreementCitation {
  if (!found) return 'unknown';
  if (found.agreement.cityId !== cityId) return found.versions.some(isPublic) ? 'foreign' : 'unknown';
  const latest = found.versions[found.versions.length - 1];
  return latest && ENDED.includes(latest.status) ? 'ended' : 'citable';
}

const NOT_CITABLE: Record<Exclude<AgreementCitation, 'citable' | 'unknown'>, string> = {
  foreign: "is another city's agreement",
  ended: 'has ended (terminated or expired)',
};

/** Checks what a record refers to, when it is opened, edited and submitted (an agreement may have ended meanwhile). */
@Injectable()
export class PrivacyRecordReferences {
  constructor(@Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository) {}

  async require(organisationId: string, record: Pick<PrivacyRecord, 'sourceIds' | 'agreementIds'>, manager: EntityManager): Promise<void> {
    await this.requireOwnSources(organisationId, record.sourceIds, manager);
    await this.requireCitableAgreements(organisationId, record.agreementIds, manager);
  }

  /** Every covered source must be one of the city's own; another city's reads like one that does not exist. */
  private async requireOwnSources(organisationId: string, sourceIds: string[], manager: EntityManager): Promise<void> {
    const owned = new Set((await this.records.ownedSources(organisationId, sourceIds, manager)).map((s) => s.id));
    const unknown = sourceIds.map((id, index) => ({ id, index })).filter(({ id }) => !owned.has(id.toLowerCase()));
    if (unknown.length > 0) {
      throw new PrivacyRecordError(PrivacyRecordErrorCode.UnknownSource, `Not a source of your city: ${unknown.map((u) => u.id).join(', ')}.`, {
        errors: unknown.map(({ index, id }) => ({ pointer: `#/sourceIds/${index}`, detail: `there is no source ${id} in your city` })),
      });
    }
  }

  private async requireCitableAgreements(organisationId: string, agreementIds: string[], manager: EntityManager): Promise<void> {
    const found = new Map((await this.records.agreementsByIds(agreementIds, manager)).map((f) => [f.agreement.id, f]));
    const judged = agreementIds.map((id, index) => {
      const citation = agreementCitation(found.get(id.toLowerCase()), organisationId);
      return { id, pointer: `#/agreementIds/${index}`, verdict: citation === 'citable' || citation === 'unknown' ? citation : { refused: NOT_CITABLE[citation] } };
    });
    refuseReferences(judged, 'agreement', {
      unknown: (detail, errors) => new PrivacyRecordError(PrivacyRecordErrorCode.AgreementNotFound, detail, { errors }),
      refused: (detail, errors) => new PrivacyRecordError(PrivacyRecordErrorCode.AgreementNotCitable, `A record covers only your city's agreements that have not ended: ${detail}`, { errors }),
    });
  }
}
