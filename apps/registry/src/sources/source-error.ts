import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

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

/** Every SourceErrorCode with its HTTP status and stable title. */
export const SOURCE_PROBLEMS: ProblemTable<SourceErrorCode> = {
  [SourceErrorCode.NotFound]: { status: 404, title: 'No such data source' },
  [SourceErrorCode.CeSourceTaken]: { status: 409, title: 'The CloudEvents source value is already registered' },
  [SourceErrorCode.InvalidLocation]: { status: 400, title: 'The location is not valid GeoJSON' },
  [SourceErrorCode.InvalidOperator]: { status: 400, title: 'The operator must be the owning city or a vendor' },
  [SourceErrorCode.InvalidTransition]: { status: 409, title: 'The status cannot change this way' },
  [SourceErrorCode.PrivacyRecordRequired]: { status: 409, title: 'An approved, unexpired privacy impact record is required' },
  [SourceErrorCode.RetiredIsFinal]: { status: 409, title: 'A retired source cannot be changed' },
};
