import { parseIsoDuration } from '../../kernel/text/iso-duration.js';

/**
 * The instant before which an event received is past this retention at `now` (received_at + retention <= now), in
 * UTC: years and months move the calendar month, the day clamped to that month's last (as PostgreSQL subtracts an
 * interval), then weeks, days, hours, minutes and seconds are subtracted as elapsed time. Null when nothing can be
 * past it: a retention reaching back before 1970 (no event was received then), or one that does not read as an ISO
 * 8601 duration (agreements are validated when written; an unreadable one keeps its events rather than losing them).
 */
export function retentionCutoff(now: Date, retention: string): Date | null {
  const d = parseIsoDuration(retention);
  if (!d) return null;
  const monthIndex = now.getUTCMonth() - (d.years * 12 + d.months);
  const year = now.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const shifted = new Date(now.getTime());
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999. NaN beyond Date's range.
  shifted.setUTCFullYear(year, month, Math.min(now.getUTCDate(), daysIn(year, month)));
  const at = shifted.getTime() - ((d.weeks * 7 + d.days) * 86_400_000 + d.hours * 3_600_000 + d.minutes * 60_000 + d.seconds * 1000);
  return Number.isFinite(at) && at > 0 ? new Date(at) : null;
}

/** The longest of several retentions, as a cutoff: the earliest; null when any of them keeps everything. */
export function longestCutoff(now: Date, retentions: readonly string[]): Date | null {
  let earliest: Date | null = null;
  for (const retention of retentions) {
    const cutoff = retentionCutoff(now, retention);
    if (cutoff === null) return null;
    if (earliest === null || cutoff < earliest) earliest = cutoff;
  }
  return earliest;
}

function daysIn(year: number, month: number): number {
  const last = new Date(0);
  last.setUTCFullYear(year, month + 1, 0);
  return last.getUTCDate();
}
