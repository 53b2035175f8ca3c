import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsInt, IsISO8601, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested,
} from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField, OptionalFields } from '../kernel/http/validation.js';
import { IsIsoDuration } from '../kernel/text/iso-duration.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { WITH_ZONE } from '../kernel/text/instant.js';
import { LongText, type LocalizedText, ShortText } from '../kernel/text/localized-text.js';
import {
  type Agreement, AGREEMENT_STATUSES, type AgreementSignature, type AgreementStatus, type AgreementVersion, type EventType, type StatusChange,
} from './agreement.entity.js';
import type { DetachedJws } from './detached-jws.js';
import { DATA_POINTER } from './schema-pointer.js';
import { type Organisation, SLUG_PATTERN } from '../organisations/index.js';
import type { SigningKey } from '../signing-keys/index.js';
import type { Source } from '../sources/index.js';

const STANDARD_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** An ISO 3166-1 alpha-2 country code. */
const COUNTRY = /^[A-Z]{2}$/;

export class EventTypeDto implements EventType {
  @ApiProperty({ example: 'air-quality-observation' }) @Matches(STANDARD_ID, { message: 'standard must be a standard id' }) @Length(3, 80) standard: string;
  @ApiProperty({ example: 1, minimum: 0 }) @IsInt() @Min(0) @Max(999) major: number;
}

export class AllowedFieldsDto {
  @ApiProperty({ description: 'Slug of the vendor party these fields are for', example: 'airsense' }) @Matches(SLUG_PATTERN) party: string;
  @ApiProperty({ example: 'air-quality-observation' }) @Matches(STANDARD_ID, { message: 'standard must be a standard id' }) @Length(3, 80) standard: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(0) @Max(999) major: number;

  @ApiProperty({ description: "JSON pointers into the event's `data`, each defined by the standard's schema", example: ['/stationId', '/pollutants/pm2_5'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Length(2, 300, { each: true })
  @Matches(DATA_POINTER, { each: true, message: 'each field must be a JSON pointer such as /stationId' })
  fields: string[];
}

/** The terms of a version. On creation all are required but allowedFields and privacyRecords; edits and amendments take any of them. */
export class CreateAgreementDto {
  @ApiProperty({ description: 'Slugs of the vendor parties', example: ['airsense'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ArrayUnique() @Matches(SLUG_PATTERN, { each: true })
  vendors: string[];

  @ApiProperty({ description: "Ids of the city's own data sources the agreement covers", type: [String] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @ArrayUnique() @IsUUID('all', { each: true })
  sources: string[];

  @ApiProperty({ type: [EventTypeDto] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => EventTypeDto)
  eventTypes: EventTypeDto[];

  @ApiProperty({ type: [LongText] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => LongText)
  purposes: LocalizedText[];

  @ApiPropertyOptional({ type: [AllowedFieldsDto], description: 'The fields of `data` each vendor may send, per event type; none when absent' })
  @OptionalField() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => AllowedFieldsDto)
  allowedFields?: AllowedFieldsDto[];

  @ApiProperty({ description: 'How long the receiving party may keep the data: an ISO 8601 duration', example: 'P1Y' })
  @IsString() @IsIsoDuration()
  retention: string;

  @ApiProperty({ description: 'Whether the vendors may share the data onward' }) @IsBoolean() onwardSharing: boolean;

  @ApiProperty({ description: 'ISO 3166-1 alpha-2 codes of the countries where the data may be kept', example: ['CA'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ArrayUnique() @Matches(COUNTRY, { each: true, message: 'each residency must be an ISO 3166-1 alpha-2 code' })
  dataResidency: string[];

  @ApiProperty({ example: '2027-01-01T00:00:00Z', description: 'Start of validity: the version becomes active when every party has signed and this has come' })
  @IsISO8601({ strict: true }) @Matches(WITH_ZONE, { message: '$property must give its time zone (Z or ±hh:mm)' })
  validFrom: string;

  @ApiProperty({ example: '2028-01-01T00:00:00Z', description: 'End of validity: the version expires then' })
  @IsISO8601({ strict: true }) @Matches(WITH_ZONE, { message: '$property must give its time zone (Z or ±hh:mm)' })
  validUntil: string;

  @ApiPropertyOptional({ description: 'Ids of the privacy impact records the agreement relies on', type: [String] })
  @OptionalField() @IsArray() @ArrayMaxSize(50) @ArrayUnique() @IsUUID('all', { each: true })
  privacyRecords?: string[];

  @ApiProperty({ type: LongText, description: 'Plain-language summary for residents' })
  @ValidateNested() @Type(() => LongText)
  summary: LocalizedText;
}

const AgreementChanges = OptionalFields(CreateAgreementDto);

/** Edits to a draft version; absent members stay as they are. */
export class UpdateAgreementDto extends AgreementChanges {}

/** An amendment: a new draft version, copied from the one in force, with these changes. */
export class AmendAgreementDto extends AgreementChanges {}

export class ReasonDto {
  @ApiProperty({ maxLength: 500, description: 'Why; shown to residents' }) @IsString() @Length(1, 500) @IsTextForPeople({ multiline: true }) reason: string;
}

export class OptionalReasonDto {
  @ApiPropertyOptional({ maxLength: 500 }) @OptionalField() @IsString() @Length(1, 500) @IsTextForPeople({ multiline: true }) reason?: string;
}

export class SignAgreementDto {
  @ApiProperty({
    description:
      'Detached JWS in compact form, `<protected>..<signature>` (empty payload): sign the exact document bytes as the payload ' +
      '(base64url, b64 not used) with protected header {"alg": "EdDSA" | "ES256", "kid": "<your registered key>"}',
  })
  @IsString() @Length(10, 4096) @Matches(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/, { message: 'jws must be a detached compact JWS: <protected>..<signature>' })
  jws: string;
}

export class ListAgreementsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Slug or id of the city or of a vendor party' }) @OptionalField() @Matches(SLUG_PATTERN) party?: string;
  @ApiPropertyOptional({ description: 'Agreements covering this data source' }) @OptionalField() @IsUUID('all') source?: string;
}

export class PartyRef {
  @ApiProperty() slug: string;
  @ApiProperty({ type: ShortText }) name: LocalizedText;

  static from(o: Organisation): PartyRef {
    return { slug: o.slug, name: o.name };
  }
}

export class SourceRef {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() ceSource: string;
  @ApiProperty({ type: ShortText }) name: LocalizedText;

  static from(s: Source): SourceRef {
    return { id: s.id, ceSource: s.ceSource, name: s.name };
  }
}

export class AllowedFieldsResponse {
  @ApiProperty({ description: 'Vendor slug' }) party: string;
  @ApiProperty() standard: string;
  @ApiProperty() major: number;
  @ApiProperty({ type: [String] }) fields: string[];
}

export class StatusChangeResponse implements StatusChange {
  @ApiProperty({ enum: AGREEMENT_STATUSES }) status: AgreementStatus;
  @ApiProperty() at: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}

export class SignatureResponse {
  @ApiProperty({ description: 'Slug of the signing party' }) organisation: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint of the key; its history is at /api/v1/signing-keys/{kid}' }) kid: string;
  @ApiProperty({ enum: ['EdDSA', 'ES256'] }) alg: string;
  @ApiProperty({ description: 'When the registry received it: the instant the key was judged valid at' }) signedAt: string;
  @ApiProperty({ description: 'The detached compact JWS as received' }) jws: string;
  @ApiProperty({ description: "Recomputed for this response from the stored document bytes and the key's history" }) verifies: boolean;
  @ApiProperty({
    nullable: true, type: Boolean,
    description: 'Given with an API key the operator stands behind (its own, or one it issued for this party): the operator, not the party, may have signed. Null: signed before this was recorded',
  })
  signedViaOperator: boolean | null;
  @ApiProperty({
    nullable: true, type: Boolean,
    description: "The signing key was registered with an API key the operator stands behind: the operator may hold its private half (the key's registeredViaOperator)",
  })
  keyRegisteredViaOperator: boolean | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Index of the journal entry that recorded this signature' }) journalIndex: number | null;

  /** `verifies` is the caller's, recomputed for each response; the signer and the key are undefined or null when not found. */
  static from(s: AgreementSignature, signer: Organisation | undefined, key: SigningKey | null, jws: DetachedJws | null, verifies: boolean): SignatureResponse {
    return {
      organisation: signer?.slug ?? s.organisationId, kid: s.kid, alg: key?.alg ?? jws?.header.alg ?? '', signedAt: s.signedAt.toISOString(), jws: s.jws, verifies,
      signedViaOperator: s.signedViaOperator, keyRegisteredViaOperator: key?.registeredViaOperator ?? null, journalIndex: s.journalIndex,
    };
  }
}

export class JournalRef {
  @ApiProperty() index: number;
  @ApiProperty() action: string;
  @ApiProperty() recordedAt: string;
}

/** What a version's response is made of beside the version: read once for every version the response holds. */
export interface VersionParts {
  /** The city, the vendors and the signers, by id. */
  organisations: ReadonlyMap<string, Organisation>;
  /** The covered sources that exist, in the version's order. */
  sources: SourceRef[];
  signatures: SignatureResponse[];
  /** The ids of the organisations that have signed the version. */
  signedBy: ReadonlySet<string>;
  /** The version's journal entries, oldest first. */
  journal: readonly { index: number; action: string; recordedAt: Date }[];
  /** The path the viewer reads the agreement through (public, or its own organisation's), for the document's URL. */
  path: string;
}

export class AgreementVersionResponse {
  @ApiProperty({ format: 'uuid' }) agreement: string;
  @ApiProperty() number: number;
  @ApiProperty({ enum: AGREEMENT_STATUSES }) status: AgreementStatus;
  @ApiProperty({ type: PartyRef }) city: PartyRef;
  @ApiProperty({ type: [PartyRef] }) vendors: PartyRef[];
  @ApiProperty({ type: [SourceRef] }) sources: SourceRef[];
  @ApiProperty({ type: [EventTypeDto] }) eventTypes: EventType[];
  @ApiProperty({ type: [LongText] }) purposes: LocalizedText[];
  @ApiProperty({ type: [AllowedFieldsResponse] }) allowedFields: AllowedFieldsResponse[];
  @ApiProperty() retention: string;
  @ApiProperty() onwardSharing: boolean;
  @ApiProperty({ type: [String] }) dataResidency: string[];
  @ApiProperty() validFrom: string;
  @ApiProperty() validUntil: string;
  @ApiProperty({ type: [String] }) privacyRecords: string[];
  @ApiProperty({ type: LongText }) summary: LocalizedText;
  @ApiProperty({ nullable: true, type: String }) statusReason: string | null;
  @ApiProperty() statusChangedAt: string;
  @ApiProperty({ type: [StatusChangeResponse], description: 'Every status this version went through, with when and why' }) history: StatusChange[];
  @ApiProperty({ nullable: true, type: String }) signaturesOpenedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) signaturesCompletedAt: string | null;
  @ApiProperty({ type: [SignatureResponse] }) signatures: SignatureResponse[];
  @ApiProperty({ type: [String], description: 'Slugs of the parties that have not signed yet' }) awaitingSignatureFrom: string[];
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the document bytes, base64url' }) documentDigest: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The exact bytes the parties sign (RFC 8785 JSON), base64' }) documentBase64: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Where to fetch those bytes raw' }) documentUrl: string | null;
  @ApiProperty({ type: [JournalRef], description: "This version's entries in the public journal" }) journal: JournalRef[];
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static from(agreement: Agreement, v: AgreementVersion, parts: VersionParts): AgreementVersionResponse {
    const { organisations } = parts;
    return {
      agreement: agreement.id,
      number: v.number,
      status: v.status,
      city: PartyRef.from(organisations.get(agreement.cityId)!),
      vendors: v.vendorIds.map((vendorId) => PartyRef.from(organisations.get(vendorId)!)),
      sources: parts.sources,
      eventTypes: v.eventTypes,
      purposes: v.purposes,
      allowedFields: v.allowedFields.map(({ partyId, standard, major, fields }) => ({ party: organisations.get(partyId)?.slug ?? partyId, standard, major, fields })),
      retention: v.retention,
      onwardSharing: v.onwardSharing,
      dataResidency: v.dataResidency,
      validFrom: v.validFrom.toISOString(),
      validUntil: v.validUntil.toISOString(),
      privacyRecords: v.privacyRecordIds,
      summary: v.summary,
      statusReason: v.statusReason,
      statusChangedAt: v.statusChangedAt.toISOString(),
      history: v.history,
      signaturesOpenedAt: v.signaturesOpenedAt?.toISOString() ?? null,
      signaturesCompletedAt: v.signaturesCompletedAt?.toISOString() ?? null,
      signatures: parts.signatures,
      awaitingSignatureFrom: v.document ? [agreement.cityId, ...v.vendorIds].filter((p) => !parts.signedBy.has(p)).map((p) => organisations.get(p)!.slug) : [],
      documentDigest: v.documentDigest,
      documentBase64: v.document ? Buffer.from(v.document).toString('base64') : null,
      documentUrl: v.document ? `${parts.path}/${agreement.id}/versions/${v.number}/document` : null,
      journal: parts.journal.map((j) => ({ index: j.index, action: j.action, recordedAt: j.recordedAt.toISOString() })),
      journalIndex: v.journalIndex,
      createdAt: v.createdAt.toISOString(),
      updatedAt: v.updatedAt.toISOString(),
    };
  }
}

export class AgreementResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: PartyRef }) city: PartyRef;
  @ApiProperty({ nullable: true, type: Number, description: 'The version in force now (its dates evaluated now), if any' }) inForceVersion: number | null;
  @ApiProperty({ type: [AgreementVersionResponse], description: 'The versions the caller may read, oldest first' }) versions: AgreementVersionResponse[];
  @ApiProperty() createdAt: string;

  static from(agreement: Agreement, city: Organisation, inForceVersion: number | null, versions: AgreementVersionResponse[]): AgreementResponse {
    return { id: agreement.id, city: PartyRef.from(city), inForceVersion, versions, createdAt: agreement.createdAt.toISOString() };
  }
}

export class AgreementSummary {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: PartyRef }) city: PartyRef;
  @ApiProperty({ type: [PartyRef] }) vendors: PartyRef[];
  @ApiProperty({ description: 'The latest version the caller may read' }) latestVersion: number;
  @ApiProperty({ enum: AGREEMENT_STATUSES }) status: AgreementStatus;
  @ApiProperty({ type: LongText }) summary: LocalizedText;
  @ApiProperty() validFrom: string;
  @ApiProperty() validUntil: string;
  @ApiProperty() createdAt: string;

  /** The agreement as its latest version the caller may read describes it. */
  static from(agreement: Agreement, latest: AgreementVersion, organisations: ReadonlyMap<string, Organisation>): AgreementSummary {
    return {
      id: agreement.id, city: PartyRef.from(organisations.get(agreement.cityId)!), vendors: latest.vendorIds.map((id) => PartyRef.from(organisations.get(id)!)),
      latestVersion: latest.number, status: latest.status, summary: latest.summary, validFrom: latest.validFrom.toISOString(), validUntil: latest.validUntil.toISOString(),
      createdAt: agreement.createdAt.toISOString(),
    };
  }
}

export class AgreementPage {
  @ApiProperty({ type: [AgreementSummary] }) items: AgreementSummary[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
