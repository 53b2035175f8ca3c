import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsUUID, Matches, Max, Min } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { SLUG_PATTERN } from '../organisations/index.js';
import { LANGS, type Lang } from '../public-site/index.js';

export const FEED_PAGE_SIZE = 50;
export const MAX_FEED_PAGE_SIZE = 200;
// Only plain digits become numbers: "", "1e3", " 7" or a repeated parameter stay as they are and fail @IsInt.
const digits = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value);

/** A page of a change feed: whose changes (the registry's, a city's or a source's), from where, and in which language. */
export class FeedQuery {
  @ApiPropertyOptional({ description: "Slug of a city: the changes to that city's records alone" })
  @OptionalField() @Matches(SLUG_PATTERN, { message: 'city must be the slug of a city, such as montreal' }) city?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Id of a source: that source's own changes alone" })
  @OptionalField() @IsUUID('all', { message: 'source must be the id of a source (a UUID)' }) source?: string;

  @ApiPropertyOptional({ description: 'Entries with a journal index below this one (set by the rel="next" links)' })
  @OptionalField() @Transform(digits) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) before?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FEED_PAGE_SIZE, default: FEED_PAGE_SIZE })
  @OptionalField() @Transform(digits) @IsInt() @Min(1) @Max(MAX_FEED_PAGE_SIZE) limit?: number;

  @ApiPropertyOptional({ enum: LANGS, description: "The entries' language; without it, Accept-Language's choice between English and French" })
  @OptionalField() @IsIn(LANGS) lang?: Lang;
}
