import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256';
export const REVOCATION_REASONS = ['key-compromise', 'superseded', 'cessation-of-operation', 'unspecified'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** The public half of an organisation's signing key. Kept forever, so old signatures stay verifiable. */
@Entity('signing_keys')
export class SigningKey extends JournaledEntity {
  /** RFC 7638 thumbprint of the public JWK (SHA-256, base64url). */
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ type: 'jsonb' })
  jwk: Record<string, string>;

  @Column({ type: 'text' })
  alg: SigningAlgorithm;

  @Column({ type: 'text' })
  label: string;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revocation_reason', type: 'text', nullable: true })
  revocationReason: RevocationReason | null;

  @Column({ name: 'revocation_comment', type: 'text', nullable: true })
  revocationComment: string | null;

  /**
   * Registered with an API key the operator stands behind (its own, or one it issued): the operator, not the organisation,
   * may hold the private half. Null for keys registered before the registry recorded this.
   */
  @Column({ name: 'registered_via_operator', type: 'boolean', nullable: true })
  registeredViaOperator: boolean | null;
}

/** A one-time challenge an organisation signs to prove it holds a key's private half. Protocol state, not a record. */
@Entity('signing_key_challenges')
export class SigningKeyChallenge {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ type: 'text', unique: true })
  challenge: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
