import { PlazaError } from './plaza-error.js';
import type { ProblemTable } from './problem-table.js';

/** Problems with the request itself, whichever feature it is addressed to. */
export enum RequestErrorCode {
  Invalid = 'request.invalid',
  UnknownField = 'request.unknown_field',
  MalformedJson = 'request.malformed_json',
  DuplicateMember = 'request.duplicate_member',
  TooDeep = 'request.too_deep',
  TooManyMembers = 'request.too_many_members',
  ForbiddenMember = 'request.forbidden_member',
  BodyTooLarge = 'request.body_too_large',
  UnsupportedMediaType = 'request.unsupported_media_type',
  InvalidCursor = 'request.invalid_cursor',
  RouteNotFound = 'request.route_not_found',
  RateLimited = 'request.rate_limited',
  /** Refused by the server before any route ran: a malformed path, a path parameter too long, an oversized request head, a request not received in time. */
  MalformedUrl = 'request.malformed_url',
  UriTooLong = 'request.uri_too_long',
  HeadersTooLarge = 'request.headers_too_large',
  Timeout = 'request.timeout',
}

export class RequestError extends PlazaError<RequestErrorCode> {}

/** Problems of the service rather than of the request. */
export enum ServiceErrorCode {
  DatabaseUnavailable = 'service.database_unavailable',
  Internal = 'service.internal',
}

export class ServiceError extends PlazaError<ServiceErrorCode> {}

/** Every RequestErrorCode with its HTTP status and stable title. */
export const REQUEST_PROBLEMS: ProblemTable<RequestErrorCode> = {
  [RequestErrorCode.Invalid]: { status: 400, title: 'The request is not valid' },
  [RequestErrorCode.UnknownField]: { status: 400, title: 'The request has a field this endpoint does not accept' },
  [RequestErrorCode.MalformedJson]: { status: 400, title: 'The body is not well-formed JSON' },
  [RequestErrorCode.DuplicateMember]: { status: 400, title: 'The body repeats a member name in one object' },
  [RequestErrorCode.TooDeep]: { status: 400, title: 'The body is nested too deeply' },
  [RequestErrorCode.TooManyMembers]: { status: 400, title: 'An object of the body has too many members' },
  [RequestErrorCode.ForbiddenMember]: { status: 400, title: 'The body has a member name that is never accepted' },
  [RequestErrorCode.BodyTooLarge]: { status: 413, title: 'The body is too large' },
  [RequestErrorCode.UnsupportedMediaType]: { status: 415, title: 'The body has a media type this endpoint does not accept' },
  [RequestErrorCode.InvalidCursor]: { status: 400, title: 'The paging cursor is not valid' },
  [RequestErrorCode.RouteNotFound]: { status: 404, title: 'There is no such endpoint' },
  [RequestErrorCode.RateLimited]: { status: 429, title: 'Too many requests' },
  [RequestErrorCode.MalformedUrl]: { status: 400, title: 'The URL is not well-formed' },
  [RequestErrorCode.UriTooLong]: { status: 414, title: 'A part of the path is too long' },
  [RequestErrorCode.HeadersTooLarge]: { status: 431, title: 'The request line and headers are too large' },
  [RequestErrorCode.Timeout]: { status: 408, title: 'The request was not received in time' },
};

/** Every ServiceErrorCode with its HTTP status and stable title. */
export const SERVICE_PROBLEMS: ProblemTable<ServiceErrorCode> = {
  [ServiceErrorCode.DatabaseUnavailable]: { status: 503, title: 'The registry database is unreachable' },
  [ServiceErrorCode.Internal]: { status: 500, title: 'Internal error' },
};
