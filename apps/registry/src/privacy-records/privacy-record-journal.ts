import type { JournaledKind } from '../platform/journal/journaled-kind.js';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import { readsPrivately } from './privacy-record-access.js';
import { privacyRecordState } from './privacy-record.dto.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import { PUBLIC_STATUSES } from './privacy-record-status.js';

/** Journals a change to a privacy impact record: every step of its life is an entry. */
export function recordPrivacyRecord(tx: Transaction, action: string, record: PrivacyRecord): void {
  tx.record({ action, kind: privacyRecordKind, subjectId: record.id, organisationId: record.organisationId, state: privacyRecordState(record), isPublic: PUBLIC_STATUSES.includes(record.status), record });
}

/** Drafts, submissions and rejections are the city's own; anyone reads an approved or expired record. */
export const privacyRecordKind: JournaledKind = {
  subjectType: 'privacy-record',
  async disclose(manager, index) {
    const record = await PrivacyRecordRepository.atJournalIndex(manager, index);
    return record && { state: privacyRecordState(record), visibleTo: (viewer) => PUBLIC_STATUSES.includes(record.status) || readsPrivately(viewer, record.organisationId) };
  },
};
