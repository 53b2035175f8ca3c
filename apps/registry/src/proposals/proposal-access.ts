import type { Principal } from '../kernel/auth/principal.js';
import type { Proposal, ProposalStatus, ProposalVote } from './proposal.entity.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';
import { type Organisation } from '../organisations/index.js';

/** The proposal's status must be one of these for the step to happen. */
export function requireStatus(proposal: Proposal, allowed: readonly ProposalStatus[], step: string): void {
  if (!allowed.includes(proposal.status)) {
    throw new ProposalError(ProposalErrorCode.WrongStatus, `Proposal ${proposal.number} is ${proposal.status}; it can ${step} only while ${allowed.join(' or ')}.`);
  }
}

/** Only the organisation that opened a proposal edits, submits or withdraws it. */
export function requireAuthor(proposal: Proposal, principal: Principal): void {
  if (proposal.authorOrganisationId !== principal.organisationId) {
    throw new ProposalError(ProposalErrorCode.NotAuthor, `Only the organisation that opened proposal ${proposal.number} can do this.`);
  }
}

/** Standards editors review; so does anyone in a coalition-member organisation. */
export function requireReviewer(principal: Principal, organisation: Organisation): void {
  if (!principal.roles.includes('standards-editor') && !organisation.coalitionMember) {
    throw new ProposalError(ProposalErrorCode.NotAReviewer, 'Reviews come from standards editors or from members of coalition organisations.');
  }
}

/** Opening and closing votes is for the operator, or a standards editor of a coalition-member organisation. */
export function requireCoalitionSteward(principal: Principal, organisation: Organisation): void {
  if (principal.organisationKind !== 'operator' && !organisation.coalitionMember) {
    throw new ProposalError(ProposalErrorCode.NotCoalitionMember, 'Only a coalition-member organisation (or the operator) runs a vote.');
  }
}

/** The votes that count: cast in the current round, by the electorate fixed when it opened. */
export function countedVotes(proposal: Proposal, votes: ProposalVote[]): ProposalVote[] {
  return votes.filter((v) => v.round === proposal.votingRound && proposal.electorate?.includes(v.organisationId));
}
