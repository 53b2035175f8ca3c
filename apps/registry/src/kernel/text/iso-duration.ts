import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * ISO 8601 durations (`P90D`, `P1Y6M`, `PT12H`, `P2W`), read strictly: the designators in their order
 * (Y, M, W, D, then T and H, M, S), whole numbers of at most 9 digits, at least one component, a `T` only
 * when a time component follows, and weeks alone (as in ISO 8601:2004 and RFC 3339). No sign, no
 * fractions, no lower case, no spaces. Retention periods, which is what Plaza reads them for, need no more.
 */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^P(?:(\d{1,9})W|(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?)$/;

/** The duration's components, or null when `text` is not a duration in the form above. */
export function parseIsoDuration(text: string): IsoDuration | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, weeks, years, months, days, hours, minutes, seconds] = match;
  // At least one component, and a T must introduce at least one of H, M, S.
  if ([weeks, years, months, days, hours, minutes, seconds].every((c) => c === undefined)) return null;
  if (text.includes('T') && [hours, minutes, seconds].every((c) => c === undefined)) return null;
  const n = (c: string | undefined) => (c === undefined ? 0 : Number(c));
  return { years: n(years), months: n(months), weeks: n(weeks), days: n(days), hours: n(hours), minutes: n(minutes), seconds: n(seconds) };
}

export function isIsoDuration(value: unknown): value is string {
  return typeof value === 'string' && parseIsoDuration(value) !== null;
}

/** class-validator decorator: the value is an ISO 8601 duration in the form above. */
export function IsIsoDuration(options?: ValidationOptions) {
  return ValidateBy({ name: 'isIsoDuration', validator: { validate: isIsoDuration, defaultMessage: () => '$property must be an ISO 8601 duration such as P90D or P1Y6M' } }, options);
}
