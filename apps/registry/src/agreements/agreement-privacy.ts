import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AgreementVersion } from './agreement.entity.js';
import { refuseReferences } from '../kernel/errors/references.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { PrivacyGate, type RecordCitation } from '../privacy-records/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';

/**
 * The privacy rule, as agreements apply it: a version covering a source that collects personal information
 * can be in force at an instant only if the privacy records it relies on are usable then (approved, unexpired,
 * the city's own) and each such source is covered by an approved record then. Asked with the instant in question.
 */
@Injectable()
export class AgreementPrivacy {
  constructor(
    @Inject(PrivacyGate) private readonly gate: PrivacyGate,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
  ) {}

  async allows(version: Pick<AgreementVersion, 'sourceIds' | 'privacyRecordIds'>, cityId: string, at: Date, manager: EntityManager): Promise<boolean> {
    // One query for every covered source; ids are stored as written, and the database answers them in lower case.
    const collecting = new Set((await this.sources.findByIds(version.sourceIds, manager)).filter((s) => s.personalInformation).map((s) => s.id));
    const personal = version.sourceIds.filter((id) => collecting.has(id.toLowerCase()));
    if (personal.length === 0) return true;
    if (version.privacyRecordIds.length === 0) return false;
    if (!(await this.gate.recordsUsable(version.privacyRecordIds, cityId, at, manager))) return false;
    for (const id of personal) {
      if (!(await this.gate.sourceCovered(id, at, manager))) return false;
    }
    return true;
  }

  /**
   * The privacy records a version may cite: the city's own, neither rejected nor expired (a draft may cite one still
   * being written); once signatures open, only approved ones, since the document every party signs names them.
   * Another city's record the caller may not read answers like one that does not exist (404).
   */
  async requireCitable(ids: string[], cityId: string, at: Date, stage: 'draft' | 'signatures', manager?: EntityManager): Promise<void> {
    const citations = await this.gate.citations(ids, cityId, at, manager);
    const judged = ids.map((id, index) => {
      const citation = citations.get(id)!;
      const why = NOT_CITABLE[stage][citation];
      return { id, pointer: `#/privacyRecords/${index}`, verdict: citation === 'unknown' ? ('unknown' as const) : why ? { refused: why } : ('citable' as const) };
    });
    refuseReferences(judged, 'privacy impact record', {
      unknown: (detail, errors) => new AgreementError(AgreementErrorCode.PrivacyRecordNotFound, detail, { errors }),
      refused: (detail, errors) => new AgreementError(AgreementErrorCode.PrivacyRecordNotCitable, detail, { errors }),
    });
  }
}

const NEVER_CITABLE = { foreign: "is another city's record", rejected: 'was rejected', expired: 'has expired' } as const;

/** Why a record cannot be cited at each stage of a version; absent: it can. */
const NOT_CITABLE: Record<'draft' | 'signatures', Partial<Record<RecordCitation, string>>> = {
  draft: NEVER_CITABLE,
  signatures: { ...NEVER_CITABLE, draft: 'is not approved: the document every party signs names only approved records', submitted: 'is not approved yet: the document every party signs names only approved records' },
};
