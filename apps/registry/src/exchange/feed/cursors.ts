import { RequestError, RequestErrorCode } from '../../kernel/errors/request-error.js';

/**
 * A position in a source's commit-safe feed: the inserting transaction and the row's sequence (see the exchange
 * migration). What a reader of the feed keeps between reads; a follower would persist it as it is.
 */
export interface FeedPosition {
  xid: string;
  sequence: string;
}

/** Before the first event of any feed. */
export const FEED_START: FeedPosition = { xid: '0', sequence: '0' };

const DIGITS = /^\d{1,20}$/;
/** Decimal text within [0, max]: what PostgreSQL's xid8 (2^64 - 1) or bigint (2^63 - 1) can take. */
const within = (text: unknown, max: bigint): text is string => typeof text === 'string' && DIGITS.test(text) && BigInt(text) <= max;
const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const invalidCursor = () => new RequestError(RequestErrorCode.InvalidCursor, 'The cursor is not one this registry issued.');

/** A feed position as the opaque cursor the HTTP feed hands out. */
export function encodePosition(position: FeedPosition): string {
  return Buffer.from(JSON.stringify({ x: position.xid, s: position.sequence }), 'utf8').toString('base64url');
}

/** The feed position of a cursor; anything this registry did not issue is a 400. */
export function decodePosition(cursor: string): FeedPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const p = value as { x?: unknown; s?: unknown } | null;
  if (!p || typeof p !== 'object' || Object.keys(p).length !== 2 || !within(p.x, XID8_MAX) || !within(p.s, BIGINT_MAX)) throw invalidCursor();
  return { xid: p.x, sequence: p.s };
}

/** The cursor of the rejections after this one (older ones: newest first). */
export function encodeRejectionCursor(rejectionId: string): string {
  return Buffer.from(rejectionId).toString('base64url');
}

export function decodeRejectionCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!within(id, BIGINT_MAX)) throw invalidCursor();
  return id;
}
