import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PrivacyGate } from '../privacy-records/privacy-gate.js';
import { SourceRepository } from '../sources/source.repository.js';
import type { AgreementVersion } from './agreement.entity.js';

/**
 * The privacy rule, as agreements apply it: a version covering a source that collects personal information
 * can be in force at an instant only if the privacy records it relies on are usable then (approved, unexpired,
 * the city's own) and each such source is covered by an approved record then. Asked with the instant in question.
 */
@Injectable()
export class AgreementPrivacy {
  constructor(
    @Inject(PrivacyGate) private readonly gate: PrivacyGate,
    @Inject(SourceRepository) private readonly sources: SourceRepository,
  ) {}

  async allows(version: Pick<AgreementVersion, 'sourceIds' | 'privacyRecordIds'>, cityId: string, at: Date, manager: EntityManager): Promise<boolean> {
    const personal: string[] = [];
    for (const id of version.sourceIds) {
      if ((await this.sources.findById(id, manager))?.personalInformation) personal.push(id);
    }
    if (personal.length === 0) return true;
    if (version.privacyRecordIds.length === 0) return false;
    if (!(await this.gate.recordsUsable(version.privacyRecordIds, cityId, at, manager))) return false;
    for (const id of personal) {
      if (!(await this.gate.sourceCovered(id, at, manager))) return false;
    }
    return true;
  }
}
