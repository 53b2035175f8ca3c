import type { AgreementStatus, AgreementVersion, StatusChange } from './agreement.entity.js';

/**
 * The status changes a version may go through. Terminated, expired and superseded are final.
 * - draft -> pending-signatures: the city opens signatures (the document is fixed);
 * - pending-signatures -> active: every party has signed and validFrom has come (the last signature or the scheduler);
 * - pending-signatures -> expired: validUntil passed before it could become active;
 * - active <-> suspended: the city suspends, and resumes;
 * - active | suspended -> terminated (the city), expired (validUntil), superseded (an amendment became active);
 * - draft | pending-signatures -> terminated: the city abandons a version that never came into force.
 */
export const AGREEMENT_TRANSITIONS: { readonly [S in AgreementStatus]: readonly AgreementStatus[] } = {
  draft: ['pending-signatures', 'terminated'],
  'pending-signatures': ['active', 'expired', 'terminated'],
  active: ['suspended', 'terminated', 'expired', 'superseded'],
  suspended: ['active', 'terminated', 'expired', 'superseded'],
  terminated: [],
  expired: [],
  superseded: [],
};

export const FINAL_STATUSES: readonly AgreementStatus[] = ['terminated', 'expired', 'superseded'];
/** The statuses of the version that governs an agreement now (at most one per agreement). */
export const IN_FORCE_STATUSES: readonly AgreementStatus[] = ['active', 'suspended'];
/** The statuses of an amendment still being prepared (at most one per agreement). */
export const OPEN_STATUSES: readonly AgreementStatus[] = ['draft', 'pending-signatures'];

export function canTransition(from: AgreementStatus, to: AgreementStatus): boolean {
  return AGREEMENT_TRANSITIONS[from].includes(to);
}

type Dated = Pick<AgreementVersion, 'history' | 'validFrom' | 'validUntil' | 'signaturesCompletedAt'>;

/** The recorded status at `at`: the last recorded change at or before it (draft before any). */
export function recordedStatusAt(history: readonly StatusChange[], at: Date): AgreementStatus {
  let status: AgreementStatus = 'draft';
  for (const change of history) {
    if (Date.parse(change.at) <= at.getTime()) status = change.status;
  }
  return status;
}

/**
 * The status the dates imply at `at`, whether or not the scheduler has recorded it yet: a fully signed
 * version is active from validFrom, and anything not final is expired from validUntil. City actions
 * (suspension, termination) and supersession count from the moment they were recorded.
 * The privacy rule is not a date and is not evaluated here (see AgreementLifecycle).
 */
export function statusAt(version: Dated, at: Date): AgreementStatus {
  const recorded = recordedStatusAt(version.history, at);
  if (FINAL_STATUSES.includes(recorded)) return recorded;
  if (recorded !== 'draft' && at >= version.validUntil) return 'expired';
  if (recorded === 'pending-signatures' && isDueToActivate(version, at)) return 'active';
  return recorded;
}

/** Every party has signed, by `at`, and the validity window has begun (and not ended). */
export function isDueToActivate(version: Pick<AgreementVersion, 'validFrom' | 'validUntil' | 'signaturesCompletedAt'>, at: Date): boolean {
  const completed = version.signaturesCompletedAt;
  return completed !== null && completed <= at && version.validFrom <= at && at < version.validUntil;
}

/** The instant the dates make a fully signed version active: when the last party signed, or validFrom if later. */
export function activationInstant(version: Pick<AgreementVersion, 'validFrom' | 'signaturesCompletedAt'>): Date {
  const completed = version.signaturesCompletedAt!;
  return completed > version.validFrom ? completed : version.validFrom;
}
