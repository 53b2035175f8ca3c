const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and the shutdown / start-up states of class 57.
const UNAVAILABLE_SQLSTATE = /^(08...|57P01|57P02|57P03)$/;
const DRIVER_MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /Client has encountered a connection error/i, /connection is not open/i];

/** True when an error means "the database cannot be reached right now", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof err.code === 'string' && (NETWORK_CODES.has(err.code) || UNAVAILABLE_SQLSTATE.test(err.code))) return true;
    if (typeof err.message === 'string' && DRIVER_MESSAGES.some((re) => re.test(err.message as string))) return true;
    e = err.driverError ?? err.cause;
  }
  return false;
}
