import { PlazaError } from '../common/errors/plaza-error.js';

export enum AgreementErrorCode {
  NotFound = 'agreement.not_found',
}

export class AgreementError extends PlazaError<AgreementErrorCode> {}
