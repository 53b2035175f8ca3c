import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../kernel/auth/vocabulary.js';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';


/** A person acting for an organisation. Name and email are personal information: never public, never journaled. */
@Entity('members')
export class Member extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text', array: true })
  roles: Role[];

  @Column({ type: 'boolean' })
  active: boolean;

  /** How many times the member was deactivated; a key issued before the latest deactivation stays dead (api-keys). */
  @Column({ type: 'integer', default: 0 })
  deactivations: number;
}
