import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import { StandardResponse, StandardVersionResponse } from './standard.dto.js';
import type { Standard, StandardVersion } from './standard.entity.js';
import { StandardRepository } from './standard.repository.js';

/** Journals a change to a standard, digesting it as it is served. */
export function recordStandard(tx: Transaction, action: string, standard: Standard): void {
  tx.record({ action, kind: standardKind, subjectId: standard.id, organisationId: null, state: journalState(StandardResponse.from(standard)), isPublic: true, record: standard });
}

export function recordStandardVersion(tx: Transaction, action: string, version: StandardVersion): void {
  tx.record({ action, kind: standardVersionKind, subjectId: version.id, organisationId: null, state: journalState(StandardVersionResponse.from(version)), isPublic: true, record: version });
}

export const standardKind: JournaledKind = {
  subjectType: 'standard',
  async disclose(manager, index) {
    const standard = await StandardRepository.standardAtJournalIndex(manager, index);
    return standard && { state: journalState(StandardResponse.from(standard)), visibleTo: everyone };
  },
};

export const standardVersionKind: JournaledKind = {
  subjectType: 'standard-version',
  async disclose(manager, index) {
    const version = await StandardRepository.versionAtJournalIndex(manager, index);
    return version && { state: journalState(StandardVersionResponse.from(version)), visibleTo: everyone };
  },
};
