import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import { OrganisationResponse } from './organisation.dto.js';
import type { Organisation } from './organisation.entity.js';
import { OrganisationRepository } from './organisation.repository.js';

/** Journals a change to an organisation, digesting it as it is served. */
export function recordOrganisation(tx: Transaction, action: string, organisation: Organisation): void {
  tx.record({ action, kind: organisationKind, subjectId: organisation.id, organisationId: organisation.id, state: journalState(OrganisationResponse.from(organisation)), isPublic: true, record: organisation });
}

export const organisationKind: JournaledKind = {
  subjectType: 'organisation',
  async disclose(manager, index) {
    const organisation = await OrganisationRepository.atJournalIndex(manager, index);
    return organisation && { state: journalState(OrganisationResponse.from(organisation)), visibleTo: everyone };
  },
};
