import { PlazaError } from '../common/errors/plaza-error.js';

export enum OrganisationErrorCode {
  NotFound = 'organisation.not_found',
  SlugTaken = 'organisation.slug_taken',
  NameTaken = 'organisation.name_taken',
}

export class OrganisationError extends PlazaError<OrganisationErrorCode> {}
