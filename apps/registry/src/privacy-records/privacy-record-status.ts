import type { PrivacyRecord, PrivacyRecordStatus } from './privacy-record.entity.js';
import type { CoveringRecord } from '../sources/index.js';

/**
 * The life of a privacy impact record. Approved and rejected are decisions; an approved record
 * expires when its review date has passed. Nothing goes back: a new assessment is a new record.
 */
export const PRIVACY_RECORD_TRANSITIONS: { readonly [S in PrivacyRecordStatus]: readonly PrivacyRecordStatus[] } = {
  draft: ['submitted'],
  submitted: ['approved', 'rejected'],
  approved: ['expired'],
  rejected: [],
  expired: [],
};

export function canTransition(from: PrivacyRecordStatus, to: PrivacyRecordStatus): boolean {
  return PRIVACY_RECORD_TRANSITIONS[from].includes(to);
}

/** Statuses whose public part anyone may read. */
export const PUBLIC_STATUSES: readonly PrivacyRecordStatus[] = ['approved', 'expired'];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD that names a real day (no 2026-02-30, no year 0). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The instant a record with this review date expires: when the review date (UTC) has passed. */
export function expiryInstant(nextReviewDate: string): Date {
  const [year, month, day] = nextReviewDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1));
}

/** Whether a review date is still ahead at `now`: strictly after today (UTC), so a new record is not born expiring. */
export function reviewDateAhead(nextReviewDate: string, now: Date): boolean {
  return nextReviewDate > now.toISOString().slice(0, 10);
}

/** The status at `at`: an approved record whose review date has passed is expired, whether or not the scheduler has recorded it. */
export function effectiveStatus(record: Pick<PrivacyRecord, 'status' | 'nextReviewDate'>, at: Date): PrivacyRecordStatus {
  return record.status === 'approved' && at >= expiryInstant(record.nextReviewDate) ? 'expired' : record.status;
}

/** Whether the record is in force at `at`: approved at or before it, and not yet expired. */
export function inForceAt(record: Pick<PrivacyRecord, 'status' | 'nextReviewDate' | 'decidedAt'>, at: Date): boolean {
  return (
    (record.status === 'approved' || record.status === 'expired') &&
    record.decidedAt !== null && record.decidedAt <= at && at < expiryInstant(record.nextReviewDate)
  );
}

/** Whether this member may approve or reject the record: a different person from everyone who wrote or submitted it. */
export function mayDecide(record: Pick<PrivacyRecord, 'authorMemberId' | 'contributorMemberIds'>, memberId: string): boolean {
  return memberId !== record.authorMemberId && !record.contributorMemberIds.includes(memberId);
}

/** How a decider's hold on the privacy-approver role, and the key they act with, bear on a record: it counts, or why not. */
export type DeciderStanding = 'counts' | 'role-too-recent' | 'role-from-author' | 'key-from-author';

/**
 * The decider's role must predate the submission, and neither that role nor the API key they act with may come from
 * anyone who wrote or submitted the record (who could otherwise make an approver of their own, or act as one). A
 * grant or key from the registry itself (null) or from the operator, who writes no city's record, counts.
 */
export function deciderStanding(
  record: Pick<PrivacyRecord, 'submittedAt' | 'authorMemberId' | 'contributorMemberIds'>,
  grant: { grantedAt: Date; grantedByMemberId: string | null } | null,
  keyIssuedByMemberId: string | null,
): DeciderStanding {
  if (grant === null || record.submittedAt === null || grant.grantedAt >= record.submittedAt) return 'role-too-recent';
  if (grant.grantedByMemberId !== null && !mayDecide(record, grant.grantedByMemberId)) return 'role-from-author';
  if (keyIssuedByMemberId !== null && !mayDecide(record, keyIssuedByMemberId)) return 'key-from-author';
  return 'counts';
}

/** The record as the sources it covers see it: which sources, and until when it covers them. */
export function coveringRecord(record: Pick<PrivacyRecord, 'id' | 'sourceIds' | 'nextReviewDate'>): CoveringRecord {
  return { id: record.id, sourceIds: record.sourceIds, expiresAt: expiryInstant(record.nextReviewDate) };
}
