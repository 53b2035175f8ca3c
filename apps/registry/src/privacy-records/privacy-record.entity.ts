import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';

export const PRIVACY_RECORD_STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'expired'] as const;
export type PrivacyRecordStatus = (typeof PRIVACY_RECORD_STATUSES)[number];
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** One risk the assessment identified, and how it is mitigated. */
export interface Risk {
  risk: LocalizedText;
  mitigation: LocalizedText;
}

/**
 * A city's privacy impact record: the assessment of the personal information its sources (and the
 * agreements that share their data) collect. Everything but `internalDetail` and who wrote or decided
 * it becomes public once it is approved.
 */
@Entity('privacy_records')
export class PrivacyRecord extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The city that made the assessment. */
  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  /** The member who opened it. */
  @Column({ name: 'author_member_id', type: 'uuid' })
  authorMemberId: string;

  /** Every member who opened, edited or submitted it: none of them may approve or reject it. */
  @Column({ name: 'contributor_member_ids', type: 'uuid', array: true })
  contributorMemberIds: string[];

  /** The city's own sources the record covers. */
  @Column({ name: 'source_ids', type: 'uuid', array: true })
  sourceIds: string[];

  /** The data-sharing agreements the record covers (the agreements feature owns them). */
  @Column({ name: 'agreement_ids', type: 'uuid', array: true })
  agreementIds: string[];

  @Column({ type: 'jsonb' })
  title: LocalizedText;

  @Column({ name: 'personal_information_elements', type: 'jsonb' })
  personalInformationElements: LocalizedText[];

  @Column({ type: 'jsonb' })
  purpose: LocalizedText;

  @Column({ name: 'legal_authority', type: 'jsonb' })
  legalAuthority: LocalizedText;

  @Column({ name: 'risk_level', type: 'text' })
  riskLevel: RiskLevel;

  @Column({ type: 'jsonb' })
  risks: Risk[];

  @Column({ name: 'de_identification', type: 'jsonb' })
  deIdentification: LocalizedText;

  /** An ISO 8601 duration, e.g. P90D. */
  @Column({ type: 'text' })
  retention: string;

  /** YYYY-MM-DD: the record is valid through this day (UTC) and expires when it has passed. */
  @Column({ name: 'next_review_date', type: 'date' })
  nextReviewDate: string;

  /** The public summary. */
  @Column({ type: 'jsonb' })
  summary: LocalizedText;

  /** What only the city's members see. */
  @Column({ name: 'internal_detail', type: 'text' })
  internalDetail: string;

  @Column({ type: 'text' })
  status: PrivacyRecordStatus;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decided_by_member_id', type: 'uuid', nullable: true })
  decidedByMemberId: string | null;

  /** Since when the decider had held the privacy-approver role (before the submission); null for decisions older than this. */
  @Column({ name: 'decider_role_since', type: 'timestamptz', nullable: true })
  deciderRoleSince: Date | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  rejectionReason: string | null;

  /** When the expiry was recorded: the instant the review date passed. */
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true })
  expiredAt: Date | null;
}
