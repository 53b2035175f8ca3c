import { Action } from '../kernel/auth/permissions.js';
import { type JournaledKind, readableWith } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import { ApiKeyResponse } from './api-key.dto.js';
import type { ApiKey } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';

// The issuer is not part of the recorded state: the `api-key.issued` entry names it (its actor and key), and keys issued
// before it was recorded got it afterwards, which would change the state their entries digest.
function apiKeyState(key: ApiKey) {
  const { issuedBy: _inEntry, ...state } = journalState(ApiKeyResponse.from(key));
  return state;
}

export function recordApiKey(tx: Transaction, action: string, key: ApiKey): void {
  tx.record({ action, kind: apiKeyKind, subjectId: key.id, organisationId: key.organisationId, state: apiKeyState(key), isPublic: false, record: key });
}

export const apiKeyKind: JournaledKind = {
  subjectType: 'api-key',
  async disclose(manager, index) {
    const key = await ApiKeyRepository.atJournalIndex(manager, index);
    return key && { state: apiKeyState(key), visibleTo: readableWith(key.organisationId, Action.ApiKeyRead) };
  },
};
