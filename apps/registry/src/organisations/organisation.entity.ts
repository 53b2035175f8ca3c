import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { OrganisationKind } from '../kernel/auth/vocabulary.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';


export interface PrivacyContact {
  name: LocalizedText;
  email: string;
  url?: string;
}

@Entity('organisations')
export class Organisation extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  slug: string;

  @Column({ type: 'text' })
  kind: OrganisationKind;

  @Column({ name: 'coalition_member', type: 'boolean' })
  coalitionMember: boolean;

  @Column({ type: 'jsonb' })
  name: LocalizedText;

  @Column({ type: 'text' })
  jurisdiction: string;

  @Column({ name: 'privacy_contact', type: 'jsonb' })
  privacyContact: PrivacyContact;

  @Column({ type: 'text', nullable: true })
  website: string | null;
}
