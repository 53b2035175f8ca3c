import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum StandardErrorCode {
  NotFound = 'standard.not_found',
  VersionNotFound = 'standard.version_not_found',
}

export class StandardError extends PlazaError<StandardErrorCode> {}

/** The `standards/` folder disagrees with what the registry has published: start must stop. */
export class StandardsImportError extends Error {}

/** Every StandardErrorCode with its HTTP status and stable title. */
export const STANDARD_PROBLEMS: ProblemTable<StandardErrorCode> = {
  [StandardErrorCode.NotFound]: { status: 404, title: 'No such standard' },
  [StandardErrorCode.VersionNotFound]: { status: 404, title: 'No such version of the standard' },
};
