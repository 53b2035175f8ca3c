import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary, serializeDictionary } from 'structured-headers';
import { isByteSequence } from './structured.js';

const sha256 = (body: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(createHash('sha256').update(body).digest());

/** The RFC 9530 `Content-Digest` value of a body: `sha-256=:<base64>:`. */
export function contentDigest(body: Uint8Array): string {
  return serializeDictionary(new Map([['sha-256', [sha256(body), new Map()]]]));
}

/**
 * True when the `Content-Digest` value holds a sha-256 member equal to the body's digest. Other
 * algorithms in the dictionary are ignored: only sha-256 is trusted, so its absence fails.
 */
export function verifyContentDigest(header: string, body: Uint8Array): boolean {
  let member;
  try {
    member = parseDictionary(header).get('sha-256');
  } catch {
    return false;
  }
  if (member === undefined || Array.isArray(member[0]) || !isByteSequence(member[0])) return false;
  const claimed = new Uint8Array(member[0]);
  const actual = sha256(body);
  return claimed.length === actual.length && timingSafeEqual(claimed, actual);
}
