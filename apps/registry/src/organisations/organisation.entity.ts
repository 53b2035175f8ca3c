import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../common/journaled.entity.js';
import type { LocalizedText } from '../common/text/localized-text.js';

export const ORGANISATION_KINDS = ['city', 'vendor'] as const;
/** `operator` is the registry operator's own organisation, created at first start, never through the API. */
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number] | 'operator';

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
