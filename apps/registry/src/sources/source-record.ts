import { journalState, type Transaction } from '../journal/unit-of-work.js';
import type { Organisation } from '../organisations/organisation.entity.js';
import type { Source } from './source.entity.js';
import { type OrganisationRef, SourceResponse } from './source.dto.js';

export function organisationRef(o: Organisation): OrganisationRef {
  return { slug: o.slug, name: o.name };
}

/** Journals a change to a source, digesting the source as it is served. Used by every feature that changes sources. */
export function recordSource(tx: Transaction, action: string, source: Source, owner: Organisation, operator: Organisation): void {
  tx.record({
    action, subjectType: 'source', subjectId: source.id, organisationId: source.ownerId,
    state: journalState(SourceResponse.from(source, organisationRef(owner), organisationRef(operator))), record: source,
  });
}
