import { PlazaError } from './plaza-error.js';

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
