import { PlazaError } from '../../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../../kernel/errors/problem-table.js';

export enum TileErrorCode {
  /** Not the canonical form of a tile or entry-bundle path (c2sp.org/tlog-tiles): a client's mistake, never a tile. */
  PathInvalid = 'log.tile_path_invalid',
  /** A well-formed tile that no signed checkpoint's tree has (beyond the signed size, or a partial of an unsigned size). */
  NotPublished = 'log.tile_not_published',
}

export class TileError extends PlazaError<TileErrorCode> {}

/** Every TileErrorCode with its HTTP status and stable title. */
export const TILE_PROBLEMS: ProblemTable<TileErrorCode> = {
  [TileErrorCode.PathInvalid]: { status: 400, title: 'The path is not a tile path' },
  [TileErrorCode.NotPublished]: { status: 404, title: 'No signed checkpoint has this tile' },
};
