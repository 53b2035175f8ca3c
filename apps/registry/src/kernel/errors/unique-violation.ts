import { QueryFailedError } from 'typeorm';

/** True when the database refused a row because a unique constraint or index (this one, when named) already holds its value. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && (constraint === undefined || driverError.constraint === constraint);
}
