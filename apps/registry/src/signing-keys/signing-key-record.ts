import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import { SigningKeyResponse } from './signing-key.dto.js';
import type { SigningKey } from './signing-key.entity.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { organisationById } from '../organisations/index.js';

// The status member is derived from the clock when served, so it is not part of the recorded state; nor is the operator
// mark, which the registration entry itself holds (its `key`), and which keys registered before it was recorded lack.
function signingKeyState(key: SigningKey, slug: string) {
  const { status: _derived, registeredViaOperator: _inEntry, ...state } = journalState(SigningKeyResponse.from(key, slug));
  return state;
}

export function recordSigningKey(tx: Transaction, action: string, key: SigningKey, slug: string): void {
  tx.record({ action, kind: signingKeyKind, subjectId: key.kid, organisationId: key.organisationId, state: signingKeyState(key, slug), isPublic: true, record: key, recordKey: { kid: key.kid } });
}

export const signingKeyKind: JournaledKind = {
  subjectType: 'signing-key',
  async disclose(manager, index) {
    const key = await SigningKeyRepository.atJournalIndex(manager, index);
    if (!key) return null;
    const organisation = await organisationById(manager, key.organisationId);
    return { state: signingKeyState(key, organisation.slug), visibleTo: everyone };
  },
};
