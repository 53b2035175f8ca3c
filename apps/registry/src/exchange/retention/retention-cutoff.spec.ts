import { longestCutoff, retentionCutoff } from './retention-cutoff.js';

const at = (iso: string) => new Date(iso);
const cutoff = (now: string, retention: string) => retentionCutoff(at(now), retention)?.toISOString() ?? null;

describe('the instant before which events are past a retention', () => {
  it('subtracts elapsed time for weeks, days, hours, minutes and seconds', () => {
    expect(cutoff('2026-03-10T12:00:00.000Z', 'PT1S')).toBe('2026-03-10T11:59:59.000Z');
    expect(cutoff('2026-03-10T12:00:00.000Z', 'P1DT2H3M4S')).toBe('2026-03-09T09:56:56.000Z');
    expect(cutoff('2026-03-10T12:00:00.000Z', 'P2W')).toBe('2026-02-24T12:00:00.000Z');
    expect(cutoff('2026-03-10T12:00:00.000Z', 'P90D')).toBe('2025-12-10T12:00:00.000Z');
  });

  it('moves years and months on the calendar, clamping the day to the shorter month as PostgreSQL does', () => {
    expect(cutoff('2026-03-31T08:00:00.000Z', 'P1M')).toBe('2026-02-28T08:00:00.000Z');
    expect(cutoff('2024-02-29T00:00:00.000Z', 'P1Y')).toBe('2023-02-28T00:00:00.000Z');
    expect(cutoff('2026-01-15T00:00:00.000Z', 'P1Y13M')).toBe('2023-12-15T00:00:00.000Z');
    expect(cutoff('2026-05-31T00:00:00.000Z', 'P3M1D')).toBe('2026-02-27T00:00:00.000Z');
  });

  it('keeps everything for a retention reaching back before any event, however large, and for one that is not a duration', () => {
    expect(cutoff('2026-03-10T12:00:00.000Z', 'P60Y')).toBeNull();
    expect(cutoff('2026-03-10T12:00:00.000Z', 'P999999999Y')).toBeNull();
    expect(cutoff('2026-03-10T12:00:00.000Z', 'PT999999999H')).toBeNull();
    expect(cutoff('2026-03-10T12:00:00.000Z', 'one year')).toBeNull();
  });

  it('takes the longest of several retentions, and none when one of them keeps everything', () => {
    expect(longestCutoff(at('2026-03-10T12:00:00.000Z'), ['P1D', 'P1Y', 'P30D'])?.toISOString()).toBe('2025-03-10T12:00:00.000Z');
    expect(longestCutoff(at('2026-03-10T12:00:00.000Z'), ['P1D', 'P100Y'])).toBeNull();
  });
});
