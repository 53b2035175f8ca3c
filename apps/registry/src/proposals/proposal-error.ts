import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum ProposalErrorCode {
  NotFound = 'proposal.not_found',
  InvalidForKind = 'proposal.invalid_for_kind',
  WrongStatus = 'proposal.wrong_status',
  NotAuthor = 'proposal.not_author',
  SchemaRefused = 'proposal.schema_refused',
  ExamplesDisagree = 'proposal.examples_disagree',
  VersionContradictsReport = 'proposal.version_contradicts_report',
  VersionNotAfterLatest = 'proposal.version_not_after_latest',
  NotAReviewer = 'proposal.not_a_reviewer',
  NotInElectorate = 'proposal.not_in_electorate',
  NotCoalitionMember = 'proposal.not_coalition_member',
  StandardExists = 'proposal.standard_exists',
  StandardUnknown = 'proposal.standard_unknown',
  VotingStillOpen = 'proposal.voting_still_open',
  InvalidExampleName = 'proposal.invalid_example_name',
  TypeTaken = 'proposal.type_taken',
}

export class ProposalError extends PlazaError<ProposalErrorCode> {}

/** Every ProposalErrorCode with its HTTP status and stable title. */
export const PROPOSAL_PROBLEMS: ProblemTable<ProposalErrorCode> = {
  [ProposalErrorCode.NotFound]: { status: 404, title: 'No such proposal' },
  [ProposalErrorCode.InvalidForKind]: { status: 400, title: 'The proposal does not carry what its kind needs' },
  [ProposalErrorCode.WrongStatus]: { status: 409, title: 'The proposal is not at the step this needs' },
  [ProposalErrorCode.NotAuthor]: { status: 403, title: 'Only the proposing organisation can do this' },
  [ProposalErrorCode.SchemaRefused]: { status: 422, title: 'The proposed schema cannot be accepted' },
  [ProposalErrorCode.ExamplesDisagree]: { status: 422, title: 'The examples and the schema disagree' },
  [ProposalErrorCode.VersionContradictsReport]: { status: 422, title: 'The version number contradicts the compatibility report' },
  [ProposalErrorCode.VersionNotAfterLatest]: { status: 422, title: 'The version number does not follow the published versions' },
  [ProposalErrorCode.NotAReviewer]: { status: 403, title: 'Reviews come from standards editors or coalition members' },
  [ProposalErrorCode.NotInElectorate]: { status: 403, title: 'Your organisation does not vote on this proposal' },
  [ProposalErrorCode.NotCoalitionMember]: { status: 403, title: 'Only coalition members (or the operator) run votes' },
  [ProposalErrorCode.StandardExists]: { status: 409, title: 'The standard already exists' },
  [ProposalErrorCode.StandardUnknown]: { status: 404, title: 'No such standard' },
  [ProposalErrorCode.VotingStillOpen]: { status: 409, title: 'Voting is still open' },
  [ProposalErrorCode.InvalidExampleName]: { status: 400, title: 'An example name cannot be a file name' },
  [ProposalErrorCode.TypeTaken]: { status: 409, title: 'Another standard already has this CloudEvents type' },
};
