import { Buffer } from 'node:buffer';

const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/**
 * Strict base64 decoding: standard alphabet with padding, or the URL-safe alphabet with or without
 * padding (DSSE verifiers must accept both). Anything else - whitespace, mixed alphabets, missing
 * standard padding, non-zero trailing bits - gives null, so one byte string has exactly one accepted
 * spelling per alphabet.
 */
export function decodeBase64(text: string): Uint8Array | null {
  // The usual case first, without the patterns: standard base64 is accepted exactly when it re-encodes to itself
  // (Node's decoder skips what is not base64, and its encoder writes only the canonical, padded form).
  const standard = Buffer.from(text, 'base64');
  if (standard.toString('base64') === text) return new Uint8Array(standard.buffer, standard.byteOffset, standard.length);
  let bytes: Buffer;
  let canonical: string;
  let given = text;
  if (STANDARD.test(text)) {
    bytes = Buffer.from(text, 'base64');
    canonical = bytes.toString('base64');
  } else if (URL_SAFE.test(text)) {
    bytes = Buffer.from(text, 'base64url');
    canonical = bytes.toString('base64url');
    given = text.replace(/=+$/, '');
  } else {
    return null;
  }
  return canonical === given ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : null;
}

/** Standard base64 with padding, the form this library emits. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
