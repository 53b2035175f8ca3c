import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../common/journaled.entity.js';

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
}
