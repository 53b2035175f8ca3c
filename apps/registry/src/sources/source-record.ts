import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import type { Source } from './source.entity.js';
import { SourceRepository } from './source.repository.js';
import { type OrganisationRef, SourceResponse } from './source.dto.js';
import { type Organisation, organisationById } from '../organisations/index.js';

export function organisationRef(o: Organisation): OrganisationRef {
  return { slug: o.slug, name: o.name };
}

/**
 * The source as it is served, with its owner and operator by slug alone: their names belong to the organisations'
 * own entries, and renaming one must not change what a source's entry digests. A source without a licence digests
 * without the member, as every entry journaled before sources had one did.
 */
function sourceState(source: Source, owner: Organisation, operator: Organisation) {
  const { owner: _owner, operator: _operator, licence, ...state } = journalState(SourceResponse.from(source, organisationRef(owner), organisationRef(operator)));
  return { ...state, ...(licence === null ? {} : { licence }), owner: { slug: owner.slug }, operator: { slug: operator.slug } };
}

/** Journals a change to a source. Used by every feature that changes sources. */
export function recordSource(tx: Transaction, action: string, source: Source, owner: Organisation, operator: Organisation): void {
  tx.record({ action, kind: sourceKind, subjectId: source.id, organisationId: source.ownerId, state: sourceState(source, owner, operator), isPublic: true, record: source });
}

export const sourceKind: JournaledKind = {
  subjectType: 'source',
  async disclose(manager, index) {
    const source = await SourceRepository.atJournalIndex(manager, index);
    if (!source) return null;
    const [owner, operator] = await Promise.all([
      organisationById(manager, source.ownerId),
      organisationById(manager, source.operatorId),
    ]);
    return { state: sourceState(source, owner, operator), visibleTo: everyone };
  },
};
