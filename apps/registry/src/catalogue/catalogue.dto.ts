import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { SLUG_PATTERN } from '../organisations/index.js';

export const CATALOGUE_PAGE_SIZE = 100;
// Only plain digits become numbers: "", "1e3", " 7" or a repeated parameter stay as they are and fail @IsInt.
const digits = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value);
export const MAX_CATALOGUE_PAGE_SIZE = 500;

/** A catalogue page: a city's, or the registry's; the harvest it belongs to (pin) and where it starts (after). */
export class CatalogueQuery {
  @ApiPropertyOptional({ description: "Slug of a city: that city's catalogue alone" })
  @OptionalField() @Matches(SLUG_PATTERN, { message: 'city must be the slug of a city, such as montreal' }) city?: string;

  @ApiPropertyOptional({ description: 'The journal size the harvest started at: sources registered since are left to the next harvest (set by the next links)' })
  @OptionalField() @Transform(digits) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) pin?: number;

  @ApiPropertyOptional({ description: 'The position of the last dataset of the previous page (set by the next links)' })
  @OptionalField() @Transform(digits) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CATALOGUE_PAGE_SIZE, default: CATALOGUE_PAGE_SIZE })
  @OptionalField() @Transform(digits) @IsInt() @Min(1) @Max(MAX_CATALOGUE_PAGE_SIZE) limit?: number;
}
