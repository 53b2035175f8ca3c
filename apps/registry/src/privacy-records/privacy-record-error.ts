import { PlazaError } from '../common/errors/plaza-error.js';

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
