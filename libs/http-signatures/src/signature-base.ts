import { serializeInnerList, serializeString, type InnerList } from 'structured-headers';
import type { HeaderValue, HttpRequest, SignatureParameters } from './types.js';

/**
 * The RFC 9421 signature base (§2.5) of a request over the covered components, ending with the
 * `@signature-params` line built from `params` in their given order. Throws when a component is
 * absent, unsupported or listed twice, or when the base would not be US-ASCII.
 *
 * Supported components: HTTP fields by lower-cased name (no component parameters), `@method`,
 * `@target-uri`, `@authority`, `@scheme`, `@path` and `@query`.
 */
export function signatureBase(request: HttpRequest, components: readonly string[], params: SignatureParameters): string {
  if (new Set(components).size !== components.length) throw new Error('a covered component is listed twice');
  const lines = components.map((name) => `${serializeString(name)}: ${componentValue(request, name)}`);
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams(components, params))}`);
  const base = lines.join('\n');
  // Field values outside US-ASCII would be signed as some byte encoding the other side may not share.
  if (/[^\x00-\x7f]/.test(base)) throw new Error('the signature base is not US-ASCII');
  return base;
}

/** The inner list that is both the `@signature-params` value and the `Signature-Input` member. */
export function signatureParams(components: readonly string[], params: SignatureParameters): InnerList {
  const parameters = new Map<string, string | number>();
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`signature parameter ${key} is not an integer`);
    parameters.set(key, value);
  }
  return [components.map((name) => [name, new Map()]), parameters];
}

/** The canonical value of a header field (RFC 9421 §2.1), or undefined when the request has none. */
export function fieldValue(headers: HttpRequest['headers'], name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) values.push(...asList(value));
  }
  if (values.length === 0) return undefined;
  return values.map((value) => value.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]*\r?\n[ \t]+/g, ' ')).join(', ');
}

/** The lower-cased names of the request's `ce-*` headers, sorted. */
export function cloudEventHeaderNames(headers: HttpRequest['headers']): string[] {
  const names = new Set<string>();
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase().startsWith('ce-')) names.add(key.toLowerCase());
  }
  return [...names].sort();
}

/**
 * The target URI as a client sends it (WHATWG serialisation, which is what fetch puts on the wire):
 * host lower-cased, default port dropped, empty path as "/", no fragment.
 */
export function targetUri(url: string): URL {
  const target = new URL(url);
  if (target.username !== '' || target.password !== '') throw new Error('the target URI carries user information');
  target.hash = '';
  return target;
}

function componentValue(request: HttpRequest, name: string): string {
  if (!name.startsWith('@')) {
    if (name !== name.toLowerCase()) throw new Error(`the field name ${name} is not lower-cased`);
    const value = fieldValue(request.headers, name);
    if (value === undefined) throw new Error(`the covered field ${name} is absent`);
    return value;
  }
  switch (name) {
    case '@method':
      return request.method; // case-sensitive, not upper-cased (RFC 9421 §2.2.1)
    case '@target-uri':
      return targetUri(request.url).href;
    case '@authority':
      return targetUri(request.url).host;
    case '@scheme':
      return targetUri(request.url).protocol.slice(0, -1);
    case '@path':
      return targetUri(request.url).pathname;
    case '@query':
      return targetUri(request.url).search || '?';
    default:
      throw new Error(`the component ${name} is not supported`);
  }
}

function asList(value: HeaderValue): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
