import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsObject, IsString, IsUrl, Length, Matches, Max, Min, ValidateNested,
} from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { LongText, type LocalizedText, ShortText } from '../kernel/text/localized-text.js';
import type { Geometry } from './geojson.js';
import { type EmittedStandard, PRIVACY_FLAG_REASONS, type PrivacyFlagReason, SOURCE_KINDS, SOURCE_STATUSES, type Source, type SourceKind, type SourceStatus, TECHNOLOGIES, type Technology } from './source.entity.js';
import { SLUG_PATTERN } from '../organisations/index.js';

const STANDARD_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A CloudEvents `source` is a non-empty URI-reference; Plaza also keeps it printable and bounded.
const CE_SOURCE = /^[\x21-\x7e]{1,512}$/;

export class EmittedStandardDto implements EmittedStandard {
  @ApiProperty({ example: 'air-quality-observation' })
  @Matches(STANDARD_ID, { message: 'standard must be a standard id such as air-quality-observation' })
  @Length(3, 80)
  standard: string;

  @ApiProperty({ example: 1, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(999)
  major: number;
}

const licenceDoc = {
  description: "URL of the licence its data is published under; the registry's default licence applies when absent",
  example: 'https://open.canada.ca/en/open-government-licence-canada',
};
const LICENCE_URL = { protocols: ['https', 'http'], require_protocol: true, require_tld: true };

const locationDoc = { description: 'GeoJSON Point, LineString or Polygon (WGS 84)', example: { type: 'Point', coordinates: [-73.5673, 45.5017] } };

export class CreateSourceDto {
  @ApiProperty({ enum: SOURCE_KINDS }) @IsIn(SOURCE_KINDS) kind: SourceKind;
  @ApiProperty({ type: ShortText }) @IsDefined() @ValidateNested() @Type(() => ShortText) name: LocalizedText;
  @ApiProperty({ type: LongText }) @IsDefined() @ValidateNested() @Type(() => LongText) description: LocalizedText;
  @ApiProperty({ type: LongText, description: 'Why the city collects this' }) @IsDefined() @ValidateNested() @Type(() => LongText) purpose: LocalizedText;

  @ApiProperty({ type: [ShortText], description: 'What is measured' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => ShortText)
  measures: LocalizedText[];

  @ApiProperty() @IsBoolean() personalInformation: boolean;
  @ApiProperty({ type: LongText }) @IsDefined() @ValidateNested() @Type(() => LongText) legalAuthority: LocalizedText;
  @ApiProperty(locationDoc) @IsObject() location: Record<string, unknown>;
  @ApiProperty({ enum: TECHNOLOGIES }) @IsIn(TECHNOLOGIES) technology: Technology;

  @ApiProperty({ type: [EmittedStandardDto] })
  @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => EmittedStandardDto)
  standards: EmittedStandardDto[];

  @ApiProperty({ example: 'urn:plaza:montreal:air:station-12', description: 'The CloudEvents source value its events carry; unique in the registry' })
  @IsString() @Matches(CE_SOURCE, { message: 'ceSource must be 1 to 512 printable characters without spaces' })
  ceSource: string;

  @ApiPropertyOptional({ description: "Slug of the operating vendor; the owning city when absent" })
  @OptionalField() @Matches(SLUG_PATTERN) operator?: string;

  @ApiPropertyOptional(licenceDoc) @OptionalField() @IsUrl(LICENCE_URL) @Length(1, 500) licence?: string;
}

export class UpdateSourceDto {
  @ApiPropertyOptional({ type: ShortText }) @OptionalField() @ValidateNested() @Type(() => ShortText) name?: LocalizedText;
  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) description?: LocalizedText;
  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) purpose?: LocalizedText;

  @ApiPropertyOptional({ type: [ShortText] })
  @OptionalField() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => ShortText)
  measures?: LocalizedText[];

  @ApiPropertyOptional() @OptionalField() @IsBoolean() personalInformation?: boolean;
  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) legalAuthority?: LocalizedText;
  @ApiPropertyOptional(locationDoc) @OptionalField() @IsObject() location?: Record<string, unknown>;
  @ApiPropertyOptional({ enum: TECHNOLOGIES }) @OptionalField() @IsIn(TECHNOLOGIES) technology?: Technology;

  @ApiPropertyOptional({ type: [EmittedStandardDto] })
  @OptionalField() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => EmittedStandardDto)
  standards?: EmittedStandardDto[];

  @ApiPropertyOptional() @OptionalField() @Matches(SLUG_PATTERN) operator?: string;
  @ApiPropertyOptional(licenceDoc) @OptionalField() @IsUrl(LICENCE_URL) @Length(1, 500) licence?: string;
}

export class ChangeSourceStatusDto {
  @ApiProperty({ enum: SOURCE_STATUSES }) @IsIn(SOURCE_STATUSES) status: SourceStatus;
  @ApiPropertyOptional({ maxLength: 500 }) @OptionalField() @IsString() @Length(1, 500) @IsTextForPeople({ multiline: true }) reason?: string;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toNumbers = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))) : value);

export class ListSourcesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Slug or id of the owning city' }) @OptionalField() @Matches(SLUG_PATTERN) city?: string;
  @ApiPropertyOptional({ enum: SOURCE_KINDS }) @OptionalField() @IsIn(SOURCE_KINDS) kind?: SourceKind;
  @ApiPropertyOptional({ enum: SOURCE_STATUSES }) @OptionalField() @IsIn(SOURCE_STATUSES) status?: SourceStatus;

  @ApiPropertyOptional({ description: 'A standard id, optionally with @major', example: 'air-quality-observation@1' })
  @OptionalField() @Matches(/^[a-z0-9]+(?:-[a-z0-9]+)*(@\d{1,3})?$/, { message: 'standard must be an id, optionally followed by @major' })
  standard?: string;

  @ApiPropertyOptional() @OptionalField() @Transform(toBoolean) @IsBoolean() personalInformation?: boolean;
  @ApiPropertyOptional({ description: 'Free text, in names, descriptions and the source value' }) @OptionalField() @IsString() @Length(1, 100) q?: string;

  @ApiPropertyOptional({ description: 'minLon,minLat,maxLon,maxLat: sources whose location meets this box', example: '-73.60,45.49,-73.55,45.52' })
  @OptionalField() @Transform(toNumbers) @IsArray() @ArrayMinSize(4) @ArrayMaxSize(4) @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  bbox?: number[];

  @ApiPropertyOptional({ description: 'lon,lat: sources near this point (with radius)', example: '-73.5673,45.5017' })
  @OptionalField() @Transform(toNumbers) @IsArray() @ArrayMinSize(2) @ArrayMaxSize(2) @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  near?: number[];

  @ApiPropertyOptional({ description: 'Metres around `near`', default: 500, minimum: 1, maximum: 50000 })
  @OptionalField() @Type(() => Number) @IsInt() @Min(1) @Max(50_000)
  radius?: number;
}

export class OrganisationRef {
  @ApiProperty() slug: string;
  @ApiProperty({ type: ShortText }) name: LocalizedText;
}

/** Why a source is flagged: the privacy impact record that covered it expired, and no other covers it. */
export class PrivacyFlagResponse {
  @ApiProperty({ enum: PRIVACY_FLAG_REASONS }) reason: PrivacyFlagReason;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The privacy impact record that expired' }) privacyRecordId: string | null;
  @ApiProperty() flaggedAt: string;
}

export class SourceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: OrganisationRef }) owner: OrganisationRef;
  @ApiProperty({ type: OrganisationRef }) operator: OrganisationRef;
  @ApiProperty({ enum: SOURCE_KINDS }) kind: SourceKind;
  @ApiProperty({ type: ShortText }) name: LocalizedText;
  @ApiProperty({ type: LongText }) description: LocalizedText;
  @ApiProperty({ type: LongText }) purpose: LocalizedText;
  @ApiProperty({ type: [ShortText] }) measures: LocalizedText[];
  @ApiProperty() personalInformation: boolean;
  @ApiProperty({ type: LongText }) legalAuthority: LocalizedText;
  @ApiProperty(locationDoc) location: Geometry;
  @ApiProperty({ enum: TECHNOLOGIES }) technology: Technology;
  @ApiProperty({ type: [EmittedStandardDto] }) standards: EmittedStandard[];
  @ApiProperty() ceSource: string;
  @ApiProperty({ ...licenceDoc, nullable: true, type: String }) licence: string | null;
  @ApiProperty({ enum: SOURCE_STATUSES }) status: SourceStatus;
  @ApiProperty({ nullable: true, type: String }) statusReason: string | null;
  @ApiProperty() statusChangedAt: string;
  @ApiProperty({
    type: PrivacyFlagResponse, nullable: true,
    description: 'Set while this source collects personal information and the privacy impact record that covered it has expired',
  })
  privacyFlag: PrivacyFlagResponse | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(s: Source, owner: OrganisationRef, operator: OrganisationRef): SourceResponse {
    return {
      id: s.id, owner, operator, kind: s.kind, name: s.name, description: s.description, purpose: s.purpose, measures: s.measures,
      personalInformation: s.personalInformation, legalAuthority: s.legalAuthority, location: s.location, technology: s.technology,
      standards: s.standards, ceSource: s.ceSource, licence: s.licence ?? null, status: s.status, statusReason: s.statusReason,
      statusChangedAt: s.statusChangedAt.toISOString(),
      privacyFlag: s.privacyFlaggedAt && s.privacyFlagReason ? { reason: s.privacyFlagReason, privacyRecordId: s.privacyFlagRecordId, flaggedAt: s.privacyFlaggedAt.toISOString() } : null,
      createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString(),
      journalIndex: s.journalIndex,
    };
  }
}

export class SourcePage {
  @ApiProperty({ type: [SourceResponse] }) items: SourceResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
