import { ApiParam, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsEmail, IsIn, IsUrl, Matches, ValidateNested } from 'class-validator';
import { ClearableField, OptionalField } from '../kernel/http/validation.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { type LocalizedText, ShortText } from '../kernel/text/localized-text.js';
import { type Organisation, type PrivacyContact } from './organisation.entity.js';
import { ORGANISATION_KINDS, type OrganisationKind } from '../kernel/auth/vocabulary.js';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

/** The `{slug}` of an organisation's routes, which takes its id as well (the parameter keeps its documented name). */
export const OrganisationParam = () => ApiParam({ name: 'slug', description: "The organisation's slug, or its id", example: 'montreal' });

export class PrivacyContactDto implements PrivacyContact {
  @ApiProperty({ type: ShortText, description: 'The office or role to contact, not a person' })
  @IsDefined()
  @ValidateNested()
  @Type(() => ShortText)
  name: LocalizedText;

  @ApiProperty({ example: 'privacy@montreal.example' })
  @IsEmail()
  email: string;

  @ApiPropertyOptional({ example: 'https://montreal.example/privacy' })
  @OptionalField()
  @IsUrl({ protocols: ['https'], require_protocol: true })
  url?: string;
}

export class CreateOrganisationDto {
  @ApiProperty({ example: 'montreal', pattern: SLUG_PATTERN.source })
  @Matches(SLUG_PATTERN, { message: 'slug must be 3 to 63 lowercase letters, digits and inner hyphens' })
  slug: string;

  @ApiProperty({ enum: ORGANISATION_KINDS })
  @IsIn(ORGANISATION_KINDS)
  kind: 'city' | 'vendor';

  @ApiPropertyOptional({ default: false, description: 'A city or a vendor may also be a member of the standards coalition' })
  @OptionalField()
  @IsBoolean()
  coalitionMember?: boolean;

  @ApiProperty({ type: ShortText })
  @IsDefined()
  @ValidateNested()
  @Type(() => ShortText)
  name: LocalizedText;

  @ApiProperty({ example: 'CA-QC', description: 'ISO 3166-1 alpha-2 country, optionally with an ISO 3166-2 subdivision' })
  @Matches(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, { message: 'jurisdiction must be an ISO 3166 code such as CA or CA-QC' })
  jurisdiction: string;

  @ApiProperty({ type: PrivacyContactDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => PrivacyContactDto)
  privacyContact: PrivacyContactDto;

  @ApiPropertyOptional({ example: 'https://montreal.example', nullable: true, type: String, description: 'null or absent: no website' })
  @ClearableField()
  @IsUrl({ protocols: ['https'], require_protocol: true })
  website?: string | null;
}

export class UpdateOrganisationDto {
  @ApiPropertyOptional({ type: ShortText })
  @OptionalField()
  @ValidateNested()
  @Type(() => ShortText)
  name?: LocalizedText;

  @ApiPropertyOptional()
  @OptionalField()
  @IsBoolean()
  coalitionMember?: boolean;

  @ApiPropertyOptional({ example: 'CA-QC' })
  @OptionalField()
  @Matches(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, { message: 'jurisdiction must be an ISO 3166 code such as CA or CA-QC' })
  jurisdiction?: string;

  @ApiPropertyOptional({ type: PrivacyContactDto })
  @OptionalField()
  @ValidateNested()
  @Type(() => PrivacyContactDto)
  privacyContact?: PrivacyContactDto;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes the website' })
  @ClearableField()
  @IsUrl({ protocols: ['https'], require_protocol: true })
  website?: string | null;
}

export class ListOrganisationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORGANISATION_KINDS })
  @OptionalField()
  @IsIn(ORGANISATION_KINDS)
  kind?: 'city' | 'vendor';

  @ApiPropertyOptional()
  @OptionalField()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  coalitionMember?: boolean;
}

export class OrganisationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty({ enum: ['city', 'vendor', 'operator'] }) kind: OrganisationKind;
  @ApiProperty() coalitionMember: boolean;
  @ApiProperty({ type: ShortText }) name: LocalizedText;
  @ApiProperty() jurisdiction: string;
  @ApiProperty({ type: PrivacyContactDto }) privacyContact: PrivacyContact;
  @ApiProperty({ nullable: true, type: String }) website: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Index of the latest journal entry about this record' }) journalIndex: number | null;

  static from(o: Organisation): OrganisationResponse {
    return {
      id: o.id,
      slug: o.slug,
      kind: o.kind,
      coalitionMember: o.coalitionMember,
      name: o.name,
      jurisdiction: o.jurisdiction,
      privacyContact: o.privacyContact,
      website: o.website,
      createdAt: o.createdAt.toISOString(),
      updatedAt: o.updatedAt.toISOString(),
      journalIndex: o.journalIndex,
    };
  }
}

export class OrganisationPage {
  @ApiProperty({ type: [OrganisationResponse] }) items: OrganisationResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
