import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum PrivacyRecordErrorCode {
  NotFound = 'privacy_record.not_found',
  WrongStatus = 'privacy_record.wrong_status',
  UnknownSource = 'privacy_record.unknown_source',
  ReviewDateNotAhead = 'privacy_record.review_date_not_ahead',
  NothingCovered = 'privacy_record.nothing_covered',
  DeciderIsAuthor = 'privacy_record.decider_is_author',
  DeciderRoleTooRecent = 'privacy_record.decider_role_too_recent',
  DeciderRoleFromAuthor = 'privacy_record.decider_role_from_author',
  DeciderKeyFromAuthor = 'privacy_record.decider_key_from_author',
  AgreementNotFound = 'privacy_record.agreement_not_found',
  AgreementNotCitable = 'privacy_record.agreement_not_citable',
}

export class PrivacyRecordError extends PlazaError<PrivacyRecordErrorCode> {}

/** Every PrivacyRecordErrorCode with its HTTP status and stable title. */
export const PRIVACY_RECORD_PROBLEMS: ProblemTable<PrivacyRecordErrorCode> = {
  [PrivacyRecordErrorCode.NotFound]: { status: 404, title: 'No such privacy impact record' },
  [PrivacyRecordErrorCode.WrongStatus]: { status: 409, title: 'The privacy impact record is not at the step this needs' },
  [PrivacyRecordErrorCode.UnknownSource]: { status: 400, title: "A covered source is not one of the city's sources" },
  [PrivacyRecordErrorCode.ReviewDateNotAhead]: { status: 400, title: 'The next review date must be after today' },
  [PrivacyRecordErrorCode.NothingCovered]: { status: 422, title: 'The privacy impact record covers no source and no agreement' },
  [PrivacyRecordErrorCode.DeciderIsAuthor]: { status: 403, title: 'Whoever wrote or submitted a privacy impact record cannot decide on it' },
  [PrivacyRecordErrorCode.DeciderRoleTooRecent]: { status: 403, title: 'The decider was not a privacy approver when the record was submitted' },
  [PrivacyRecordErrorCode.DeciderRoleFromAuthor]: { status: 403, title: "The decider's privacy-approver role was granted by an author of the record" },
  [PrivacyRecordErrorCode.DeciderKeyFromAuthor]: { status: 403, title: "The decider's API key was issued by an author of the record" },
  [PrivacyRecordErrorCode.AgreementNotFound]: { status: 404, title: 'A covered agreement does not exist, or is not one you may read' },
  [PrivacyRecordErrorCode.AgreementNotCitable]: { status: 409, title: "A covered agreement is not one of the city's own that has not ended" },
};
