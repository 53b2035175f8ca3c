import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';

/** An API key of a member. Only its SHA-256 is stored; the prefix identifies it in lists and logs. */
@Entity('api_keys')
export class ApiKey extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Column({ type: 'text', unique: true })
  prefix: string;

  @Column({ type: 'bytea', select: false })
  hash: Buffer;

  @Column({ type: 'text' })
  label: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** The member who issued the key, and their organisation (the operator's, when the operator issued it for a member of another). */
  @Column({ name: 'issued_by_member_id', type: 'uuid', nullable: true })
  issuedByMemberId: string | null;

  @Column({ name: 'issued_by_organisation_id', type: 'uuid', nullable: true })
  issuedByOrganisationId: string | null;

  /** How many times the member had been deactivated when the key was issued: the key works only while this is still the count. */
  @Column({ name: 'member_deactivations', type: 'integer' })
  memberDeactivations: number;
}
