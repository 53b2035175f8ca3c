import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum ExportsErrorCode {
  /** No export has been built yet (a registry just started on a register it has not exported): try again shortly. */
  NotBuiltYet = 'exports.not_built_yet',
}

export class ExportsError extends PlazaError<ExportsErrorCode> {}

/** Every ExportsErrorCode with its HTTP status and stable title. */
export const EXPORTS_PROBLEMS: ProblemTable<ExportsErrorCode> = {
  [ExportsErrorCode.NotBuiltYet]: { status: 503, title: 'The export has not been built yet' },
};
