import { resolvePointer } from '#plaza/standards';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON pointer (RFC 6901) naming at least one member: `/a/b`, with `~0` and `~1` escapes only. */
export const DATA_POINTER = /^(\/([^~/]|~[01])*)+$/;

const MAX_REFS = 64;

/**
 * Whether a JSON pointer into an event's `data` names something the standard's schema defines.
 * Each token is looked up in `properties` (an array index, or `-`, in `items` / `prefixItems`), following
 * local `$ref`s ("#/...") and the branches of `allOf`, `anyOf` and `oneOf`. A name only an open model would
 * let through (`additionalProperties`, `patternProperties`) is not "in the standard" and is refused.
 */
export function schemaDefinesPointer(schema: JsonObject, pointer: string): boolean {
  if (!DATA_POINTER.test(pointer)) return false;
  const tokens = pointer.slice(1).split('/').map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  return walk(schema, schema, tokens, 0);
}

function walk(root: JsonObject, node: unknown, tokens: string[], refs: number): boolean {
  if (!isObject(node)) return false;
  if (tokens.length === 0) return true;
  if (typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#') || refs >= MAX_REFS) return false;
    const target = resolvePointer(root, decodeURIComponent(node.$ref.slice(1)));
    if (walk(root, target, tokens, refs + 1)) return true;
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[keyword];
    if (Array.isArray(branches) && branches.some((branch) => walk(root, branch, tokens, refs))) return true;
  }
  const [token, ...rest] = tokens as [string, ...string[]];
  const properties = node.properties;
  if (isObject(properties) && Object.hasOwn(properties, token) && walk(root, properties[token], rest, refs)) return true;
  if (/^(0|[1-9][0-9]*)$/.test(token) || token === '-') {
    const prefix = node.prefixItems;
    if (Array.isArray(prefix) && token !== '-' && Number(token) < prefix.length && walk(root, prefix[Number(token)], rest, refs)) return true;
    if (isObject(node.items) && walk(root, node.items, rest, refs)) return true;
  }
  return false;
}
