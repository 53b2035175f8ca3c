import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsIn, IsString, IsUUID, Length, Matches, ValidateBy, ValidateNested, type ValidationOptions,
} from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { type LocalizedText, LongText, ShortText } from '../kernel/text/localized-text.js';
import { IsIsoDuration } from '../kernel/text/iso-duration.js';
import { effectiveStatus, expiryInstant, isCalendarDate } from './privacy-record-status.js';
import { PRIVACY_RECORD_STATUSES, type PrivacyRecord, type PrivacyRecordStatus, type Risk, RISK_LEVELS, type RiskLevel } from './privacy-record.entity.js';
import { type PrivacyContact, SLUG_PATTERN } from '../organisations/index.js';
import { SOURCE_KINDS, SOURCE_STATUSES, type Source, type SourceKind, type SourceStatus } from '../sources/index.js';

const MAX_COVERED = 100;
const MAX_INTERNAL_DETAIL = 20_000;

function IsCalendarDate(options?: ValidationOptions) {
  return ValidateBy({ name: 'isCalendarDate', validator: { validate: isCalendarDate, defaultMessage: () => 'nextReviewDate must be a day, YYYY-MM-DD' } }, options);
}

export class RiskDto implements Risk {
  @ApiProperty({ type: LongText, description: 'What could go wrong for the people concerned' }) @IsDefined() @ValidateNested() @Type(() => LongText) risk: LocalizedText;
  @ApiProperty({ type: LongText, description: 'What the city does about it' }) @IsDefined() @ValidateNested() @Type(() => LongText) mitigation: LocalizedText;
}

const retentionDoc = { example: 'P90D', description: 'How long personal information is kept: an ISO 8601 duration (P90D, P1Y6M, PT24H, P2W)' };
const reviewDoc = { example: '2027-06-30', description: 'YYYY-MM-DD, after today: the record is valid through this day (UTC) and expires when it has passed' };
const sourceIdsDoc: ApiPropertyOptions = { type: [String], description: "Ids of the city's own sources the record covers (at least one source or agreement before submission)" };
const agreementIdsDoc: ApiPropertyOptions = { type: [String], description: 'Ids of the data-sharing agreements the record covers' };

export class CreatePrivacyRecordDto {
  @ApiProperty(sourceIdsDoc)
  @IsArray() @ArrayMaxSize(MAX_COVERED) @ArrayUnique() @IsUUID('all', { each: true })
  sourceIds: string[];

  @ApiPropertyOptional({ ...agreementIdsDoc, default: [] })
  @OptionalField() @IsArray() @ArrayMaxSize(MAX_COVERED) @ArrayUnique() @IsUUID('all', { each: true })
  agreementIds?: string[];

  @ApiProperty({ type: ShortText }) @IsDefined() @ValidateNested() @Type(() => ShortText) title: LocalizedText;

  @ApiProperty({ type: [ShortText], description: 'The personal information elements collected (images of faces, licence plates...)' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ShortText)
  personalInformationElements: LocalizedText[];

  @ApiProperty({ type: LongText }) @IsDefined() @ValidateNested() @Type(() => LongText) purpose: LocalizedText;
  @ApiProperty({ type: LongText }) @IsDefined() @ValidateNested() @Type(() => LongText) legalAuthority: LocalizedText;
  @ApiProperty({ enum: RISK_LEVELS }) @IsIn(RISK_LEVELS) riskLevel: RiskLevel;

  @ApiProperty({ type: [RiskDto], description: 'Each risk with its mitigation' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => RiskDto)
  risks: RiskDto[];

  @ApiProperty({ type: LongText, description: 'How the data is de-identified, and when' }) @IsDefined() @ValidateNested() @Type(() => LongText) deIdentification: LocalizedText;
  @ApiProperty(retentionDoc) @IsString() @IsIsoDuration() retention: string;
  @ApiProperty(reviewDoc) @IsString() @IsCalendarDate() nextReviewDate: string;
  @ApiProperty({ type: LongText, description: 'The public summary, for residents' }) @IsDefined() @ValidateNested() @Type(() => LongText) summary: LocalizedText;

  @ApiProperty({ maxLength: MAX_INTERNAL_DETAIL, description: "Internal detail: only the city's members ever see it" })
  @IsString() @Length(1, MAX_INTERNAL_DETAIL) @IsTextForPeople({ multiline: true })
  internalDetail: string;
}

export class UpdatePrivacyRecordDto {
  @ApiPropertyOptional(sourceIdsDoc) @OptionalField() @IsArray() @ArrayMaxSize(MAX_COVERED) @ArrayUnique() @IsUUID('all', { each: true }) sourceIds?: string[];
  @ApiPropertyOptional(agreementIdsDoc) @OptionalField() @IsArray() @ArrayMaxSize(MAX_COVERED) @ArrayUnique() @IsUUID('all', { each: true }) agreementIds?: string[];
  @ApiPropertyOptional({ type: ShortText }) @OptionalField() @ValidateNested() @Type(() => ShortText) title?: LocalizedText;

  @ApiPropertyOptional({ type: [ShortText] })
  @OptionalField() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ShortText)
  personalInformationElements?: LocalizedText[];

  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) purpose?: LocalizedText;
  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) legalAuthority?: LocalizedText;
  @ApiPropertyOptional({ enum: RISK_LEVELS }) @OptionalField() @IsIn(RISK_LEVELS) riskLevel?: RiskLevel;

  @ApiPropertyOptional({ type: [RiskDto] })
  @OptionalField() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => RiskDto)
  risks?: RiskDto[];

  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) deIdentification?: LocalizedText;
  @ApiPropertyOptional(retentionDoc) @OptionalField() @IsString() @IsIsoDuration() retention?: string;
  @ApiPropertyOptional(reviewDoc) @OptionalField() @IsString() @IsCalendarDate() nextReviewDate?: string;
  @ApiPropertyOptional({ type: LongText }) @OptionalField() @ValidateNested() @Type(() => LongText) summary?: LocalizedText;
  @ApiPropertyOptional({ maxLength: MAX_INTERNAL_DETAIL }) @OptionalField() @IsString() @Length(1, MAX_INTERNAL_DETAIL) @IsTextForPeople({ multiline: true }) internalDetail?: string;
}

export class RejectPrivacyRecordDto {
  @ApiProperty({ maxLength: 2000, description: 'Why the record is rejected (the city sees it; rejected records are not public)' })
  @IsString() @Length(1, 2000) @IsTextForPeople({ multiline: true })
  reason: string;
}

export class ListPrivacyRecordsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Slug or id of the city' }) @OptionalField() @Matches(SLUG_PATTERN) city?: string;
  @ApiPropertyOptional({ enum: PRIVACY_RECORD_STATUSES, description: 'Status now (an approved record past its review date is expired)' })
  @OptionalField() @IsIn(PRIVACY_RECORD_STATUSES)
  status?: PrivacyRecordStatus;
  @ApiPropertyOptional({ format: 'uuid', description: 'Records covering this source' }) @OptionalField() @IsUUID('all') source?: string;
}

export class CityRef {
  @ApiProperty() slug: string;
  @ApiProperty({ type: ShortText }) name: LocalizedText;
}

export class PrivacyContactResponse implements PrivacyContact {
  @ApiProperty({ type: ShortText }) name: LocalizedText;
  @ApiProperty() email: string;
  @ApiPropertyOptional() url?: string;
}

export class CoveredSourceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: ShortText }) name: LocalizedText;
  @ApiProperty({ enum: SOURCE_KINDS }) kind: SourceKind;
  @ApiProperty({ enum: SOURCE_STATUSES }) status: SourceStatus;
  @ApiProperty() personalInformation: boolean;
  @ApiProperty() ceSource: string;

  static from(s: Source): CoveredSourceResponse {
    return { id: s.id, name: s.name, kind: s.kind, status: s.status, personalInformation: s.personalInformation, ceSource: s.ceSource };
  }
}

/** What anyone may read of an approved (or expired) record: no internal detail, no one's identity beyond the city. */
export class PrivacyRecordResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: CityRef }) city: CityRef;
  @ApiProperty({ enum: PRIVACY_RECORD_STATUSES, description: 'Status now: an approved record past its review date reads as expired' }) status: PrivacyRecordStatus;
  @ApiProperty({ type: ShortText }) title: LocalizedText;
  @ApiProperty({ type: [String], description: 'Ids of the covered sources, as sent when the record was created or changed (each is at `/api/v1/sources/{id}`)' }) sourceIds: string[];
  @ApiProperty({ type: [CoveredSourceResponse], deprecated: true, description: 'Deprecated (use `sourceIds`): the covered sources, summarised' }) sources: CoveredSourceResponse[];
  @ApiProperty({ type: [String], description: 'Ids of the covered data-sharing agreements' }) agreementIds: string[];
  @ApiProperty({ type: [ShortText] }) personalInformationElements: LocalizedText[];
  @ApiProperty({ type: LongText }) purpose: LocalizedText;
  @ApiProperty({ type: LongText }) legalAuthority: LocalizedText;
  @ApiProperty({ enum: RISK_LEVELS }) riskLevel: RiskLevel;
  @ApiProperty({ type: [RiskDto] }) risks: Risk[];
  @ApiProperty({ type: LongText }) deIdentification: LocalizedText;
  @ApiProperty(retentionDoc) retention: string;
  @ApiProperty(reviewDoc) nextReviewDate: string;
  @ApiProperty({ description: 'The instant the record expires: when its review date (UTC) has passed' }) expiresAt: string;
  @ApiProperty({ type: PrivacyContactResponse, description: "The city's privacy contact (from its organisation)" }) privacyContact: PrivacyContactResponse;
  @ApiProperty({ type: LongText }) summary: LocalizedText;
  @ApiProperty({ nullable: true, type: String }) submittedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When it was approved or rejected' }) decidedAt: string | null;
  @ApiProperty({
    nullable: true, type: String,
    description: 'Since when the privacy approver of the city who decided had held that role: always before the submission, and given by someone who did not write the record',
  })
  deciderRoleSince: string | null;
  @ApiProperty({ nullable: true, type: String }) rejectionReason: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When the expiry was recorded' }) expiredAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(r: PrivacyRecord, city: CityRef, privacyContact: PrivacyContact, sources: CoveredSourceResponse[], now: Date): PrivacyRecordResponse {
    return {
      id: r.id, city, status: effectiveStatus(r, now), title: r.title, sourceIds: sources.map((s) => s.id), sources, agreementIds: r.agreementIds,
      personalInformationElements: r.personalInformationElements, purpose: r.purpose, legalAuthority: r.legalAuthority, riskLevel: r.riskLevel,
      risks: r.risks, deIdentification: r.deIdentification, retention: r.retention, nextReviewDate: r.nextReviewDate,
      expiresAt: expiryInstant(r.nextReviewDate).toISOString(), privacyContact, summary: r.summary,
      submittedAt: iso(r.submittedAt), decidedAt: iso(r.decidedAt), deciderRoleSince: iso(r.deciderRoleSince), rejectionReason: r.rejectionReason,
      expiredAt: iso(r.expiredAt),
      createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), journalIndex: r.journalIndex,
    };
  }
}

/** The whole record, for the city's own members. */
export class PrivacyRecordDetailResponse extends PrivacyRecordResponse {
  @ApiProperty({ description: "Internal detail: only the city's members see it" }) internalDetail: string;
  @ApiProperty({ format: 'uuid' }) authorMemberId: string;
  @ApiProperty({ type: [String], description: 'Every member who opened, edited or submitted it; none of them may decide on it' }) contributorMemberIds: string[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) decidedByMemberId: string | null;

  static full(r: PrivacyRecord, base: PrivacyRecordResponse): PrivacyRecordDetailResponse {
    return {
      ...base, internalDetail: r.internalDetail, authorMemberId: r.authorMemberId, contributorMemberIds: r.contributorMemberIds, decidedByMemberId: r.decidedByMemberId,
    };
  }
}

export class PrivacyRecordPage {
  @ApiProperty({ type: [PrivacyRecordResponse], description: "Public parts; the city's own members get whole records, drafts included" })
  items: PrivacyRecordResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/**
 * The state a journal entry digests: the record's own public fields, as stored. Never the internal
 * detail, the rejection reason, nor who wrote it (the entry names its actor by id): no free text about people.
 */
export function privacyRecordState(r: PrivacyRecord) {
  return {
    id: r.id, organisationId: r.organisationId, status: r.status, title: r.title, sourceIds: [...r.sourceIds].sort(), agreementIds: [...r.agreementIds].sort(),
    personalInformationElements: r.personalInformationElements, purpose: r.purpose, legalAuthority: r.legalAuthority, riskLevel: r.riskLevel,
    risks: r.risks, deIdentification: r.deIdentification, retention: r.retention, nextReviewDate: r.nextReviewDate, summary: r.summary,
    submittedAt: iso(r.submittedAt), decidedAt: iso(r.decidedAt), expiredAt: iso(r.expiredAt),
  };
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}
