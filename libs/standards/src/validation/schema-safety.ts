import { compileLinearRegExp, PatternRefusedError } from './linear-regexp.js';

/**
 * Static safety checks for a JSON Schema that may come from anyone (a proposal). They run before ajv
 * ever sees the schema and are cheap and deterministic: nothing is fetched or compiled except the
 * schema's regular expressions (by the linear-time engine). Every problem names the JSON pointer of
 * the offending place in the schema.
 *
 * Why each rule exists:
 * - size, nesting depth and member count bound the work of every later step (parse, compile, store);
 * - only local references by JSON pointer (`#/$defs/name`): a registry never fetches anything, and a
 *   schema cannot reach a schema other than itself, so what was reviewed is exactly what runs;
 * - no `$data` (values taken from the data at validation time), no nested `$id`/`$schema`, no
 *   `$vocabulary`, no anchors or dynamic references: none is needed for event payloads and each widens what a
 *   reviewer has to reason about;
 * - no recursive references and a bound on the schema's size once references are followed: without
 *   them, `anyOf` over references can make validation time exponential (in the data's depth for
 *   recursion, in the number of definitions for a chain of them) although the text is small;
 * - patterns (`pattern`, `patternProperties`) must compile in the linear-time engine;
 * - `format` only from {@link ALLOWED_FORMATS};
 * - `uniqueItems` only with a `maxItems` no larger than {@link SchemaLimits.maxUniqueItems}
 *   (checking uniqueness of objects is quadratic).
 */

/** A problem found in a schema: where (JSON pointer into the schema) and what, in a plain sentence. */
export interface SchemaProblem {
  pointer: string;
  message: string;
}

/** The limits a schema must stay within. See {@link DEFAULT_SCHEMA_LIMITS}. */
export interface SchemaLimits {
  /** Bytes of the schema serialised as compact UTF-8 JSON. */
  maxBytes: number;
  /** Nesting depth of JSON objects and arrays in the schema document (the root object is depth 1). */
  maxDepth: number;
  /** Object members (keywords, property names, definition names) in the whole document. */
  maxKeywords: number;
  /** Subschemas visited when every reference is followed (the schema's size as validation sees it). */
  maxExpandedSubschemas: number;
  /** Milliseconds ajv may spend compiling; measured, the schema is refused when over. */
  maxCompileMillis: number;
  /** The largest `maxItems` allowed beside `uniqueItems: true`. */
  maxUniqueItems: number;
}

/**
 * Default limits. The shipped standards use about 3-4 KB, depth 8, 150 members and 60 expanded
 * subschemas, and compile in a few milliseconds; the limits leave one to two orders of magnitude of room.
 */
export const DEFAULT_SCHEMA_LIMITS: Readonly<SchemaLimits> = Object.freeze({
  maxBytes: 128 * 1024,
  maxDepth: 32,
  maxKeywords: 5_000,
  maxExpandedSubschemas: 20_000,
  maxCompileMillis: 2_000,
  maxUniqueItems: 1_000,
});

/** The only `$schema` a standard's schema may declare. */
export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** Formats a schema may use (validated by ajv-formats, "full" mode). */
export const ALLOWED_FORMATS = Object.freeze([
  'date',
  'time',
  'date-time',
  'duration',
  'uri',
  'uri-reference',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
  'json-pointer',
] as const);

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
]);
/** Keywords whose value is an object of named subschemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
/** Keywords whose value is an array of subschemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value is data, not schema: their content is only measured. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);
/** Keywords refused anywhere, with the reason. */
const REFUSED_KEYWORDS: Record<string, string> = {
  $data: '"$data" references are not allowed',
  $dynamicRef: 'dynamic references are not allowed',
  $dynamicAnchor: 'dynamic anchors are not allowed',
  $recursiveRef: 'recursive references are not allowed',
  $recursiveAnchor: 'recursive anchors are not allowed',
  $vocabulary: 'vocabularies cannot be declared in a standard schema',
  $anchor: 'anchors are not supported; refer to definitions by JSON pointer ("#/$defs/name")',
  definitions: 'use "$defs" (JSON Schema 2020-12), not "definitions"',
  dependencies: 'use "dependentRequired" or "dependentSchemas" (JSON Schema 2020-12), not "dependencies"',
};

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Escapes one JSON pointer reference token (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Checks an untrusted schema against the rules above without compiling it. Returns every problem
 * found (an empty list when the schema may go on to compilation). Never throws.
 */
export function checkSchemaSafety(schema: unknown, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): SchemaProblem[] {
  if (!isObject(schema)) return [{ pointer: '', message: 'a schema must be a JSON object' }];

  // 1. Shape: depth and member count, measured without recursion so that a hostile depth cannot
  //    exhaust the stack; stop as soon as a limit is crossed.
  const shape = measure(schema, limits);
  if (shape) return [shape];

  // 2. Size of the compact JSON text (safe to serialise now that depth is bounded).
  const bytes = Buffer.byteLength(JSON.stringify(schema), 'utf8');
  if (bytes > limits.maxBytes) {
    return [{ pointer: '', message: `the schema is ${bytes} bytes, over the limit of ${limits.maxBytes}` }];
  }

  // 3. Keyword rules, in schema positions only.
  const problems: SchemaProblem[] = [];
  const checked = new Set<string>();
  walkSchemas(schema, '', (node, pointer) => {
    checked.add(pointer);
    checkNode(node, pointer, pointer === '', limits, problems);
  });
  if (problems.length > 0) return problems;

  // 4. References: resolvable, only to subschemas step 3 checked (a reference into `const` or
  //    `default` would reach a schema no rule looked at), not recursive, and a bounded expanded size.
  const expansion = expandReferences(schema, limits.maxExpandedSubschemas, checked);
  if (expansion) problems.push(expansion);
  return problems;
}

function measure(root: JsonObject, limits: SchemaLimits): SchemaProblem | null {
  let members = 0;
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value: root, pointer: '', depth: 1 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxDepth) {
      return { pointer, message: `the schema is nested deeper than ${limits.maxDepth} levels` };
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, pointer: `${pointer}/${index}`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      members++;
      if (members > limits.maxKeywords) {
        return { pointer: '', message: `the schema has more than ${limits.maxKeywords} keywords and property names` };
      }
      stack.push({ value: item, pointer: `${pointer}/${escapePointerToken(key)}`, depth: depth + 1 });
    }
  }
  return null;
}

/** Calls `visit` for every subschema object in a schema position (boolean schemas are skipped). */
function walkSchemas(node: unknown, pointer: string, visit: (node: JsonObject, pointer: string) => void): void {
  if (!isObject(node)) return;
  visit(node, pointer);
  for (const [keyword, value] of Object.entries(node)) {
    const at = `${pointer}/${escapePointerToken(keyword)}`;
    if (SCHEMA_KEYWORDS.has(keyword)) walkSchemas(value, at, visit);
    else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) walkSchemas(sub, `${at}/${escapePointerToken(name)}`, visit);
    } else if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) {
      value.forEach((sub, index) => walkSchemas(sub, `${at}/${index}`, visit));
    }
  }
}

function checkNode(
  node: JsonObject,
  pointer: string,
  isRoot: boolean,
  limits: SchemaLimits,
  problems: SchemaProblem[],
): void {
  const at = (keyword: string): string => `${pointer}/${escapePointerToken(keyword)}`;
  for (const [keyword, value] of Object.entries(node)) {
    const refused = REFUSED_KEYWORDS[keyword];
    if (refused) {
      problems.push({ pointer: at(keyword), message: refused });
      continue;
    }
    if (!DATA_KEYWORDS.has(keyword) && !SCHEMA_MAP_KEYWORDS.has(keyword) && !SCHEMA_KEYWORDS.has(keyword) && containsDataReference(value)) {
      problems.push({ pointer: at(keyword), message: '"$data" references are not allowed' });
    }
  }
  if ('$id' in node && !isRoot) problems.push({ pointer: at('$id'), message: '"$id" is only allowed at the root of the schema' });
  if ('$schema' in node) {
    if (!isRoot) problems.push({ pointer: at('$schema'), message: '"$schema" is only allowed at the root of the schema' });
    else if (node.$schema !== JSON_SCHEMA_2020_12) {
      problems.push({ pointer: at('$schema'), message: `"$schema" must be "${JSON_SCHEMA_2020_12}"` });
    }
  }
  if ('$ref' in node) {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !(ref === '#' || ref.startsWith('#/'))) {
      problems.push({
        pointer: at('$ref'),
        message: `only local references by JSON pointer ("#/$defs/name") are allowed; ${JSON.stringify(ref)} is not one`,
      });
    }
  }
  if ('pattern' in node) {
    const problem = patternProblem(node.pattern);
    if (problem) problems.push({ pointer: at('pattern'), message: problem });
  }
  if (isObject(node.patternProperties)) {
    for (const key of Object.keys(node.patternProperties)) {
      const problem = patternProblem(key);
      if (problem) problems.push({ pointer: `${at('patternProperties')}/${escapePointerToken(key)}`, message: problem });
    }
  }
  if ('format' in node && !(ALLOWED_FORMATS as readonly unknown[]).includes(node.format)) {
    problems.push({
      pointer: at('format'),
      message: `the format ${JSON.stringify(node.format)} is not one of the allowed formats (${ALLOWED_FORMATS.join(', ')})`,
    });
  }
  if (node.uniqueItems === true) {
    const maxItems = node.maxItems;
    if (typeof maxItems !== 'number' || maxItems > limits.maxUniqueItems) {
      problems.push({
        pointer: at('uniqueItems'),
        message: `"uniqueItems" needs "maxItems" of at most ${limits.maxUniqueItems} beside it (checking uniqueness is quadratic)`,
      });
    }
  }
}

function containsDataReference(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsDataReference);
  if (!isObject(value)) return false;
  return '$data' in value;
}

function patternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return 'a pattern must be a string';
  try {
    compileLinearRegExp(pattern);
    return null;
  } catch (error) {
    if (error instanceof PatternRefusedError) return error.reason;
    throw error;
  }
}

/**
 * Follows every reference from the root, depth first, counting visited subschemas; refuses
 * unresolvable and recursive references and stops once the count passes the limit. Memoised per
 * subschema, so the work is linear in the document even when the expanded size is not.
 */
function expandReferences(root: JsonObject, limit: number, checked: ReadonlySet<string>): SchemaProblem | null {
  const sizes = new Map<string, number>();
  const inProgress = new Set<string>();
  let failure: SchemaProblem | null = null;

  const sizeOf = (node: unknown, pointer: string): number => {
    if (failure) return 0;
    if (!isObject(node)) return 1;
    const known = sizes.get(pointer);
    if (known !== undefined) return known;
    inProgress.add(pointer);
    let size = 1;
    const add = (n: number): void => {
      size = Math.min(size + n, limit + 1);
    };
    if (typeof node.$ref === 'string') {
      const target = resolveLocalRef(root, node.$ref);
      const refAt = `${pointer}/$ref`;
      if (!target) {
        failure = { pointer: refAt, message: `the reference ${JSON.stringify(node.$ref)} does not resolve in this schema` };
        return 0;
      }
      if (isObject(target.node) && !checked.has(target.pointer)) {
        failure = { pointer: refAt, message: `the reference ${JSON.stringify(node.$ref)} points outside the schema's subschemas (into data such as const or default)` };
        return 0;
      }
      if (inProgress.has(target.pointer)) {
        failure = { pointer: refAt, message: `the reference ${JSON.stringify(node.$ref)} is recursive; recursive schemas are not allowed` };
        return 0;
      }
      add(sizeOf(target.node, target.pointer));
    }
    for (const [keyword, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointerToken(keyword)}`;
      if (keyword === '$defs') continue; // definitions count where they are used
      if (SCHEMA_KEYWORDS.has(keyword)) add(sizeOf(value, at));
      else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) {
        for (const [name, sub] of Object.entries(value)) add(sizeOf(sub, `${at}/${escapePointerToken(name)}`));
      } else if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) {
        value.forEach((sub, index) => add(sizeOf(sub, `${at}/${index}`)));
      }
    }
    inProgress.delete(pointer);
    sizes.set(pointer, size);
    if (size > limit && !failure) {
      failure = {
        pointer,
        message: `with its references followed the schema has more than ${limit} subschemas; simplify it or share fewer definitions`,
      };
    }
    return size;
  };

  sizeOf(root, '');
  // Definitions that nothing uses must still resolve and be finite.
  if (!failure && isObject(root.$defs)) {
    for (const [name, sub] of Object.entries(root.$defs)) sizeOf(sub, `/$defs/${escapePointerToken(name)}`);
  }
  return failure;
}

function resolveLocalRef(root: JsonObject, ref: string): { node: unknown; pointer: string } | null {
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return null;
  }
  const node = resolvePointer(root, fragment);
  return node === undefined ? null : { node, pointer: fragment };
}

/** The value at a JSON pointer (RFC 6901) in a document, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(token)) current = current[Number(token)];
    else if (isObject(current) && Object.prototype.hasOwnProperty.call(current, token)) current = current[token];
    else return undefined;
  }
  return current;
}
