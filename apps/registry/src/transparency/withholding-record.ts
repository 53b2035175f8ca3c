import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import { type EntryToWithhold, TransparencyRepository, WITHHOLDING } from './transparency.repository.js';

/** What a withholding records: which entry's state the operator withheld, and what that entry is about. Public, so histories show it. */
export interface WithholdingState {
  entry: number;
  subject: { type: string; id: string };
}

/** Journals the operator's withholding of entry `index`'s state, filed under the organisation that entry is filed under. */
export function recordWithholding(tx: Transaction, index: number, withheld: EntryToWithhold): void {
  const state: WithholdingState = { entry: index, subject: { type: withheld.subjectType, id: withheld.subjectId } };
  tx.record({ action: 'state.withheld', kind: withholdingKind, subjectId: String(index), organisationId: withheld.organisationId, state, isPublic: true });
}

/** A withholding never changes once made: its one entry discloses the state it kept. */
export const withholdingKind: JournaledKind = {
  subjectType: WITHHOLDING,
  async disclose(manager, index) {
    const text = await TransparencyRepository.keptState(manager, index);
    return text === null ? null : { state: JSON.parse(text) as WithholdingState, visibleTo: everyone };
  },
};
