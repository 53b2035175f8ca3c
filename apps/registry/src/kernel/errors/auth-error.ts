import { PlazaError } from './plaza-error.js';
import type { ProblemTable } from './problem-table.js';

export enum AuthErrorCode {
  Unauthenticated = 'auth.unauthenticated',
  InvalidKey = 'auth.invalid_key',
  Forbidden = 'auth.forbidden',
}

export class AuthError extends PlazaError<AuthErrorCode> {}

/** Every AuthErrorCode with its HTTP status and stable title. */
export const AUTH_PROBLEMS: ProblemTable<AuthErrorCode> = {
  [AuthErrorCode.Unauthenticated]: { status: 401, title: 'An API key is required' },
  [AuthErrorCode.InvalidKey]: { status: 401, title: 'The API key is not valid' },
  [AuthErrorCode.Forbidden]: { status: 403, title: 'The API key may not do this' },
};
