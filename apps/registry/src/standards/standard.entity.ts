import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';

/** A public standard: the contract for the `data` of one CloudEvents type. */
@Entity('standards')
export class Standard extends JournaledEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'jsonb' })
  title: LocalizedText;

  @Column({ type: 'jsonb' })
  description: LocalizedText;

  @Column({ name: 'ce_type', type: 'text', unique: true })
  ceType: string;

  @Column({ type: 'text' })
  licence: string;
}

export const VERSION_STATUSES = ['published', 'deprecated', 'retired'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface VersionExamples {
  valid: Record<string, unknown>;
  invalid: Record<string, unknown>;
}

/** One immutable version of a standard: its JSON Schema, fixed once published. */
@Entity('standard_versions')
export class StandardVersion extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'standard_id', type: 'text' })
  standardId: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ type: 'integer' })
  major: number;

  @Column({ type: 'integer' })
  minor: number;

  @Column({ type: 'integer' })
  patch: number;

  /** The schema's canonical `$id`; events name it as their `dataschema`. */
  @Column({ name: 'schema_uri', type: 'text', unique: true })
  schemaUri: string;

  @Column({ type: 'jsonb' })
  schema: Record<string, unknown>;

  /** SHA-256 of the schema's RFC 8785 form: what makes a published version immutable. */
  @Column({ name: 'schema_digest', type: 'text' })
  schemaDigest: string;

  /** Example payloads by file name (`valid-*.json`, `invalid-*.json`), exported with the schema. */
  @Column({ type: 'jsonb' })
  examples: VersionExamples;

  @Column({ type: 'text' })
  status: VersionStatus;

  @Column({ type: 'text' })
  origin: 'baseline' | 'proposal';

  @Column({ name: 'proposal_number', type: 'integer', nullable: true })
  proposalNumber: number | null;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  @Column({ name: 'deprecated_at', type: 'timestamptz', nullable: true })
  deprecatedAt: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
