import { everyone, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import type { Proposal, ProposalReview, ProposalVote } from './proposal.entity.js';
import { ProposalRepository } from './proposal.repository.js';
import { ProposalResponse } from './proposal.dto.js';

const proposalState = (proposal: Proposal) => journalState(ProposalResponse.from(proposal));
const reviewState = (review: ProposalReview) => ({ proposal: review.proposalNumber, organisationId: review.organisationId, verdict: review.verdict, comment: review.comment });
const voteState = (vote: ProposalVote) => ({ proposal: vote.proposalNumber, organisationId: vote.organisationId, choice: vote.choice });

/** Journals a change to a proposal, its reviews or its votes: every step of the process is an entry. */
export function recordProposal(tx: Transaction, action: string, proposal: Proposal): void {
  tx.record({ action, kind: proposalKind, subjectId: String(proposal.number), organisationId: proposal.authorOrganisationId, state: proposalState(proposal), isPublic: true, record: proposal, recordKey: { number: proposal.number } });
}

export function recordReview(tx: Transaction, review: ProposalReview): void {
  tx.record({ action: 'proposal.reviewed', kind: proposalReviewKind, subjectId: review.id, organisationId: review.organisationId, state: reviewState(review), isPublic: true, record: review });
}

export function recordVote(tx: Transaction, action: string, vote: ProposalVote): void {
  tx.record({ action, kind: proposalVoteKind, subjectId: vote.id, organisationId: vote.organisationId, state: voteState(vote), isPublic: true, record: vote });
}

// The standards process is public from the first draft: proposals, reviews and votes are read by anyone.
export const proposalKind: JournaledKind = {
  subjectType: 'proposal',
  async disclose(manager, index) {
    const proposal = await ProposalRepository.atJournalIndex(manager, index);
    return proposal && { state: proposalState(proposal), visibleTo: everyone };
  },
};

export const proposalReviewKind: JournaledKind = {
  subjectType: 'proposal-review',
  async disclose(manager, index) {
    const review = await ProposalRepository.reviewAtJournalIndex(manager, index);
    return review && { state: reviewState(review), visibleTo: everyone };
  },
};

export const proposalVoteKind: JournaledKind = {
  subjectType: 'proposal-vote',
  async disclose(manager, index) {
    const vote = await ProposalRepository.voteAtJournalIndex(manager, index);
    return vote && { state: voteState(vote), visibleTo: everyone };
  },
};
