import { PlazaError } from '../common/errors/plaza-error.js';

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
