import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { type LocalizedText, LongText, ShortText } from '../kernel/text/localized-text.js';
import {
  type Decision, PROPOSAL_KINDS, PROPOSAL_STATUSES, type Proposal, type ProposalKind, type ProposalReview, type ProposalStatus,
  type ProposalVote, REVIEW_VERDICTS, type ReviewVerdict, type StandardInfo, VOTE_CHOICES, type VoteChoice,
} from './proposal.entity.js';
import { type VersionExamples } from '../standards/index.js';

const STANDARD_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const VERSION = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/;
const CE_TYPE = /^[a-z0-9]+(?:[.-][a-z0-9]+)+$/;

export class StandardInfoDto implements StandardInfo {
  @ApiProperty({ type: ShortText }) @IsDefined() @ValidateNested() @Type(() => ShortText) title: LocalizedText;
  @ApiProperty({ type: LongText }) @IsDefined() @ValidateNested() @Type(() => LongText) description: LocalizedText;
  @ApiProperty({ example: 'org.plaza.bike-counter-observation' }) @Matches(CE_TYPE, { message: 'type must be a reverse-DNS CloudEvents type' }) @Length(3, 200) type: string;
  @ApiProperty({ example: 'CC-BY-4.0' }) @IsString() @Length(1, 60) licence: string;
}

export class ExamplesDto implements VersionExamples {
  @ApiProperty({ description: 'Data the schema must accept, by name (exported as valid-<name>.json)' }) @IsObject() valid: Record<string, unknown>;
  @ApiProperty({ description: 'Data the schema must refuse, by name (exported as invalid-<name>.json)' }) @IsObject() invalid: Record<string, unknown>;
}

export class CreateProposalDto {
  @ApiProperty({ enum: PROPOSAL_KINDS }) @IsIn(PROPOSAL_KINDS) kind: ProposalKind;
  @ApiProperty({ example: 'noise-level-observation' }) @Matches(STANDARD_ID) @Length(3, 80) standard: string;
  @ApiProperty({ example: '1.2.0', description: 'The version introduced, or the one deprecated' }) @Matches(VERSION, { message: 'version must be MAJOR.MINOR.PATCH' }) version: string;
  @ApiProperty({ type: ShortText }) @IsDefined() @ValidateNested() @Type(() => ShortText) title: LocalizedText;
  @ApiProperty({ description: 'The written proposal, in Markdown: motivation, change, compatibility' }) @IsString() @Length(1, 50_000) @IsTextForPeople({ multiline: true }) body: string;
  @ApiPropertyOptional({ description: 'The JSON Schema (2020-12) of the new version; its $id is the canonical URI' }) @OptionalField() @IsObject() schema?: Record<string, unknown>;
  @ApiPropertyOptional({ type: ExamplesDto }) @OptionalField() @ValidateNested() @Type(() => ExamplesDto) examples?: ExamplesDto;
  @ApiPropertyOptional({ type: StandardInfoDto, description: 'For a new standard' }) @OptionalField() @ValidateNested() @Type(() => StandardInfoDto) standardInfo?: StandardInfoDto;
}

export class UpdateProposalDto {
  @ApiPropertyOptional({ example: '1.2.0' }) @OptionalField() @Matches(VERSION, { message: 'version must be MAJOR.MINOR.PATCH' }) version?: string;
  @ApiPropertyOptional({ type: ShortText }) @OptionalField() @ValidateNested() @Type(() => ShortText) title?: LocalizedText;
  @ApiPropertyOptional() @OptionalField() @IsString() @Length(1, 50_000) @IsTextForPeople({ multiline: true }) body?: string;
  @ApiPropertyOptional() @OptionalField() @IsObject() schema?: Record<string, unknown>;
  @ApiPropertyOptional({ type: ExamplesDto }) @OptionalField() @ValidateNested() @Type(() => ExamplesDto) examples?: ExamplesDto;
  @ApiPropertyOptional({ type: StandardInfoDto }) @OptionalField() @ValidateNested() @Type(() => StandardInfoDto) standardInfo?: StandardInfoDto;
}

export class ReviewDto {
  @ApiProperty({ enum: REVIEW_VERDICTS }) @IsIn(REVIEW_VERDICTS) verdict: ReviewVerdict;
  @ApiProperty() @IsString() @Length(1, 10_000) @IsTextForPeople({ multiline: true }) comment: string;
}

export class VoteDto {
  @ApiProperty({ enum: VOTE_CHOICES }) @IsIn(VOTE_CHOICES) choice: VoteChoice;
}

export class ListProposalsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PROPOSAL_STATUSES }) @OptionalField() @IsIn(PROPOSAL_STATUSES) status?: ProposalStatus;
  @ApiPropertyOptional() @OptionalField() @Matches(STANDARD_ID) standard?: string;
}

export class ReviewResponse {
  @ApiProperty() organisation: string;
  @ApiProperty({ enum: REVIEW_VERDICTS }) verdict: ReviewVerdict;
  @ApiProperty() comment: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(r: ProposalReview, slugs: Map<string, string>): ReviewResponse {
    return { organisation: slugs.get(r.organisationId) ?? r.organisationId, verdict: r.verdict, comment: r.comment, createdAt: r.createdAt.toISOString(), journalIndex: r.journalIndex };
  }
}

export class VoteResponse {
  @ApiProperty() organisation: string;
  @ApiProperty({ enum: VOTE_CHOICES }) choice: VoteChoice;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(v: ProposalVote, slugs: Map<string, string>): VoteResponse {
    return { organisation: slugs.get(v.organisationId) ?? v.organisationId, choice: v.choice, updatedAt: v.updatedAt.toISOString(), journalIndex: v.journalIndex };
  }
}

export class TallyResponse {
  @ApiProperty() electorate: number;
  @ApiProperty() yes: number;
  @ApiProperty() no: number;
  @ApiProperty() abstain: number;
  @ApiProperty() notVoted: number;
}

export class ProposalResponse {
  @ApiProperty() number: number;
  @ApiProperty() slug: string;
  @ApiProperty({ enum: PROPOSAL_KINDS }) kind: ProposalKind;
  @ApiProperty({ type: ShortText }) title: LocalizedText;
  @ApiProperty() standard: string;
  @ApiProperty() version: string;
  @ApiProperty({ enum: PROPOSAL_STATUSES }) status: ProposalStatus;
  @ApiProperty({ type: [String] }) authors: string[];
  @ApiProperty({ enum: ['file', 'api'] }) origin: 'file' | 'api';
  @ApiProperty({ nullable: true, description: 'Compatibility report against the earlier versions of the major' }) compatibility: unknown;
  @ApiProperty({ nullable: true, type: String }) votingOpenedAt: string | null;
  @ApiProperty({ nullable: true, description: 'How the votes came out and what the rule made of them' }) decision: Decision | null;
  @ApiProperty({ nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(p: Proposal): ProposalResponse {
    return {
      number: p.number, slug: p.slug, kind: p.kind, title: p.title, standard: p.standardId, version: p.version, status: p.status,
      authors: p.authors, origin: p.origin, compatibility: p.compatibility ?? null, votingOpenedAt: p.votingOpenedAt?.toISOString() ?? null,
      decision: p.decision, decidedAt: p.decidedAt?.toISOString() ?? null, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
      journalIndex: p.journalIndex,
    };
  }
}

export class ProposalDetailResponse extends ProposalResponse {
  @ApiProperty() body: string;
  @ApiProperty({ nullable: true }) schema: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: ExamplesDto }) examples: VersionExamples | null;
  @ApiProperty({ nullable: true, type: StandardInfoDto }) standardInfo: StandardInfo | null;
  @ApiProperty({ type: [ReviewResponse] }) reviews: ReviewResponse[];
  @ApiProperty({ type: [VoteResponse] }) votes: VoteResponse[];
  @ApiProperty({ type: TallyResponse, nullable: true, description: 'While voting or after: the votes of the electorate fixed when voting opened' }) tally: TallyResponse | null;
}

export class ProposalPage {
  @ApiProperty({ type: [ProposalResponse] }) items: ProposalResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
