import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';
import { refuseReferences } from '../kernel/errors/references.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { AGREEMENT_CITATIONS, type AgreementCitation, type AgreementCitations } from './agreement-citations.js';

const NOT_CITABLE: Record<Exclude<AgreementCitation, 'citable' | 'unknown'>, string> = {
  foreign: "is another city's agreement",
  ended: 'has ended (terminated or expired)',
};

/** Checks what a record refers to, when it is opened, edited and submitted (an agreement may have ended meanwhile). */
@Injectable()
export class PrivacyRecordReferences {
  constructor(
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(AGREEMENT_CITATIONS) private readonly agreements: AgreementCitations,
  ) {}

  async require(organisationId: string, record: Pick<PrivacyRecord, 'sourceIds' | 'agreementIds'>, manager: EntityManager): Promise<void> {
    await this.requireOwnSources(organisationId, record.sourceIds, manager);
    await this.requireCitableAgreements(organisationId, record.agreementIds, manager);
  }

  /** Every covered source must be one of the city's own; another city's reads like one that does not exist. */
  private async requireOwnSources(organisationId: string, sourceIds: string[], manager: EntityManager): Promise<void> {
    const owned = new Set((await this.sources.findOwned(organisationId, sourceIds, manager)).map((s) => s.id));
    const unknown = sourceIds.map((id, index) => ({ id, index })).filter(({ id }) => !owned.has(id.toLowerCase()));
    if (unknown.length > 0) {
      throw new PrivacyRecordError(PrivacyRecordErrorCode.UnknownSource, `Not a source of your city: ${unknown.map((u) => u.id).join(', ')}.`, {
        errors: unknown.map(({ index, id }) => ({ pointer: `#/sourceIds/${index}`, detail: `there is no source ${id} in your city` })),
      });
    }
  }

  private async requireCitableAgreements(organisationId: string, agreementIds: string[], manager: EntityManager): Promise<void> {
    const citations = await this.agreements.citations(agreementIds, organisationId, manager);
    const judged = agreementIds.map((id, index) => {
      const citation = citations.get(id)!;
      return { id, pointer: `#/agreementIds/${index}`, verdict: citation === 'citable' || citation === 'unknown' ? citation : { refused: NOT_CITABLE[citation] } };
    });
    refuseReferences(judged, 'agreement', {
      unknown: (detail, errors) => new PrivacyRecordError(PrivacyRecordErrorCode.AgreementNotFound, detail, { errors }),
      refused: (detail, errors) => new PrivacyRecordError(PrivacyRecordErrorCode.AgreementNotCitable, `A record covers only your city's agreements that have not ended: ${detail}`, { errors }),
    });
  }
}
