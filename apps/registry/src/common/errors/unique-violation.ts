import { QueryFailedError } from 'typeorm';

/** True when the database refused a row because a unique constraint or index already holds its value. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
