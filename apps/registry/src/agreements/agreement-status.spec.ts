import { AGREEMENT_STATUSES, type AgreementStatus, type StatusChange } from './agreement.entity.js';
import { AGREEMENT_TRANSITIONS, activationInstant, canTransition, FINAL_STATUSES, isDueToActivate, recordedStatusAt, statusAt } from './agreement-status.js';

const t = (iso: string) => new Date(iso);
const change = (status: AgreementStatus, at: string): StatusChange => ({ status, at, reason: null });

describe('agreement lifecycle table', () => {
  it('follows draft -> pending signatures -> active -> suspended | terminated | expired, and superseded by an amendment', () => {
    expect(canTransition('draft', 'pending-signatures')).toBe(true);
    expect(canTransition('pending-signatures', 'active')).toBe(true);
    for (const to of ['suspended', 'terminated', 'expired', 'superseded'] as const) expect(canTransition('active', to)).toBe(true);
    expect(canTransition('suspended', 'active')).toBe(true);
  });

  it('refuses steps out of order', () => {
    expect(canTransition('draft', 'active')).toBe(false);
    expect(canTransition('pending-signatures', 'suspended')).toBe(false);
    expect(canTransition('active', 'pending-signatures')).toBe(false);
    expect(canTransition('active', 'draft')).toBe(false);
    expect(canTransition('suspended', 'pending-signatures')).toBe(false);
  });

  it('keeps terminated, expired and superseded final', () => {
    for (const from of FINAL_STATUSES) expect(AGREEMENT_TRANSITIONS[from]).toEqual([]);
  });

  it('names only known statuses and never a transition to itself', () => {
    for (const from of AGREEMENT_STATUSES) {
      for (const to of AGREEMENT_TRANSITIONS[from]) {
        expect(AGREEMENT_STATUSES).toContain(to);
        expect(to).not.toBe(from);
      }
    }
  });
});

describe('status at an instant, from the dates', () => {
  const base = {
    validFrom: t('2030-01-01T00:00:00Z'),
    validUntil: t('2031-01-01T00:00:00Z'),
    signaturesCompletedAt: t('2029-12-01T00:00:00Z'),
    history: [change('draft', '2029-11-01T00:00:00Z'), change('pending-signatures', '2029-11-02T00:00:00Z')],
  };

  it('reads the recorded history', () => {
    expect(recordedStatusAt(base.history, t('2029-10-01T00:00:00Z'))).toBe('draft');
    expect(recordedStatusAt(base.history, t('2029-11-03T00:00:00Z'))).toBe('pending-signatures');
  });

  it('is active from validFrom once every party signed, even before the scheduler records it', () => {
    expect(statusAt(base, t('2029-12-31T23:59:59Z'))).toBe('pending-signatures');
    expect(statusAt(base, t('2030-01-01T00:00:00Z'))).toBe('active');
  });

  it('is not active while a signature is missing', () => {
    expect(statusAt({ ...base, signaturesCompletedAt: null }, t('2030-06-01T00:00:00Z'))).toBe('pending-signatures');
    expect(isDueToActivate({ ...base, signaturesCompletedAt: t('2030-02-01T00:00:00Z') }, t('2030-01-15T00:00:00Z'))).toBe(false);
  });

  it('is expired from validUntil, whatever was recorded before, but final statuses stay', () => {
    const active = { ...base, history: [...base.history, change('active', '2030-01-01T00:00:00Z')] };
    expect(statusAt(active, t('2031-01-01T00:00:00Z'))).toBe('expired');
    const suspended = { ...active, history: [...active.history, change('suspended', '2030-03-01T00:00:00Z')] };
    expect(statusAt(suspended, t('2030-03-02T00:00:00Z'))).toBe('suspended');
    expect(statusAt(suspended, t('2031-02-01T00:00:00Z'))).toBe('expired');
    const terminated = { ...active, history: [...active.history, change('terminated', '2030-04-01T00:00:00Z')] };
    expect(statusAt(terminated, t('2030-03-31T00:00:00Z'))).toBe('active');
    expect(statusAt(terminated, t('2031-02-01T00:00:00Z'))).toBe('terminated');
  });

  it('leaves drafts as drafts', () => {
    expect(statusAt({ ...base, history: [change('draft', '2029-11-01T00:00:00Z')], signaturesCompletedAt: null }, t('2032-01-01T00:00:00Z'))).toBe('draft');
  });

  it('activates at the last signature, or at validFrom if that is later', () => {
    expect(activationInstant(base).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(activationInstant({ ...base, signaturesCompletedAt: t('2030-02-01T00:00:00Z') }).toISOString()).toBe('2030-02-01T00:00:00.000Z');
  });
});
