import { Action, isAllowed } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { canTransition } from './privacy-record-status.js';
import type { PrivacyRecord, PrivacyRecordStatus } from './privacy-record.entity.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';

/** Whether this caller sees the whole record (internal detail, drafts): a member of its city allowed to read them. */
export function readsPrivately(principal: Principal | undefined, organisationId: string): boolean {
  return principal !== undefined && principal.organisationId === organisationId && isAllowed(Action.PrivacyRecordRead, principal.organisationKind, principal.roles);
}

/** The record must be able to move to `to` now (a transition out of order is a 409). */
export function requireTransition(record: PrivacyRecord, to: PrivacyRecordStatus, step: string): void {
  if (!canTransition(record.status, to)) {
    const from = record.status === 'draft' ? 'a draft' : `${record.status}`;
    throw new PrivacyRecordError(PrivacyRecordErrorCode.WrongStatus, `Privacy impact record ${record.id} is ${from}; it cannot ${step}.`);
  }
}

/** Edits happen only while the record is a draft. */
export function requireDraft(record: PrivacyRecord): void {
  if (record.status !== 'draft') {
    throw new PrivacyRecordError(PrivacyRecordErrorCode.WrongStatus, `Privacy impact record ${record.id} is ${record.status}; only a draft can be edited.`);
  }
}

export function notFound(id: string): PrivacyRecordError {
  return new PrivacyRecordError(PrivacyRecordErrorCode.NotFound, `There is no privacy impact record ${id}.`);
}
