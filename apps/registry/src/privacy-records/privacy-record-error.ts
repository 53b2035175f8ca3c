import { PlazaError } from '../common/errors/plaza-error.js';

export enum PrivacyRecordErrorCode {
  NotFound = 'privacy_record.not_found',
}

export class PrivacyRecordError extends PlazaError<PrivacyRecordErrorCode> {}
