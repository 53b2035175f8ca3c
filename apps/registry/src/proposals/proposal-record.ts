import { journalState, type Transaction } from '../journal/unit-of-work.js';
import type { Proposal, ProposalReview, ProposalVote } from './proposal.entity.js';
import { ProposalResponse } from './proposal.dto.js';

/** Journals a change to a proposal, its reviews or its votes: every step of the process is an entry. */
export function recordProposal(tx: Transaction, action: string, proposal: Proposal): void {
  tx.record({ action, subjectType: 'proposal', subjectId: String(proposal.number), organisationId: proposal.authorOrganisationId, state: journalState(ProposalResponse.from(proposal)), record: proposal, recordKey: { number: proposal.number } });
}

export function recordReview(tx: Transaction, review: ProposalReview): void {
  tx.record({
    action: 'proposal.reviewed', subjectType: 'proposal-review', subjectId: review.id, organisationId: review.organisationId,
    state: { proposal: review.proposalNumber, organisation: review.organisationId, verdict: review.verdict, comment: review.comment }, record: review,
  });
}

export function recordVote(tx: Transaction, action: string, vote: ProposalVote): void {
  tx.record({
    action, subjectType: 'proposal-vote', subjectId: vote.id, organisationId: vote.organisationId,
    state: { proposal: vote.proposalNumber, organisation: vote.organisationId, choice: vote.choice }, record: vote,
  });
}
