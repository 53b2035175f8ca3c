import { PlazaError } from '../common/errors/plaza-error.js';

export enum SourceErrorCode {
  NotFound = 'source.not_found',
  CeSourceTaken = 'source.ce_source_taken',
  InvalidLocation = 'source.invalid_location',
  InvalidOperator = 'source.invalid_operator',
  InvalidTransition = 'source.invalid_transition',
  PrivacyRecordRequired = 'source.privacy_record_required',
  RetiredIsFinal = 'source.retired_is_final',
}

export class SourceError extends PlazaError<SourceErrorCode> {}
