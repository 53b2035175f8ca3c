import { QueryFailedError } from 'typeorm';

/** What a log line may say about an error. */
export interface LoggableError {
  errorClass: string;
  /** The error's own code: PostgreSQL's SQLSTATE for a database error, or a library's code. */
  code?: string;
  /** The database constraint that refused a row. */
  constraint?: string;
  /** Where it was thrown: function and file names only. */
  frames?: string[];
}

const MAX_FRAMES = 12;

/**
 * Keeps of an error only what cannot carry anything a member typed: its class, code, constraint and stack
 * frames. Never its message: a database error's message, detail, query and parameters hold row contents
 * ("Failing row contains (...)"), and other messages may quote input.
 */
export function loggableError(error: unknown): LoggableError {
  if (!(error instanceof Error)) return { errorClass: error === null ? 'null' : typeof error };
  const source = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const { code, constraint } = (source ?? {}) as { code?: unknown; constraint?: unknown };
  const frames = (error.stack ?? '').split('\n').filter((line) => line.startsWith('    at ')).slice(0, MAX_FRAMES).map((line) => line.trim());
  return {
    errorClass: error.constructor.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof constraint === 'string' ? { constraint } : {}),
    ...(frames.length > 0 ? { frames } : {}),
  };
}
