import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

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

/** Every AgreementErrorCode with its HTTP status and stable title. */
export const AGREEMENT_PROBLEMS: ProblemTable<AgreementErrorCode> = {
  [AgreementErrorCode.NotFound]: { status: 404, title: 'No such agreement' },
  [AgreementErrorCode.VersionNotFound]: { status: 404, title: 'No such version of the agreement' },
  [AgreementErrorCode.WrongStatus]: { status: 409, title: 'The agreement version is not at the step this needs' },
  [AgreementErrorCode.InvalidParty]: { status: 400, title: 'Every other party must be a registered vendor' },
  [AgreementErrorCode.InvalidSource]: { status: 400, title: "An agreement covers only the city's own sources" },
  [AgreementErrorCode.UnknownEventType]: { status: 400, title: 'No published version of this standard and major' },
  [AgreementErrorCode.InvalidAllowedFields]: { status: 400, title: 'Allowed fields must name a vendor party and a covered event type' },
  [AgreementErrorCode.FieldNotInStandard]: { status: 422, title: "An allowed field is not in the standard's schema" },
  [AgreementErrorCode.InvalidValidity]: { status: 400, title: 'The validity window is not valid' },
  [AgreementErrorCode.AmendmentInProgress]: { status: 409, title: 'An amendment of this agreement is already being prepared' },
  [AgreementErrorCode.PrivacyRecordRequired]: { status: 409, title: 'Usable privacy impact records are required' },
  [AgreementErrorCode.PrivacyRecordNotFound]: { status: 404, title: 'A cited privacy impact record does not exist, or is not one you may read' },
  [AgreementErrorCode.PrivacyRecordNotCitable]: { status: 409, title: "A cited privacy impact record is not one of the city's own that is still in play" },
  [AgreementErrorCode.AlreadySigned]: { status: 409, title: 'Your organisation has already signed this version' },
  [AgreementErrorCode.SignatureMalformed]: { status: 400, title: 'The signature is not a detached compact JWS with alg and kid' },
  [AgreementErrorCode.SigningKeyUnknown]: { status: 422, title: 'No registered signing key has this kid' },
  [AgreementErrorCode.SigningKeyOfAnotherOrganisation]: { status: 422, title: 'The signing key belongs to another organisation' },
  [AgreementErrorCode.SigningKeyRevoked]: { status: 422, title: 'The signing key is revoked' },
  [AgreementErrorCode.SigningKeyExpired]: { status: 422, title: 'The signing key has expired' },
  [AgreementErrorCode.SigningKeyNotYetValid]: { status: 422, title: 'The signing key is not valid yet' },
  [AgreementErrorCode.SignatureOverOtherVersion]: { status: 422, title: "The signature is over another version's document" },
  [AgreementErrorCode.SignatureInvalid]: { status: 422, title: "The signature does not verify over this version's document" },
};
