import { Buffer } from 'node:buffer';
import { DsseError } from './errors.js';
import type { AttributeValue } from './types.js';

/**
 * HTTP headers: name/value pairs (a Map, an array of pairs, or Node's flat `rawHeaders` array), or a
 * record such as Node's `IncomingHttpHeaders`. Pass pairs or `rawHeaders` when you can: a record
 * built by Node has already joined repeated headers, so a repeat can no longer be seen.
 */
export type HeaderInput =
  | Iterable<readonly [string, string]>
  | readonly string[]
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A binary-mode event: attributes from the `ce-*` headers (and Content-Type), data = the body as received. */
export interface BinaryEvent {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly data: Uint8Array;
}

/** Header pairs with lowercase names, in order; repeated names stay repeated. */
export function headerPairs(headers: HeaderInput): [string, string][] {
  const pairs: [string, string][] = [];
  if (Array.isArray(headers) && (headers.length === 0 || typeof headers[0] === 'string')) {
    const flat = headers as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!.toLowerCase(), flat[i + 1]!]);
    return pairs;
  }
  if (Symbol.iterator in (headers as object)) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) pairs.push([name.toLowerCase(), String(value)]);
    return pairs;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (value === undefined) continue;
    if (typeof value === 'string') pairs.push([name.toLowerCase(), value]);
    else for (const v of value) pairs.push([name.toLowerCase(), v]);
  }
  return pairs;
}

/** Percent-decodes a header value (the HTTP binding percent-encodes non-printable and non-ASCII characters). */
function percentDecode(name: string, value: string): string {
  if (!value.includes('%')) return value;
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new DsseError('invalid_attribute', `header ce-${name} percent-encodes bytes that are not UTF-8`);
    }
  });
}

/**
 * Reads a binary-mode message: each `ce-<name>` header is the attribute `<name>` (percent-decoded),
 * Content-Type is `datacontenttype`, the body is the data exactly as received. A repeated `ce-*` or
 * Content-Type header, or `ce-datacontenttype` beside Content-Type, is refused (DsseError `repeated_header`).
 */
export function readBinary(headers: HeaderInput, body: Uint8Array | string): BinaryEvent {
  const attributes: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const [name, value] of headerPairs(headers)) {
    let attribute: string;
    if (name.startsWith('ce-')) attribute = name.slice(3);
    else if (name === 'content-type') attribute = 'datacontenttype';
    else continue;
    if (attribute === '') continue;
    if (Object.prototype.hasOwnProperty.call(attributes, attribute)) {
      throw new DsseError('repeated_header', `the header for attribute "${attribute}" appears more than once`);
    }
    attributes[attribute] = name === 'content-type' ? value : percentDecode(attribute, value);
  }
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { attributes, data };
}

/** Percent-encodes a header value as the HTTP binding requires (space, `"`, `%` and everything outside printable ASCII). */
export function percentEncode(value: string): string {
  return value.replace(/[^\x21\x23-\x24\x26-\x7e]+/gu, (run) => [...Buffer.from(run, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
