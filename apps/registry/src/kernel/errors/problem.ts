import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '#plaza/database';
import { AuthError, AuthErrorCode } from './auth-error.js';
import { PlazaError } from './plaza-error.js';
import { PROBLEM_TYPE_PREFIX, type ProblemSettings } from './problem-table.js';
import { RequestError, RequestErrorCode, ServiceError, ServiceErrorCode } from './request-error.js';

/** An RFC 9457 problem document, always with Plaza's stable `code`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** The path of a request that reached a route; absent otherwise, so that no client-chosen URL is echoed. */
  instance?: string;
  requestId: string;
  [extension: string]: unknown;
}

export interface RenderedProblem {
  body: ProblemDocument;
  headers: Record<string, string>;
  /** True when the error is not the caller's doing and deserves an error log with its stack. */
  unexpected: boolean;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

// Errors raised by fastify itself before a route runs (routing, body parsing, limits), by their fastify code. The
// details are Plaza's own: some of fastify's messages quote the URL.
const FASTIFY_CODES = new Map<unknown, [RequestErrorCode, string]>([
  ['FST_ERR_BAD_URL', [RequestErrorCode.MalformedUrl, 'The path is not a valid URL: check its percent-encoding.']],
  ['FST_ERR_MAX_PARAM_LENGTH', [RequestErrorCode.UriTooLong, 'A segment of the path is longer than any identifier the registry uses.']],
  ['FST_ERR_CTP_BODY_TOO_LARGE', [RequestErrorCode.BodyTooLarge, 'The body exceeds the size limit.']],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', [RequestErrorCode.UnsupportedMediaType, 'Send application/json.']],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', [RequestErrorCode.Invalid, 'The body is not as long as its Content-Length says.']],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', [RequestErrorCode.MalformedJson, 'The body is empty but its Content-Type is application/json.']],
  ['FST_ERR_CTP_INVALID_JSON_BODY', [RequestErrorCode.MalformedJson, 'The body is not valid JSON.']],
]);

/** What a problem needs to know of its request: the route it reached, if any, gives the `instance`. */
export interface ProblemRequest {
  id: string;
  url?: string;
  routeOptions?: { url?: string };
}

/** Maps anything thrown while serving a request to the problem the client sees. */
export function renderProblem(error: unknown, request: ProblemRequest, settings: ProblemSettings): RenderedProblem {
  const known = classify(error, settings);
  const entry = settings.catalogue.get(known.code)!;
  // A refusal says what held at that moment (a tile not yet published, a record not yet public): no cache keeps it.
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // A 503 is a refusal for now (the database away, a file not built yet): it says when to try again.
  if (entry.status === 503) headers['retry-after'] = String(settings.retryAfterSeconds);
  if (known.code === AuthErrorCode.Unauthenticated || known.code === AuthErrorCode.InvalidKey) headers['www-authenticate'] = 'Bearer';
  const body: ProblemDocument = {
    type: `${PROBLEM_TYPE_PREFIX}${known.code}`,
    title: entry.title,
    status: entry.status,
    detail: known.detail,
    code: known.code,
    instance: request.routeOptions?.url !== undefined ? request.url?.split('?')[0] : undefined,
    requestId: request.id,
    ...known.extensions,
  };
  return { body, headers, unexpected: known.code === ServiceErrorCode.Internal };
}

function classify(error: unknown, settings: ProblemSettings): PlazaError {
  // A code missing from the catalogue is the registry's bug (a table left out of the composition root), not the caller's.
  if (error instanceof PlazaError && settings.catalogue.get(error.code)) return error;
  if (isDatabaseUnavailable(error)) {
    return new ServiceError(ServiceErrorCode.DatabaseUnavailable, 'The registry cannot reach its database; retry shortly.');
  }
  // Nest wraps fastify's own errors (body parsing, limits) in an HttpException whose cause keeps the code.
  const fastifyError = (error instanceof HttpException ? error.cause : error) as { code?: unknown } | undefined;
  const known = FASTIFY_CODES.get(fastifyError?.code);
  if (known) return new RequestError(...known);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new RequestError(RequestErrorCode.RouteNotFound, 'No endpoint matches this method and path.');
    if (status === 413) return new RequestError(RequestErrorCode.BodyTooLarge, 'The body exceeds the size limit.');
    if (status === 415) return new RequestError(RequestErrorCode.UnsupportedMediaType, 'Send application/json.');
    if (status === 401) return new AuthError(AuthErrorCode.Unauthenticated, 'Send an API key as Authorization: Bearer <key>.');
    if (status === 403) return new AuthError(AuthErrorCode.Forbidden, 'This API key may not do this.');
    if (status === 400) return new RequestError(RequestErrorCode.Invalid, 'The request is not valid.');
  }
  return new ServiceError(ServiceErrorCode.Internal, 'Something went wrong on our side. Quote the requestId if you report it.');
}
