import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';

export const AGREEMENT_STATUSES = ['draft', 'pending-signatures', 'active', 'suspended', 'terminated', 'expired', 'superseded'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/** Statuses residents may read; drafts and versions awaiting signatures stay with their parties. */
export const PUBLIC_STATUSES: readonly AgreementStatus[] = ['active', 'suspended', 'terminated', 'expired', 'superseded'];

/** A type of event the agreement covers: a standard and one of its majors. */
export interface EventType {
  standard: string;
  major: number;
}

/** The fields of `data` (JSON pointers into the standard's schema) one vendor may send for one event type. */
export interface AllowedFields {
  /** The vendor, by organisation id. */
  partyId: string;
  standard: string;
  major: number;
  fields: string[];
}

/** One step of a version's life, as the dates and actions imply it. */
export interface StatusChange {
  status: AgreementStatus;
  at: string;
  reason: string | null;
}

/** A data-sharing agreement: the stable identity its versions (amendments) share. Owned by one city. */
@Entity('agreements')
export class Agreement {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'city_id', type: 'uuid' })
  cityId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One version of an agreement: its terms, its lifecycle and, once signatures open, its fixed document. */
@Entity('agreement_versions')
export class AgreementVersion extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'agreement_id', type: 'uuid' })
  agreementId: string;

  @Column({ type: 'integer' })
  number: number;

  @Column({ type: 'text' })
  status: AgreementStatus;

  @Column({ name: 'vendor_ids', type: 'jsonb' })
  vendorIds: string[];

  @Column({ name: 'source_ids', type: 'jsonb' })
  sourceIds: string[];

  @Column({ name: 'event_types', type: 'jsonb' })
  eventTypes: EventType[];

  @Column({ type: 'jsonb' })
  purposes: LocalizedText[];

  @Column({ name: 'allowed_fields', type: 'jsonb' })
  allowedFields: AllowedFields[];

  /** ISO 8601 duration. */
  @Column({ type: 'text' })
  retention: string;

  @Column({ name: 'onward_sharing', type: 'boolean' })
  onwardSharing: boolean;

  /** ISO 3166-1 alpha-2 codes of the countries where the data may be kept. */
  @Column({ name: 'data_residency', type: 'jsonb' })
  dataResidency: string[];

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom: Date;

  @Column({ name: 'valid_until', type: 'timestamptz' })
  validUntil: Date;

  @Column({ name: 'privacy_record_ids', type: 'jsonb' })
  privacyRecordIds: string[];

  @Column({ type: 'jsonb' })
  summary: LocalizedText;

  /** The exact bytes every party signs: the RFC 8785 form of the agreement document, fixed when signatures open. */
  @Column({ type: 'bytea', nullable: true })
  document: Buffer | null;

  /** SHA-256 of `document`, base64url. */
  @Column({ name: 'document_digest', type: 'text', nullable: true })
  documentDigest: string | null;

  @Column({ name: 'signatures_opened_at', type: 'timestamptz', nullable: true })
  signaturesOpenedAt: Date | null;

  /** When the last party signed. */
  @Column({ name: 'signatures_completed_at', type: 'timestamptz', nullable: true })
  signaturesCompletedAt: Date | null;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ name: 'status_changed_at', type: 'timestamptz' })
  statusChangedAt: Date;

  @Column({ type: 'jsonb' })
  history: StatusChange[];
}

/** One party's detached JWS over a version's document. */
@Entity('agreement_signatures')
export class AgreementSignature extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ type: 'text' })
  kid: string;

  /** The detached compact JWS as received: `<protected>..<signature>`. */
  @Column({ type: 'text' })
  jws: string;

  /** When the registry received it: the instant the key's validity was judged at. */
  @Column({ name: 'signed_at', type: 'timestamptz' })
  signedAt: Date;

  /** Given with an API key the operator stands behind (its own, or one it issued); null before this was recorded. */
  @Column({ name: 'signed_via_operator', type: 'boolean', nullable: true })
  signedViaOperator: boolean | null;
}
