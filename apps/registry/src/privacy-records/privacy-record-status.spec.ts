import {
  canTransition, deciderStanding, effectiveStatus, expiryInstant, inForceAt, isCalendarDate, mayDecide, PRIVACY_RECORD_TRANSITIONS, reviewDateAhead,
} from './privacy-record-status.js';
import { PRIVACY_RECORD_STATUSES } from './privacy-record.entity.js';

describe('privacy record transitions', () => {
  it('goes draft -> submitted -> approved | rejected, approved -> expired, and never back', () => {
    const allowed = PRIVACY_RECORD_STATUSES.flatMap((from) => PRIVACY_RECORD_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(['approved->expired', 'draft->submitted', 'submitted->approved', 'submitted->rejected']);
  });
  it('has an entry for every status', () => {
    for (const status of PRIVACY_RECORD_STATUSES) expect(PRIVACY_RECORD_TRANSITIONS[status]).toBeDefined();
  });
});

describe('review dates', () => {
  it.each(['2026-01-31', '2028-02-29', '2026-12-01'])('accepts the day %s', (d) => expect(isCalendarDate(d)).toBe(true));
  it.each(['2026-02-30', '2027-02-29', '2026-13-01', '2026-00-10', '0000-01-01', '2026-1-01', '2026-01-01T00:00:00Z', '', 20260101])(
    'refuses %j',
    (d) => expect(isCalendarDate(d)).toBe(false),
  );

  it('expires a record when its review date (UTC) has passed', () => {
    expect(expiryInstant('2026-03-31').toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(expiryInstant('2026-12-31').toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('wants a review date strictly after today (UTC)', () => {
    const now = new Date('2026-03-10T23:59:59Z');
    expect(reviewDateAhead('2026-03-11', now)).toBe(true);
    expect(reviewDateAhead('2026-03-10', now)).toBe(false);
    expect(reviewDateAhead('2025-12-31', now)).toBe(false);
  });
});

describe('status at an instant', () => {
  const approved = { status: 'approved' as const, nextReviewDate: '2026-03-31', decidedAt: new Date('2026-01-15T10:00:00Z') };

  it('reads an approved record past its review date as expired, whether or not the scheduler recorded it', () => {
    expect(effectiveStatus(approved, new Date('2026-03-31T23:59:59Z'))).toBe('approved');
    expect(effectiveStatus(approved, new Date('2026-04-01T00:00:00Z'))).toBe('expired');
    expect(effectiveStatus({ ...approved, status: 'submitted' }, new Date('2027-01-01T00:00:00Z'))).toBe('submitted');
  });

  it('is in force from its approval until its review date has passed, and never otherwise', () => {
    expect(inForceAt(approved, new Date('2026-01-15T09:59:59Z'))).toBe(false);
    expect(inForceAt(approved, new Date('2026-01-15T10:00:00Z'))).toBe(true);
    expect(inForceAt(approved, new Date('2026-03-31T23:59:59.999Z'))).toBe(true);
    expect(inForceAt(approved, new Date('2026-04-01T00:00:00Z'))).toBe(false);
    // An expiry the scheduler recorded does not rewrite what held before it.
    expect(inForceAt({ ...approved, status: 'expired' }, new Date('2026-02-01T00:00:00Z'))).toBe(true);
    for (const status of ['draft', 'submitted', 'rejected'] as const) expect(inForceAt({ ...approved, status }, new Date('2026-02-01T00:00:00Z'))).toBe(false);
    expect(inForceAt({ ...approved, decidedAt: null }, new Date('2026-02-01T00:00:00Z'))).toBe(false);
  });
});

describe('who may decide', () => {
  const record = { authorMemberId: 'author', contributorMemberIds: ['author', 'editor'] };
  it('refuses the author and anyone who edited or submitted the record, by member, not by key', () => {
    expect(mayDecide(record, 'author')).toBe(false);
    expect(mayDecide(record, 'editor')).toBe(false);
    expect(mayDecide(record, 'approver')).toBe(true);
  });
});

describe("the decider's standing: their privacy-approver role and their key", () => {
  const record = { authorMemberId: 'author', contributorMemberIds: ['author', 'editor'], submittedAt: new Date('2026-03-10T12:00:00Z') };
  const grant = (grantedAt: string, grantedByMemberId: string | null) => ({ grantedAt: new Date(grantedAt), grantedByMemberId });

  it('counts a role held before the submission, given by someone who did not write the record, the operator or the registry', () => {
    expect(deciderStanding(record, grant('2026-03-10T11:59:59.999Z', 'admin'), 'admin')).toBe('counts');
    expect(deciderStanding(record, grant('2025-01-01T00:00:00Z', null), null)).toBe('counts');
  });
  it('refuses a role given at or after the submission, or no role at all', () => {
    expect(deciderStanding(record, grant('2026-03-10T12:00:00Z', 'admin'), null)).toBe('role-too-recent');
    expect(deciderStanding(record, grant('2026-03-11T00:00:00Z', 'admin'), null)).toBe('role-too-recent');
    expect(deciderStanding(record, null, null)).toBe('role-too-recent');
    expect(deciderStanding({ ...record, submittedAt: null }, grant('2025-01-01T00:00:00Z', 'admin'), null)).toBe('role-too-recent');
  });
  it('refuses a role given by the author, or by anyone who edited or submitted the record', () => {
    expect(deciderStanding(record, grant('2025-01-01T00:00:00Z', 'author'), null)).toBe('role-from-author');
    expect(deciderStanding(record, grant('2025-01-01T00:00:00Z', 'editor'), null)).toBe('role-from-author');
  });
  it('refuses a decider acting with a key the author, an editor or the submitter issued', () => {
    expect(deciderStanding(record, grant('2025-01-01T00:00:00Z', 'admin'), 'author')).toBe('key-from-author');
    expect(deciderStanding(record, grant('2025-01-01T00:00:00Z', 'admin'), 'editor')).toBe('key-from-author');
  });
});
