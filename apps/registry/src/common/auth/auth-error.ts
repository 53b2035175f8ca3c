import { PlazaError } from '../errors/plaza-error.js';

export enum AuthErrorCode {
  Unauthenticated = 'auth.unauthenticated',
  InvalidKey = 'auth.invalid_key',
  Forbidden = 'auth.forbidden',
}

export class AuthError extends PlazaError<AuthErrorCode> {}
