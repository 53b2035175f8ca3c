import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum FeedErrorCode {
  /** `city` names no city of the registry. */
  UnknownCity = 'feeds.unknown_city',
  /** `source` names no source of the registry. */
  UnknownSource = 'feeds.unknown_source',
  /** Both `city` and `source`: a feed follows the whole registry, one city or one source. */
  ConflictingFilters = 'feeds.conflicting_filters',
}

export class FeedError extends PlazaError<FeedErrorCode> {}

/** Every FeedErrorCode with its HTTP status and stable title. */
export const FEED_PROBLEMS: ProblemTable<FeedErrorCode> = {
  [FeedErrorCode.UnknownCity]: { status: 404, title: 'There is no such city' },
  [FeedErrorCode.UnknownSource]: { status: 404, title: 'There is no such source' },
  [FeedErrorCode.ConflictingFilters]: { status: 400, title: 'A feed follows one city or one source, not both' },
};
