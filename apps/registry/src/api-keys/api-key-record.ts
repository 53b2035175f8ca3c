import { Action } from '../common/auth/permissions.js';
import { type JournaledKind, readableWith } from '../journal/journaled-kind.js';
import { journalState, type Transaction } from '../journal/unit-of-work.js';
import { ApiKeyResponse } from './api-key.dto.js';
import { ApiKey } from './api-key.entity.js';

export function recordApiKey(tx: Transaction, action: string, key: ApiKey): void {
  tx.record({ action, subjectType: 'api-key', subjectId: key.id, organisationId: key.organisationId, state: journalState(ApiKeyResponse.from(key)), record: key });
}

export const apiKeyKind: JournaledKind = {
  subjectType: 'api-key',
  async disclose(manager, index) {
    const key = await manager.findOneBy(ApiKey, { journalIndex: index });
    return key && { state: journalState(ApiKeyResponse.from(key)), visibleTo: readableWith(key.organisationId, Action.ApiKeyRead) };
  },
};
