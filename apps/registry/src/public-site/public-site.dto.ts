import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { LANGS, type Lang } from './i18n.js';
import { KINDS_IN_WORDS } from './journal/journal-words.js';
import { SLUG_PATTERN } from '../organisations/index.js';
import { SOURCE_KINDS, SOURCE_STATUSES, type SourceKind, type SourceStatus } from '../sources/index.js';

// An HTML form sends every field, the empty ones as "": those mean "no filter".
const emptyIsAbsent = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
// A number typed in a form: anything that is not one ("45,5", "north") is NaN, refused with a 400 page, never guessed.
const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' ? (value.trim() === '' ? undefined : Number(value)) : value);

// Only plain digits become numbers: "1e3", " 7" or a repeated parameter stay as they are and fail @IsInt.
const digits = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : emptyIsAbsent({ value }));

/** The largest radius of "what is near me", in km. */
export const MAX_RADIUS_KM = 50;

/** What every page of the register accepts: the language, and a cursor for lists. */
export class RegisterPageQuery {
  @OptionalField() @IsIn(LANGS) lang?: Lang;
  @OptionalField() @IsString() @MaxLength(512) cursor?: string;
}

/** A public record's page: its history's older changes, with journal indexes below `history` (set by its link). */
export class RecordPageQuery extends RegisterPageQuery {
  @OptionalField() @Transform(digits) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) history?: number;
}

export class SourcesPageQuery extends RecordPageQuery {
  @OptionalField() @Transform(emptyIsAbsent) @Matches(SLUG_PATTERN) city?: string;
  @OptionalField() @Transform(emptyIsAbsent) @IsIn(SOURCE_KINDS) kind?: SourceKind;
  @OptionalField() @Transform(emptyIsAbsent) @IsIn(SOURCE_STATUSES) status?: SourceStatus;

  @OptionalField()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : emptyIsAbsent({ value })))
  @IsBoolean()
  personalInformation?: boolean;

  /** minLon,minLat,maxLon,maxLat: the map's visible area, set by the map script (or by hand). */
  @OptionalField()
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? value.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))) : emptyIsAbsent({ value })))
  @IsArray() @ArrayMinSize(4) @ArrayMaxSize(4) @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  bbox?: number[];

  /** "What is near me": a point (the form's fields, or the browser's location filled in by the near-me script) and a radius in km. */
  @OptionalField() @Transform(toNumber) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-90) @Max(90) lat?: number;
  @OptionalField() @Transform(toNumber) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-180) @Max(180) lon?: number;
  @OptionalField() @Transform(toNumber) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.01) @Max(MAX_RADIUS_KM) radius?: number;
}

export const SIGN_PAPERS = ['letter', 'a4'] as const;
export type SignPaper = (typeof SIGN_PAPERS)[number];

/** A source's sign: the paper it is laid out for (letter unless asked). */
export class SignQuery extends RegisterPageQuery {
  @OptionalField() @Transform(emptyIsAbsent) @IsIn(SIGN_PAPERS) paper?: SignPaper;
}

/** A day as a date field sends it (YYYY-MM-DD), checked to be a real day of the calendar. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The log page: the entry shown with its proof, and the latest entries' filters and page (keyed on the journal index). */
export class LogPageQuery extends RegisterPageQuery {
  @OptionalField() @Transform(({ value }) => (value === '' ? undefined : Number(value))) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) index?: number;
  /** A city's (or any organisation's) records alone, by slug. */
  @OptionalField() @Transform(emptyIsAbsent) @Matches(SLUG_PATTERN) city?: string;
  /** One kind of record, as the journal names it (`source`, `agreement-version`, ...). */
  @OptionalField() @Transform(emptyIsAbsent) @IsIn(KINDS_IN_WORDS) kind?: string;
  /** The first and last days (UTC, both included) of the entries listed. */
  @OptionalField() @Transform(emptyIsAbsent) @Matches(DAY) @IsISO8601({ strict: true }) from?: string;
  @OptionalField() @Transform(emptyIsAbsent) @Matches(DAY) @IsISO8601({ strict: true }) to?: string;
  /** Entries with a journal index below this one: the older page, set by its link. */
  @OptionalField() @Transform(digits) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) before?: number;
}
