import { Buffer } from 'node:buffer';

/**
 * Standard base64 with padding in its one canonical spelling, or null. Go's decoder also takes non-zero trailing
 * bits; no signer writes them, and refusing them makes a parsed note format back to the bytes it was read from.
 */
export function decodeBase64(text: string): Uint8Array | null {
  // Node's decoder skips what is not base64 (and takes the URL-safe alphabet); its encoder writes only the canonical form.
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : null;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

/** A decimal with no sign and no leading zero, up to 2^53 - 1 (a JavaScript number stays exact), or null. */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;
/** ASCII control characters other than the newline: signed-note forbids them anywhere (a '\r', a tab). */
const CONTROL = /[\x00-\x09\x0b-\x1f]/;

/**
 * The message as a string when it is valid UTF-8 (bytes that decode, or a string without a lone surrogate, which
 * UTF-8 cannot carry) holding no control character but the newline; null otherwise.
 */
export function noteText(message: string | Uint8Array): string | null {
  let text: string;
  if (typeof message === 'string') {
    if (LONE_SURROGATE.test(message)) return null;
    text = message;
  } else {
    try {
      text = strictUtf8.decode(message);
    } catch {
      return null;
    }
  }
  return CONTROL.test(text) ? null : text;
}

/** The UTF-8 bytes of a string that noteText accepted. */
export const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
