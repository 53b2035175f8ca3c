import { PlazaError } from '../common/errors/plaza-error.js';

export enum StandardErrorCode {
  NotFound = 'standard.not_found',
  VersionNotFound = 'standard.version_not_found',
}

export class StandardError extends PlazaError<StandardErrorCode> {}

/** The `standards/` folder disagrees with what the registry has published: start must stop. */
export class StandardsImportError extends Error {}
