import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { canonicalSchemaPath } from '#plaza/standards';
import { PageQuery } from '../kernel/paging/paging.js';
import { type LocalizedText, LongText, ShortText } from '../kernel/text/localized-text.js';
import { type Standard, type StandardVersion, VERSION_STATUSES, type VersionStatus } from './standard.entity.js';

export class ListStandardsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Free text, in ids, titles and descriptions' })
  @OptionalField()
  @IsString()
  @Length(1, 100)
  q?: string;
}

export class StandardResponse {
  @ApiProperty({ example: 'air-quality-observation' }) id: string;
  @ApiProperty({ type: ShortText }) title: LocalizedText;
  @ApiProperty({ type: LongText }) description: LocalizedText;
  @ApiProperty({ description: 'The CloudEvents type of events whose data follows this standard' }) type: string;
  @ApiProperty({ example: 'CC-BY-4.0' }) licence: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(s: Standard): StandardResponse {
    return { id: s.id, title: s.title, description: s.description, type: s.ceType, licence: s.licence, journalIndex: s.journalIndex };
  }
}

export class StandardVersionResponse {
  @ApiProperty() standard: string;
  @ApiProperty({ example: '1.1.0' }) version: string;
  @ApiProperty({ enum: VERSION_STATUSES }) status: VersionStatus;
  @ApiProperty({ description: 'The canonical $id; events name it as dataschema' }) schemaUri: string;
  @ApiProperty({ description: 'Where every registry serves the schema' }) schemaPath: string;
  @ApiProperty({ description: "SHA-256 of the schema's RFC 8785 form" }) schemaDigest: string;
  @ApiProperty({ enum: ['baseline', 'proposal'] }) origin: 'baseline' | 'proposal';
  @ApiProperty({ nullable: true, type: Number }) proposal: number | null;
  @ApiProperty() publishedAt: string;
  @ApiProperty({ nullable: true, type: String }) deprecatedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(v: StandardVersion): StandardVersionResponse {
    return {
      standard: v.standardId,
      version: v.version,
      status: v.status,
      schemaUri: v.schemaUri,
      schemaPath: canonicalSchemaPath(v.standardId, v.version),
      schemaDigest: v.schemaDigest,
      origin: v.origin,
      proposal: v.proposalNumber,
      publishedAt: v.publishedAt.toISOString(),
      deprecatedAt: v.deprecatedAt?.toISOString() ?? null,
      journalIndex: v.journalIndex,
    };
  }
}

export class StandardDetailResponse extends StandardResponse {
  @ApiProperty({ type: [StandardVersionResponse] }) versions: StandardVersionResponse[];
}

export class StandardVersionDetailResponse extends StandardVersionResponse {
  @ApiProperty({ description: 'The JSON Schema (2020-12)' }) schema: Record<string, unknown>;
  @ApiProperty({ description: 'Example data by file name: valid-*.json and invalid-*.json' }) examples: Record<string, unknown>;
}

export class StandardPage {
  @ApiProperty({ type: [StandardResponse] }) items: StandardResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
