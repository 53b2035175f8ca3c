import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum ApiKeyErrorCode {
  NotFound = 'api_key.not_found',
  AlreadyRevoked = 'api_key.already_revoked',
  ExpiryNotInFuture = 'api_key.expiry_not_in_future',
  MemberInactive = 'api_key.member_inactive',
}

export class ApiKeyError extends PlazaError<ApiKeyErrorCode> {}

/** Every ApiKeyErrorCode with its HTTP status and stable title. */
export const API_KEY_PROBLEMS: ProblemTable<ApiKeyErrorCode> = {
  [ApiKeyErrorCode.NotFound]: { status: 404, title: 'No such API key' },
  [ApiKeyErrorCode.AlreadyRevoked]: { status: 409, title: 'The API key is already revoked' },
  [ApiKeyErrorCode.ExpiryNotInFuture]: { status: 400, title: 'The expiry must be in the future' },
  [ApiKeyErrorCode.MemberInactive]: { status: 409, title: 'The member is not active' },
};
