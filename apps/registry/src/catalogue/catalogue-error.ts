import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum CatalogueErrorCode {
  /** `Accept` names no RDF syntax the catalogue is served in. */
  NotAcceptable = 'catalogue.not_acceptable',
  /** `city` names no city of the registry. */
  UnknownCity = 'catalogue.unknown_city',
  /** `pin` is larger than the journal: no harvest started there. */
  PinBeyondJournal = 'catalogue.pin_beyond_journal',
  /** `after` without `pin`, or not below it: a position belongs to the pinned harvest that gave it. */
  InvalidPosition = 'catalogue.invalid_position',
}

export class CatalogueError extends PlazaError<CatalogueErrorCode> {}

/** Every CatalogueErrorCode with its HTTP status and stable title. */
export const CATALOGUE_PROBLEMS: ProblemTable<CatalogueErrorCode> = {
  [CatalogueErrorCode.NotAcceptable]: { status: 406, title: 'The catalogue is not served in the media type asked for' },
  [CatalogueErrorCode.UnknownCity]: { status: 404, title: 'There is no such city' },
  [CatalogueErrorCode.PinBeyondJournal]: { status: 400, title: 'The pinned journal size is beyond the journal' },
  [CatalogueErrorCode.InvalidPosition]: { status: 400, title: 'The position is not one of this harvest' },
};
