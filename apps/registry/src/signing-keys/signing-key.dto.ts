import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsObject, IsString, Length, Matches } from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { WITH_ZONE } from '../kernel/text/instant.js';
import { keyStatusAt, type KeyStatus } from './key-status.js';
import { REVOCATION_REASONS, type RevocationReason, type SigningKey } from './signing-key.entity.js';

export class ChallengeResponse {
  @ApiProperty({ description: 'Sign exactly these bytes (UTF-8) as a compact JWS with the new key, and send it as proof' }) challenge: string;
  @ApiProperty() expiresAt: string;
}

export class RegisterSigningKeyDto {
  @ApiProperty({ description: 'The public JWK: Ed25519 (kty OKP) or P-256 (kty EC)', example: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } })
  @IsObject()
  jwk: Record<string, unknown>;

  @ApiProperty({ description: 'Compact JWS over the challenge, signed with the private half of jwk (alg EdDSA or ES256)' })
  @IsString()
  @Length(10, 4096)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'proof must be a compact JWS' })
  proof: string;

  @ApiProperty({ example: 'gateway 2026' })
  @IsString()
  @Length(1, 100)
  @IsTextForPeople()
  label: string;

  @ApiPropertyOptional({ description: 'A later start; the key is never valid before the registry receives it' })
  @OptionalField()
  @IsISO8601({ strict: true })
  @Matches(WITH_ZONE, { message: '$property must give its time zone (Z or ±hh:mm)' })
  validFrom?: string;

  @ApiPropertyOptional({ example: '2027-12-31T00:00:00Z' })
  @OptionalField()
  @IsISO8601({ strict: true })
  @Matches(WITH_ZONE, { message: '$property must give its time zone (Z or ±hh:mm)' })
  expiresAt?: string;
}

export class RevokeSigningKeyDto {
  @ApiProperty({ enum: REVOCATION_REASONS })
  @IsIn(REVOCATION_REASONS)
  reason: RevocationReason;

  @ApiPropertyOptional({ maxLength: 500 })
  @OptionalField()
  @IsString()
  @Length(1, 500)
  @IsTextForPeople({ multiline: true })
  comment?: string;
}

export class SigningKeyResponse {
  @ApiProperty({ description: 'RFC 7638 thumbprint' }) kid: string;
  @ApiProperty() organisation: string;
  @ApiProperty({ description: 'Public JWK' }) jwk: Record<string, string>;
  @ApiProperty({ enum: ['EdDSA', 'ES256'] }) alg: string;
  @ApiProperty() label: string;
  @ApiProperty() validFrom: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty({ nullable: true, enum: REVOCATION_REASONS }) revocationReason: RevocationReason | null;
  @ApiProperty({ nullable: true, type: String }) revocationComment: string | null;
  @ApiProperty({ enum: ['pending', 'active', 'expired', 'revoked'], description: 'At the time of this response' }) status: KeyStatus;
  @ApiProperty({
    nullable: true, type: Boolean,
    description: 'Registered with an API key the operator stands behind (its own, or one it issued for this organisation): the operator may hold the private half. Null: registered before this was recorded',
  })
  registeredViaOperator: boolean | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(k: SigningKey, organisationSlug: string, now = new Date()): SigningKeyResponse {
    return {
      kid: k.kid,
      organisation: organisationSlug,
      jwk: k.jwk,
      alg: k.alg,
      label: k.label,
      validFrom: k.validFrom.toISOString(),
      expiresAt: k.expiresAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
      revocationReason: k.revocationReason,
      revocationComment: k.revocationComment,
      status: keyStatusAt(k, now),
      registeredViaOperator: k.registeredViaOperator,
      createdAt: k.createdAt.toISOString(),
      journalIndex: k.journalIndex,
    };
  }
}

export class SigningKeyPage {
  @ApiProperty({ type: [SigningKeyResponse] }) items: SigningKeyResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** A public signing key as Plaza publishes it (RFC 7517): Ed25519 or P-256, named by its RFC 7638 thumbprint. */
export class PublicJwkResponse {
  @ApiProperty({ enum: ['OKP', 'EC'] }) kty: string;
  @ApiProperty({ enum: ['Ed25519', 'P-256'] }) crv: string;
  @ApiProperty({ description: 'base64url, 32 bytes' }) x: string;
  @ApiPropertyOptional({ description: 'base64url, 32 bytes: P-256 keys only' }) y?: string;
  @ApiProperty({ description: 'RFC 7638 SHA-256 thumbprint' }) kid: string;
  @ApiProperty({ enum: ['EdDSA', 'ES256'] }) alg: string;
  @ApiProperty({ enum: ['sig'] }) use: string;
}

/** A JWK Set (RFC 7517 section 5): the shape of every jwks.json the registry serves. */
export class JwksResponse {
  @ApiProperty({ type: [PublicJwkResponse] }) keys: object[];
}
