import { PlazaError } from '../common/errors/plaza-error.js';

export enum ApiKeyErrorCode {
  NotFound = 'api_key.not_found',
  AlreadyRevoked = 'api_key.already_revoked',
  ExpiryNotInFuture = 'api_key.expiry_not_in_future',
  MemberInactive = 'api_key.member_inactive',
}

export class ApiKeyError extends PlazaError<ApiKeyErrorCode> {}
