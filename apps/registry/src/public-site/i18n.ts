import { parseIsoDuration } from '../kernel/text/iso-duration.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { en, type Messages } from './messages/en.js';
import { fr } from './messages/fr.js';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

const CATALOGUES: Record<Lang, Messages> = { en, fr };
const LOCALES: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

/**
 * The page's language: `?lang=` when given (every link of the register carries it), otherwise the browser's
 * preference between English and French (Accept-Language, by quality), otherwise English.
 */
export function negotiateLang(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'en' || query === 'fr') return query;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: (tag ?? '').split('-')[0], q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => (entry.primary === 'en' || entry.primary === 'fr') && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return (ranked[0]?.primary as Lang | undefined) ?? 'en';
}

/** Everything a page needs to speak one language: the catalogue, the domain texts' side, and formats. */
export class Locale {
  readonly t: Messages;

  constructor(readonly lang: Lang) {
    this.t = CATALOGUES[lang];
  }

  /** The side of a bilingual text from the registry's data. */
  text(value: LocalizedText): string {
    return value[this.lang];
  }

  date(iso: string | Date): string {
    return new Intl.DateTimeFormat(LOCALES[this.lang], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
  }

  dateTime(iso: string | Date): string {
    return `${new Intl.DateTimeFormat(LOCALES[this.lang], { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
  }

  number(n: number): string {
    return new Intl.NumberFormat(LOCALES[this.lang]).format(n);
  }

  /** A distance in this language's units and numbers: metres (to the 10 m) under a kilometre, else km to one decimal. */
  distance(metres: number): string {
    const [value, unit] = metres < 995 ? [Math.round(metres / 10) * 10, 'meter'] : [Math.round(metres / 100) / 10, 'kilometer'];
    return new Intl.NumberFormat(LOCALES[this.lang], { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
  }

  /** An ISO 8601 duration in words (`P1Y6M` -> "1 year and 6 months"); the raw text if it is not one. */
  duration(iso: string): string {
    const parsed = parseIsoDuration(iso);
    if (!parsed) return iso;
    const units = [['year', parsed.years], ['month', parsed.months], ['week', parsed.weeks], ['day', parsed.days], ['hour', parsed.hours], ['minute', parsed.minutes], ['second', parsed.seconds]] as const;
    const parts = units
      .filter(([, n]) => n > 0)
      .map(([unit, n]) => new Intl.NumberFormat(LOCALES[this.lang], { style: 'unit', unit, unitDisplay: 'long' }).format(n));
    return new Intl.ListFormat(LOCALES[this.lang], { type: 'conjunction' }).format(parts);
  }

  /** A path of the register in this language: every link carries `lang`, so a reader stays in theirs. */
  href(path: string, params: Record<string, string | number | boolean | undefined | null> = {}): string {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
    query.set('lang', this.lang);
    return `${path}?${query.toString()}`;
  }
}
