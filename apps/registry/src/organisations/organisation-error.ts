import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum OrganisationErrorCode {
  NotFound = 'organisation.not_found',
  SlugTaken = 'organisation.slug_taken',
  NameTaken = 'organisation.name_taken',
  SlugLooksLikeId = 'organisation.slug_looks_like_id',
}

export class OrganisationError extends PlazaError<OrganisationErrorCode> {}

/** Every OrganisationErrorCode with its HTTP status and stable title. */
export const ORGANISATION_PROBLEMS: ProblemTable<OrganisationErrorCode> = {
  [OrganisationErrorCode.NotFound]: { status: 404, title: 'No such organisation' },
  [OrganisationErrorCode.SlugTaken]: { status: 409, title: 'The slug is already taken' },
  [OrganisationErrorCode.NameTaken]: { status: 409, title: 'Another organisation already has this display name' },
  [OrganisationErrorCode.SlugLooksLikeId]: { status: 422, title: 'A slug may not have the shape of an id' },
};
