import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './journaled.entity.js';

/** One change to the registry. `entry` holds the exact bytes the transparency log hashes. */
@Entity('journal_entries')
export class JournalEntry {
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  index: number;

  @Column({ type: 'bytea' })
  entry: Buffer;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId: string;

  @Column({ name: 'organisation_id', type: 'uuid', nullable: true })
  organisationId: string | null;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  /** The API key the change was made with (the entry names it, with who issued it); null for the registry itself. */
  @Column({ name: 'key_id', type: 'uuid', nullable: true })
  keyId: string | null;

  /** Secret salt of the state digest: published only with records that are themselves public. */
  @Column({ type: 'bytea' })
  salt: Buffer;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
