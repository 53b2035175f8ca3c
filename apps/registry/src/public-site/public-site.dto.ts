import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { LANGS, type Lang } from './i18n.js';
import { SLUG_PATTERN } from '../organisations/index.js';
import { SOURCE_KINDS, SOURCE_STATUSES, type SourceKind, type SourceStatus } from '../sources/index.js';

// An HTML form sends every field, the empty ones as "": those mean "no filter".
const emptyIsAbsent = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** What every page of the register accepts: the language, and a cursor for lists. */
export class RegisterPageQuery {
  @OptionalField() @IsIn(LANGS) lang?: Lang;
  @OptionalField() @IsString() @MaxLength(512) cursor?: string;
}

export class SourcesPageQuery extends RegisterPageQuery {
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
}

export class LogPageQuery extends RegisterPageQuery {
  @OptionalField() @Transform(({ value }) => (value === '' ? undefined : Number(value))) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) index?: number;
}
