/**
 * Structural helpers over JSON Schema 2020-12 documents: keyword classes, type sets, equality modulo annotations,
 * local `$ref` resolution and a well-formedness check. Internal to the compatibility checker.
 */
import type { JsonSchema } from './types.js';

/** A schema object (not a boolean schema). */
export type SchemaObject = { readonly [keyword: string]: unknown };

/** The JSON types, with `integer` as a subset of `number`. */
export type JsonType = 'null' | 'boolean' | 'object' | 'array' | 'number' | 'integer' | 'string';
export const JSON_TYPES: readonly JsonType[] = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'];

/** Keywords that never change which instances are valid (annotations, identifiers, definitions). */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title', 'description', 'examples', '$comment', 'deprecated', 'default', 'readOnly', 'writeOnly',
  '$schema', '$id', '$anchor', '$dynamicAnchor', '$vocabulary', '$defs', 'definitions',
  'contentMediaType', 'contentEncoding', 'contentSchema',
]);

/** Keywords whose value is one subschema. */
export const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  'additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'propertyNames',
  'unevaluatedProperties', 'unevaluatedItems',
]);
/** Keywords whose value maps names to subschemas. */
export const SCHEMA_MAP_KEYWORDS: ReadonlySet<string> = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** Keywords whose value is an array of subschemas. */
export const SCHEMA_ARRAY_KEYWORDS: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

const NON_NEGATIVE_INTEGER = new Set([
  'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains',
]);
const NUMBER = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

/** Every keyword the checker knows; any other keyword makes a schema undecidable. */
export const KNOWN_KEYWORDS: ReadonlySet<string> = new Set([
  ...ANNOTATIONS, ...SCHEMA_KEYWORDS, ...SCHEMA_MAP_KEYWORDS, ...SCHEMA_ARRAY_KEYWORDS, ...NON_NEGATIVE_INTEGER, ...NUMBER,
  'type', 'enum', 'const', 'multipleOf', 'pattern', 'format', 'required', 'uniqueItems', 'dependentRequired',
  '$ref', '$dynamicRef',
]);

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'boolean' || isPlainObject(value);
}

export function isPlainObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** `true`, or an object with nothing but annotations: accepts every instance. */
export function isTrivial(schema: unknown): boolean {
  if (schema === true) return true;
  if (!isPlainObject(schema)) return false;
  return Object.keys(schema).every((key) => ANNOTATIONS.has(key));
}

/** The object form of a schema: `true` becomes `{}`. Callers handle `false` first. */
export function asObject(schema: JsonSchema): SchemaObject {
  return schema === true || schema === false ? {} : schema;
}

/** A copy of a schema object without some keywords. */
export function omit(schema: SchemaObject, ...keys: string[]): SchemaObject {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (!keys.includes(key)) out[key] = value;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Types

/** The declared types of a schema (all types when `type` is absent). */
export function typeSet(schema: SchemaObject): Set<JsonType> {
  const declared = schema['type'];
  if (declared === undefined) return new Set(JSON_TYPES);
  const list = Array.isArray(declared) ? declared : [declared];
  return new Set(list.filter((t): t is JsonType => JSON_TYPES.includes(t as JsonType)));
}

/** Whether a type set admits some values of type `t` (`number` and `integer` overlap). */
export function admits(types: ReadonlySet<JsonType>, t: JsonType): boolean {
  if (t === 'number' || t === 'integer') return types.has('number') || types.has('integer');
  return types.has(t);
}

/** Whether a type set admits every value of type `t`. */
export function covers(types: ReadonlySet<JsonType>, t: JsonType): boolean {
  return types.has(t) || (t === 'integer' && types.has('number'));
}

/** Types admitted by both sets, most precise form (`number` ∩ `integer` is `integer`). */
export function intersectTypes(a: ReadonlySet<JsonType>, b: ReadonlySet<JsonType>): Set<JsonType> {
  const out = new Set<JsonType>();
  for (const t of a) {
    if (b.has(t)) out.add(t);
    else if (t === 'number' && b.has('integer')) out.add('integer');
    else if (t === 'integer' && b.has('number')) out.add('integer');
  }
  if (out.has('number')) out.delete('integer');
  return out;
}

/** The JSON type of a JSON value (`integer` for integral numbers). */
export function typeOf(value: unknown): JsonType | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean': return 'boolean';
    case 'string': return 'string';
    case 'number': return Number.isFinite(value) ? (Number.isInteger(value) ? 'integer' : 'number') : undefined;
    case 'object': return Array.isArray(value) ? 'array' : 'object';
    default: return undefined;
  }
}

/** Whether a value has JSON type `t` (integral numbers are also `number`). */
export function hasType(value: unknown, t: JsonType): boolean {
  const actual = typeOf(value);
  return actual === t || (t === 'number' && actual === 'integer');
}

// ---------------------------------------------------------------------------------------------------------------
// Equality

/** Deep equality of JSON values (member order is irrelevant, as in JSON Schema's `enum` and `const`). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((key) => hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.every((x) => b.some((y) => jsonEqual(x, y))) && b.every((y) => a.some((x) => jsonEqual(x, y)));
}

/**
 * Whether two schemas are the same modulo annotations, member order, and the order of `type`, `required` and
 * `enum` lists. Says nothing about what a `$ref` points to: callers check {@link containsRef} first.
 */
export function schemaEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isTrivial(a) && isTrivial(b)) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (!isPlainObject(a) || !isPlainObject(b)) return jsonEqual(a, b);
  const memo = equalsMemo.get(a)?.get(b);
  if (memo !== undefined) return memo;
  const ka = Object.keys(a).filter((key) => !ANNOTATIONS.has(key));
  const kb = Object.keys(b).filter((key) => !ANNOTATIONS.has(key));
  const equal = ka.length === kb.length && ka.every((key) => hasOwn(b, key)) && ka.every((key) => keywordEquals(key, a[key], b[key]));
  let row = equalsMemo.get(a);
  if (!row) equalsMemo.set(a, (row = new WeakMap()));
  row.set(b, equal);
  return equal;
}

/** Schemas are compared many times over during one check: remember the answers (schemas are never mutated). */
const equalsMemo = new WeakMap<object, WeakMap<object, boolean>>();

function keywordEquals(key: string, a: unknown, b: unknown): boolean {
  if (SCHEMA_KEYWORDS.has(key)) return schemaEquals(a, b);
  if (SCHEMA_MAP_KEYWORDS.has(key)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return jsonEqual(a, b);
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && schemaEquals(a[k], b[k]));
  }
  if (SCHEMA_ARRAY_KEYWORDS.has(key)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return jsonEqual(a, b);
    return a.length === b.length && a.every((item, index) => schemaEquals(item, b[index]));
  }
  if (key === 'type' || key === 'required' || key === 'enum') {
    const la = Array.isArray(a) ? a : [a];
    const lb = Array.isArray(b) ? b : [b];
    return sameSet(la, lb);
  }
  return jsonEqual(a, b);
}

/** Calls `visit` on every direct subschema of a schema object (including `$defs` and `definitions`). */
export function forEachSubschema(schema: SchemaObject, visit: (child: JsonSchema) => void): void {
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_KEYWORDS.has(key)) {
      if (isSchema(value)) visit(value);
    } else if (SCHEMA_MAP_KEYWORDS.has(key) || key === '$defs' || key === 'definitions') {
      if (isPlainObject(value)) for (const child of Object.values(value)) if (isSchema(child)) visit(child);
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key)) {
      if (Array.isArray(value)) for (const child of value) if (isSchema(child)) visit(child);
    }
  }
}

const refCache = new WeakMap<object, boolean>();

/** Whether a schema uses `$ref` or `$dynamicRef` anywhere (whose targets equality cannot see). */
export function containsRef(schema: unknown): boolean {
  if (!isPlainObject(schema)) return false;
  const cached = refCache.get(schema);
  if (cached !== undefined) return cached;
  refCache.set(schema, false); // guards against cyclic objects
  let found = hasOwn(schema, '$ref') || hasOwn(schema, '$dynamicRef');
  if (!found) {
    forEachSubschema(schema, (child) => {
      if (!found && containsRef(child)) found = true;
    });
  }
  refCache.set(schema, found);
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Pointers and references

/** Appends reference tokens to a JSON pointer, escaping `~` and `/`. */
export function pointer(base: string, ...tokens: Array<string | number>): string {
  return base + tokens.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** The unescaped reference tokens of a JSON pointer. */
export function tokens(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const nestedIdCache = new WeakMap<object, boolean>();

function hasNestedId(root: SchemaObject): boolean {
  const cached = nestedIdCache.get(root);
  if (cached !== undefined) return cached;
  const seen = new Set<object>();
  let found = false;
  const visit = (node: JsonSchema): void => {
    if (found || !isPlainObject(node) || seen.has(node)) return;
    seen.add(node);
    if (node !== root && hasOwn(node, '$id')) found = true;
    else forEachSubschema(node, visit);
  };
  visit(root);
  nestedIdCache.set(root, found);
  return found;
}

/** A resolved reference: the target schema and its pointer in the root document. */
export interface Resolved {
  schema: JsonSchema;
  pointer: string;
}

/**
 * Resolves a `$ref` within its own document: `#`, `#/json/pointer`, or the same with the root's `$id` in front.
 * Anything else (another document, an anchor, a document with nested `$id`s that change the base URI) is
 * `undefined`: the checker does not follow it.
 */
export function resolveRef(ref: unknown, root: JsonSchema): Resolved | undefined {
  if (typeof ref !== 'string' || !isPlainObject(root) || hasNestedId(root)) return undefined;
  let fragment: string | undefined;
  const id = root['$id'];
  if (ref.startsWith('#')) fragment = ref.slice(1);
  else if (typeof id === 'string' && ref.startsWith(id.replace(/#$/, '') + '#')) fragment = ref.slice(id.replace(/#$/, '').length + 1);
  else if (typeof id === 'string' && ref === id) fragment = '';
  if (fragment === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
  if (decoded !== '' && !decoded.startsWith('/')) return undefined; // a plain-name fragment ($anchor)
  let node: unknown = root;
  for (const token of tokens(decoded)) {
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(token)) node = node[Number(token)];
    else if (isPlainObject(node) && hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return isSchema(node) ? { schema: node, pointer: decoded } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Well-formedness

/**
 * The first keyword of a schema object whose value is not of the form JSON Schema 2020-12 requires, or an unknown
 * keyword, with the problem; `undefined` when the object is well formed at its own level.
 */
export function malformedKeyword(schema: SchemaObject): { keyword: string; problem: string } | undefined {
  if (malformedMemo.has(schema)) return malformedMemo.get(schema);
  let found: { keyword: string; problem: string } | undefined;
  for (const [key, value] of Object.entries(schema)) {
    const problem = keywordProblem(key, value);
    if (problem !== undefined) {
      found = { keyword: key, problem };
      break;
    }
  }
  malformedMemo.set(schema, found);
  return found;
}

const malformedMemo = new WeakMap<object, { keyword: string; problem: string } | undefined>();

function keywordProblem(key: string, value: unknown): string | undefined {
  if (ANNOTATIONS.has(key)) return undefined;
  if (!KNOWN_KEYWORDS.has(key)) return `the keyword \`${key}\` is not one Plaza reasons about`;
  if (SCHEMA_KEYWORDS.has(key)) return isSchema(value) ? undefined : 'it must be a schema';
  if (SCHEMA_MAP_KEYWORDS.has(key)) {
    return isPlainObject(value) && Object.values(value).every(isSchema) ? undefined : 'it must map names to schemas';
  }
  if (SCHEMA_ARRAY_KEYWORDS.has(key)) {
    const ok = Array.isArray(value) && value.every(isSchema) && (key === 'prefixItems' || value.length > 0);
    return ok ? undefined : 'it must be a non-empty array of schemas';
  }
  if (NON_NEGATIVE_INTEGER.has(key)) {
    return Number.isInteger(value) && (value as number) >= 0 ? undefined : 'it must be a non-negative integer';
  }
  if (NUMBER.has(key)) return Number.isFinite(value) ? undefined : 'it must be a number';
  switch (key) {
    case 'type': {
      const list = Array.isArray(value) ? value : [value];
      const ok = list.length > 0 && list.every((t) => JSON_TYPES.includes(t as JsonType))
        && new Set(list).size === list.length;
      return ok ? undefined : 'it must name JSON types';
    }
    case 'enum': return Array.isArray(value) ? undefined : 'it must be an array';
    case 'const': return undefined;
    case 'multipleOf': return Number.isFinite(value) && (value as number) > 0 ? undefined : 'it must be a positive number';
    case 'pattern':
    case 'format':
    case '$ref':
    case '$dynamicRef':
      return typeof value === 'string' ? undefined : 'it must be a string';
    case 'required':
      return Array.isArray(value) && value.every((name) => typeof name === 'string') ? undefined : 'it must be an array of names';
    case 'uniqueItems': return typeof value === 'boolean' ? undefined : 'it must be a boolean';
    case 'dependentRequired':
      return isPlainObject(value) && Object.values(value).every((list) => Array.isArray(list) && list.every((n) => typeof n === 'string'))
        ? undefined : 'it must map names to arrays of names';
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Typed accessors (on well-formed schema objects)

export function num(schema: SchemaObject, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' ? value : undefined;
}

export function str(schema: SchemaObject, key: string): string | undefined {
  const value = schema[key];
  return typeof value === 'string' ? value : undefined;
}

export function names(schema: SchemaObject, key: string): string[] {
  const value = schema[key];
  return Array.isArray(value) ? (value as string[]) : [];
}

export function schemaMap(schema: SchemaObject, key: string): Record<string, JsonSchema> {
  const value = schema[key];
  return isPlainObject(value) ? (value as Record<string, JsonSchema>) : {};
}

export function schemaList(schema: SchemaObject, key: string): JsonSchema[] {
  const value = schema[key];
  return Array.isArray(value) ? (value as JsonSchema[]) : [];
}

/** The schema under a keyword, `true` when absent. */
export function sub(schema: SchemaObject, key: string): JsonSchema {
  const value = schema[key];
  return isSchema(value) ? value : true;
}

/** A numeric bound: `exclusive` when it comes from `exclusiveMinimum`/`exclusiveMaximum`. */
export interface Bound {
  value: number;
  exclusive: boolean;
  keyword: string;
}

/** The effective lower bound of a schema (the stricter of `minimum` and `exclusiveMinimum`). */
export function lowerBound(schema: SchemaObject): Bound | undefined {
  const min = num(schema, 'minimum');
  const xmin = num(schema, 'exclusiveMinimum');
  if (xmin !== undefined && (min === undefined || xmin >= min)) return { value: xmin, exclusive: true, keyword: 'exclusiveMinimum' };
  if (min !== undefined) return { value: min, exclusive: false, keyword: 'minimum' };
  return undefined;
}

/** The effective upper bound of a schema (the stricter of `maximum` and `exclusiveMaximum`). */
export function upperBound(schema: SchemaObject): Bound | undefined {
  const max = num(schema, 'maximum');
  const xmax = num(schema, 'exclusiveMaximum');
  if (xmax !== undefined && (max === undefined || xmax <= max)) return { value: xmax, exclusive: true, keyword: 'exclusiveMaximum' };
  if (max !== undefined) return { value: max, exclusive: false, keyword: 'maximum' };
  return undefined;
}
