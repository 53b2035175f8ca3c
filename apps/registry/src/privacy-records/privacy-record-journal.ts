import type { Transaction } from '../journal/unit-of-work.js';
import { privacyRecordState } from './privacy-record.dto.js';
import type { PrivacyRecord } from './privacy-record.entity.js';

/** Journals a change to a privacy impact record: every step of its life is an entry. */
export function recordPrivacyRecord(tx: Transaction, action: string, record: PrivacyRecord): void {
  tx.record({ action, subjectType: 'privacy-record', subjectId: record.id, organisationId: record.organisationId, state: privacyRecordState(record), record });
}
