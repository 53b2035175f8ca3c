import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { type VersionExamples } from '../standards/index.js';

export const PROPOSAL_KINDS = ['new-standard', 'new-version', 'deprecation'] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];
export const PROPOSAL_STATUSES = ['draft', 'review', 'voting', 'accepted', 'rejected', 'withdrawn'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface StandardInfo {
  title: LocalizedText;
  description: LocalizedText;
  type: string;
  licence: string;
}

/** How the votes came out and what the rule made of them, fixed when voting closed. */
export interface Decision {
  outcome: 'accepted' | 'rejected' | 'returned-to-review';
  electorate: number;
  yes: number;
  no: number;
  abstain: number;
  quorumPercent: number;
  majorityPercent: number;
  quorumMet: boolean;
  reason: string;
}

/** A numbered proposal to add a standard, add a version, or deprecate a version. */
@Entity('proposals')
export class Proposal extends JournaledEntity {
  @PrimaryColumn({ type: 'integer' })
  number: number;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  kind: ProposalKind;

  @Column({ type: 'jsonb' })
  title: LocalizedText;

  /** The written proposal (Markdown). */
  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'standard_id', type: 'text' })
  standardId: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ name: 'standard_info', type: 'jsonb', nullable: true })
  standardInfo: StandardInfo | null;

  @Column({ type: 'jsonb', nullable: true })
  schema: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  examples: VersionExamples | null;

  @Column({ type: 'text' })
  status: ProposalStatus;

  @Column({ type: 'text' })
  origin: 'file' | 'api';

  /** Organisation slugs (or names, for imported files) of the authors. */
  @Column({ type: 'jsonb' })
  authors: string[];

  @Column({ name: 'author_organisation_id', type: 'uuid', nullable: true })
  authorOrganisationId: string | null;

  @Column({ name: 'author_member_id', type: 'uuid', nullable: true })
  authorMemberId: string | null;

  /** The compatibility report against the earlier versions of the major, as computed at submission or decision. */
  @Column({ type: 'jsonb', nullable: true })
  compatibility: unknown;

  /** Ids of the coalition-member organisations that may vote, fixed when voting opened. */
  @Column({ type: 'jsonb', nullable: true })
  electorate: string[] | null;

  /** Voting rounds so far: a proposal sent back to review is voted on afresh, with new votes. */
  @Column({ name: 'voting_round', type: 'integer' })
  votingRound: number;

  @Column({ name: 'voting_opened_at', type: 'timestamptz', nullable: true })
  votingOpenedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  decision: Decision | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}

/** What a review and a vote share: the proposal, and the organisation and member who spoke. */
abstract class ProposalParticipation extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'proposal_number', type: 'integer' })
  proposalNumber: number;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;
}

export const REVIEW_VERDICTS = ['approve', 'request-changes', 'comment'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

@Entity('proposal_reviews')
export class ProposalReview extends ProposalParticipation {
  @Column({ type: 'text' })
  verdict: ReviewVerdict;

  @Column({ type: 'text' })
  comment: string;
}

export const VOTE_CHOICES = ['yes', 'no', 'abstain'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

/** One organisation's vote; it may change it until voting closes. */
@Entity('proposal_votes')
export class ProposalVote extends ProposalParticipation {
  @Column({ type: 'integer' })
  round: number;

  @Column({ type: 'text' })
  choice: VoteChoice;
}
