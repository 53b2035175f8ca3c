import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, Matches, IsString, IsUUID, Length } from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { WITH_ZONE } from '../kernel/text/instant.js';
import type { ApiKey } from './api-key.entity.js';

export class CreateApiKeyDto {
  @ApiProperty({ format: 'uuid', description: 'The member the key acts for' })
  @IsUUID()
  memberId: string;

  @ApiProperty({ example: 'sensor registration script' })
  @IsString()
  @Length(1, 100)
  @IsTextForPeople()
  label: string;

  @ApiPropertyOptional({ example: '2027-06-30T00:00:00Z', description: 'Optional expiry, judged by the registry clock' })
  @OptionalField()
  @IsISO8601({ strict: true })
  @Matches(WITH_ZONE, { message: '$property must give its time zone (Z or ±hh:mm)' })
  expiresAt?: string;
}

/** Who issued a key: a member and their organisation. */
export class KeyIssuerResponse {
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ example: 'plz_k3j9x0qa' }) prefix: string;
  @ApiProperty() label: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty({
    type: KeyIssuerResponse, nullable: true,
    description: "Who issued the key. Another organisation than the key's means the operator did: what the key does is marked as the operator's. Null: the operator's own key",
  })
  issuedBy: KeyIssuerResponse | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(k: ApiKey): ApiKeyResponse {
    return {
      id: k.id,
      memberId: k.memberId,
      prefix: k.prefix,
      label: k.label,
      expiresAt: k.expiresAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
      issuedBy: k.issuedByMemberId && k.issuedByOrganisationId ? { organisationId: k.issuedByOrganisationId, memberId: k.issuedByMemberId } : null,
      createdAt: k.createdAt.toISOString(),
      journalIndex: k.journalIndex,
    };
  }
}

export class IssuedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key itself. Shown this once: Plaza keeps only its hash.' }) key: string;
}

export class ApiKeyPage {
  @ApiProperty({ type: [ApiKeyResponse] }) items: ApiKeyResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
