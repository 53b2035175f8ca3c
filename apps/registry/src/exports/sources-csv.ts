import { type Stringifier, stringify } from 'csv-stringify';
import type { SourceResponse } from '../sources/index.js';

/** The columns of sources.csv, in order: one row a source, its texts in both languages. */
export const SOURCE_COLUMNS = [
  'id', 'journal_index', 'page', 'kind', 'status', 'status_reason', 'status_changed_at', 'owner', 'operator', 'technology',
  'name_en', 'name_fr', 'description_en', 'description_fr', 'purpose_en', 'purpose_fr', 'measures_en', 'measures_fr',
  'legal_authority_en', 'legal_authority_fr', 'personal_information', 'privacy_flag', 'standards', 'ce_source', 'licence',
  'location', 'created_at', 'updated_at',
] as const;

type Row = Record<(typeof SOURCE_COLUMNS)[number], string | number | boolean | null>;

/** One source as a row; `publicUrl` makes its page's address. Lists are joined with " | ", the location is GeoJSON. */
export function sourceRow(s: SourceResponse, publicUrl: string): Row {
  return {
    id: s.id, journal_index: s.journalIndex, page: `${publicUrl}/sources/${s.id}`, kind: s.kind, status: s.status, status_reason: s.statusReason,
    status_changed_at: s.statusChangedAt, owner: s.owner.slug, operator: s.operator.slug, technology: s.technology,
    name_en: s.name.en, name_fr: s.name.fr, description_en: s.description.en, description_fr: s.description.fr, purpose_en: s.purpose.en, purpose_fr: s.purpose.fr,
    measures_en: s.measures.map((m) => m.en).join(' | '), measures_fr: s.measures.map((m) => m.fr).join(' | '),
    legal_authority_en: s.legalAuthority.en, legal_authority_fr: s.legalAuthority.fr, personal_information: s.personalInformation,
    privacy_flag: s.privacyFlag?.reason ?? null, standards: s.standards.map((x) => `${x.standard}@${x.major}`).join(' '), ce_source: s.ceSource,
    licence: s.licence, location: JSON.stringify(s.location), created_at: s.createdAt, updated_at: s.updatedAt,
  };
}

/**
 * A stream of CSV text (RFC 4180, a header row) from rows written to it. The quoting is csv-stringify's; Plaza's rule
 * on top is that a spreadsheet must never run what someone typed into a source: a text cell beginning with = + - @, a
 * tab or a carriage return (or their full-width forms) is prefixed with ' (OWASP's advice against CSV injection), which
 * csv-stringify's escape_formulas does. A number keeps its sign. Booleans are written true and false.
 */
export function sourcesCsv(): Stringifier {
  return stringify({
    header: true,
    columns: [...SOURCE_COLUMNS],
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
}
