import { PlazaError } from '../common/errors/plaza-error.js';

export enum AgreementErrorCode {
  NotFound = 'agreement.not_found',
  VersionNotFound = 'agreement.version_not_found',
  WrongStatus = 'agreement.wrong_status',
  InvalidParty = 'agreement.invalid_party',
  InvalidSource = 'agreement.invalid_source',
  UnknownEventType = 'agreement.unknown_event_type',
  InvalidAllowedFields = 'agreement.invalid_allowed_fields',
  FieldNotInStandard = 'agreement.field_not_in_standard',
  InvalidValidity = 'agreement.invalid_validity',
  AmendmentInProgress = 'agreement.amendment_in_progress',
  PrivacyRecordRequired = 'agreement.privacy_record_required',
  PrivacyRecordNotFound = 'agreement.privacy_record_not_found',
  PrivacyRecordNotCitable = 'agreement.privacy_record_not_citable',
  AlreadySigned = 'agreement.already_signed',
  SignatureMalformed = 'agreement.signature_malformed',
  SigningKeyUnknown = 'agreement.signing_key_unknown',
  SigningKeyOfAnotherOrganisation = 'agreement.signing_key_of_another_organisation',
  SigningKeyRevoked = 'agreement.signing_key_revoked',
  SigningKeyExpired = 'agreement.signing_key_expired',
  SigningKeyNotYetValid = 'agreement.signing_key_not_yet_valid',
  SignatureOverOtherVersion = 'agreement.signature_over_other_version',
  SignatureInvalid = 'agreement.signature_invalid',
}

export class AgreementError extends PlazaError<AgreementErrorCode> {}
