/**
 * A small three-valued JSON Schema 2020-12 evaluator for single JSON values: valid, invalid (with the keyword
 * responsible), or undecided. The checker uses it where one side allows only finitely many values (`const`,
 * `enum`, `boolean`, `null`) and for disjointness proofs. It never guesses: anything it does not evaluate exactly
 * the way the registry's validator (ajv) does is undecided.
 */
import { RE2JS } from 're2js';
import {
  type JsonType, type SchemaObject, hasOwn, hasType, isPlainObject, jsonEqual, lowerBound, malformedKeyword, names,
  num, pointer, resolveRef, schemaList, schemaMap, str, typeOf, typeSet, upperBound,
} from './schema.js';
import { showValue, showValues, showTypes } from './wording.js';
import type { JsonSchema } from './types.js';

/** The outcome of evaluating one value against one schema. */
export type Verdict =
  | { valid: true }
  | { valid: false; pointer: string; keyword: string; reason: string }
  | { valid: undefined; pointer: string; reason: string };

const VALID: Verdict = { valid: true };
const MAX_DEPTH = 64;
const NUMERIC_FORMATS = new Set(['int32', 'int64', 'float', 'double']);

/**
 * Evaluates `value` against `schema`, a subschema of the document `root` found at pointer `at`.
 */
export function evaluate(value: unknown, schema: JsonSchema, root: JsonSchema, at: string, depth = 0): Verdict {
  if (schema === true) return VALID;
  if (schema === false) return { valid: false, pointer: at, keyword: 'false', reason: 'the schema there is false' };
  if (depth > MAX_DEPTH) return { valid: undefined, pointer: at, reason: 'the schema nests too deeply to evaluate' };
  const malformed = malformedKeyword(schema);
  if (malformed) return { valid: undefined, pointer: pointer(at, malformed.keyword), reason: malformed.problem };
  const verdicts = new Evaluation();
  const fail = (keyword: string, reason: string): void => verdicts.add({ valid: false, pointer: pointer(at, keyword), keyword, reason });
  const unknown = (keyword: string, reason: string): void => verdicts.add({ valid: undefined, pointer: pointer(at, keyword), reason });
  const child = (v: unknown, s: JsonSchema, ptr: string): Verdict => evaluate(v, s, root, ptr, depth + 1);
  const t = typeOf(value);

  if (schema['type'] !== undefined && ![...typeSet(schema)].some((declared) => hasType(value, declared))) {
    fail('type', `it is ${t === undefined ? 'not JSON' : article(t)}, not ${showTypes(typeSet(schema))}`);
  }
  if (hasOwn(schema, 'const') && !jsonEqual(value, schema['const'])) fail('const', `it is not ${showValue(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].some((option) => jsonEqual(option, value))) {
    fail('enum', `it is not one of ${showValues(schema['enum'])}`);
  }

  if (typeof value === 'number') {
    const low = lowerBound(schema);
    if (low && (low.exclusive ? value <= low.value : value < low.value)) {
      fail(low.keyword, low.exclusive ? `it is not greater than ${low.value}` : `it is below the minimum ${low.value}`);
    }
    const high = upperBound(schema);
    if (high && (high.exclusive ? value >= high.value : value > high.value)) {
      fail(high.keyword, high.exclusive ? `it is not less than ${high.value}` : `it is above the maximum ${high.value}`);
    }
    const k = num(schema, 'multipleOf');
    if (k !== undefined) {
      const quotient = value / k; // the registry's validator (ajv) decides multipleOf exactly this way
      if (quotient !== parseInt(String(quotient), 10)) fail('multipleOf', `it is not a multiple of ${k}`);
    }
  }

  if (typeof value === 'string') {
    const length = [...value].length;
    const min = num(schema, 'minLength');
    if (min !== undefined && length < min) fail('minLength', `it is shorter than ${min} characters`);
    const max = num(schema, 'maxLength');
    if (max !== undefined && length > max) fail('maxLength', `it is longer than ${max} characters`);
    const pattern = str(schema, 'pattern');
    if (pattern !== undefined) {
      const matched = matchPattern(pattern, value);
      if (matched === false) fail('pattern', `it does not match the pattern ${pattern}`);
      if (matched === undefined) unknown('pattern', `Plaza cannot evaluate the pattern ${pattern} on ${showValue(value)} exactly`);
    }
  }
  const format = str(schema, 'format');
  if (format !== undefined && (typeof value === 'string' || (typeof value === 'number' && NUMERIC_FORMATS.has(format)))) {
    unknown('format', `Plaza does not evaluate the format "${format}"`);
  }

  if (Array.isArray(value)) evaluateArray(value, schema, at, fail, unknown, verdicts, child);
  if (isPlainObject(value)) evaluateObject(value, schema, at, fail, unknown, verdicts, child);

  // Combinators and references.
  schemaList(schema, 'allOf').forEach((s, i) => verdicts.add(child(value, s, pointer(at, 'allOf', i))));
  if (Array.isArray(schema['anyOf'])) {
    const results = schemaList(schema, 'anyOf').map((s, i) => child(value, s, pointer(at, 'anyOf', i)));
    if (!results.some((r) => r.valid === true)) {
      if (results.every((r) => r.valid === false)) fail('anyOf', 'it matches none of the alternatives');
      else unknown('anyOf', 'Plaza cannot tell whether it matches one of the alternatives');
    }
  }
  if (Array.isArray(schema['oneOf'])) {
    const results = schemaList(schema, 'oneOf').map((s, i) => child(value, s, pointer(at, 'oneOf', i)));
    const matches = results.filter((r) => r.valid === true).length;
    const open = results.filter((r) => r.valid === undefined).length;
    if (matches > 1) fail('oneOf', `it matches ${matches} alternatives instead of exactly one`);
    else if (matches + open === 0) fail('oneOf', 'it matches none of the alternatives');
    else if (open > 0) unknown('oneOf', 'Plaza cannot tell whether it matches exactly one alternative');
  }
  if (hasOwn(schema, 'not')) {
    const inner = child(value, schema['not'] as JsonSchema, pointer(at, 'not'));
    if (inner.valid === true) fail('not', 'it matches the schema under `not`');
    else if (inner.valid === undefined) unknown('not', inner.reason);
  }
  if (hasOwn(schema, 'if')) {
    const condition = child(value, schema['if'] as JsonSchema, pointer(at, 'if'));
    const branch = (b: 'then' | 'else'): Verdict => (hasOwn(schema, b) ? child(value, schema[b] as JsonSchema, pointer(at, b)) : VALID);
    if (condition.valid === true) verdicts.add(branch('then'));
    else if (condition.valid === false) verdicts.add(branch('else'));
    else {
      const then = branch('then');
      const otherwise = branch('else');
      if (then.valid === false && otherwise.valid === false) verdicts.add(then);
      else if (then.valid !== true || otherwise.valid !== true) unknown('if', condition.reason);
    }
  }
  if (hasOwn(schema, '$ref')) {
    const target = resolveRef(schema['$ref'], root);
    if (target) verdicts.add(child(value, target.schema, target.pointer));
    else unknown('$ref', `Plaza does not follow the reference ${String(schema['$ref'])}`);
  }
  if (hasOwn(schema, '$dynamicRef')) unknown('$dynamicRef', 'Plaza does not follow dynamic references');
  return verdicts.result();
}

type Fail = (keyword: string, reason: string) => void;
type Child = (value: unknown, schema: JsonSchema, ptr: string) => Verdict;

function evaluateArray(value: unknown[], schema: SchemaObject, at: string, fail: Fail, unknown: Fail, verdicts: Evaluation, child: Child): void {
  const prefix = schemaList(schema, 'prefixItems');
  value.forEach((item, i) => {
    if (i < prefix.length) verdicts.add(child(item, prefix[i]!, pointer(at, 'prefixItems', i)));
    else if (hasOwn(schema, 'items')) verdicts.add(child(item, schema['items'] as JsonSchema, pointer(at, 'items')));
  });
  const min = num(schema, 'minItems');
  if (min !== undefined && value.length < min) fail('minItems', `it has fewer than ${min} items`);
  const max = num(schema, 'maxItems');
  if (max !== undefined && value.length > max) fail('maxItems', `it has more than ${max} items`);
  if (schema['uniqueItems'] === true && value.some((item, i) => value.slice(i + 1).some((other) => jsonEqual(item, other)))) {
    fail('uniqueItems', 'it repeats an item');
  }
  if (hasOwn(schema, 'contains')) {
    const results = value.map((item) => child(item, schema['contains'] as JsonSchema, pointer(at, 'contains')));
    const yes = results.filter((r) => r.valid === true).length;
    const open = results.filter((r) => r.valid === undefined).length;
    const low = num(schema, 'minContains') ?? 1;
    const high = num(schema, 'maxContains') ?? Infinity;
    if (yes + open < low || yes > high) fail('contains', `it does not contain between ${low} and ${high} matching items`);
    else if (open > 0 && (yes < low || yes + open > high)) unknown('contains', 'Plaza cannot tell how many items match `contains`');
  }
  if (hasOwn(schema, 'unevaluatedItems')) unknown('unevaluatedItems', 'Plaza does not evaluate unevaluatedItems');
}

function evaluateObject(value: SchemaObject, schema: SchemaObject, at: string, fail: Fail, unknown: Fail, verdicts: Evaluation, child: Child): void {
  const properties = schemaMap(schema, 'properties');
  const patterns = schemaMap(schema, 'patternProperties');
  for (const [name, member] of Object.entries(value)) {
    let declared = false;
    if (hasOwn(properties, name)) {
      declared = true;
      verdicts.add(child(member, properties[name]!, pointer(at, 'properties', name)));
    }
    let undecided = false;
    for (const [pattern, s] of Object.entries(patterns)) {
      const matched = matchPattern(pattern, name);
      if (matched === true) {
        declared = true;
        verdicts.add(child(member, s, pointer(at, 'patternProperties', pattern)));
      } else if (matched === undefined) undecided = true;
    }
    if (!declared && hasOwn(schema, 'additionalProperties')) {
      const verdict = child(member, schema['additionalProperties'] as JsonSchema, pointer(at, 'additionalProperties'));
      if (verdict.valid === false && undecided) unknown('patternProperties', `Plaza cannot tell whether \`${name}\` matches a pattern`);
      else if (verdict.valid === false && schema['additionalProperties'] === false) {
        fail('additionalProperties', `it has the property \`${name}\`, which is not allowed`);
      } else verdicts.add(verdict);
    }
    if (hasOwn(schema, 'propertyNames')) verdicts.add(child(name, schema['propertyNames'] as JsonSchema, pointer(at, 'propertyNames')));
  }
  for (const name of names(schema, 'required')) {
    if (!hasOwn(value, name)) fail('required', `it lacks the required property \`${name}\``);
  }
  const count = Object.keys(value).length;
  const min = num(schema, 'minProperties');
  if (min !== undefined && count < min) fail('minProperties', `it has fewer than ${min} properties`);
  const max = num(schema, 'maxProperties');
  if (max !== undefined && count > max) fail('maxProperties', `it has more than ${max} properties`);
  const dependentRequired = schema['dependentRequired'];
  if (isPlainObject(dependentRequired)) {
    for (const [name, needed] of Object.entries(dependentRequired)) {
      if (!hasOwn(value, name)) continue;
      const missing = (needed as string[]).find((n) => !hasOwn(value, n));
      if (missing !== undefined) fail('dependentRequired', `it has \`${name}\` without \`${missing}\``);
    }
  }
  for (const [name, s] of Object.entries(schemaMap(schema, 'dependentSchemas'))) {
    if (hasOwn(value, name)) verdicts.add(child(value, s, pointer(at, 'dependentSchemas', name)));
  }
  if (hasOwn(schema, 'unevaluatedProperties')) unknown('unevaluatedProperties', 'Plaza does not evaluate unevaluatedProperties');
}

/** Collects verdicts: the first invalid one wins, then the first undecided one. */
class Evaluation {
  private invalid: Verdict | undefined;
  private undecided: Verdict | undefined;
  add(verdict: Verdict): void {
    if (verdict.valid === false) this.invalid ??= verdict;
    else if (verdict.valid === undefined) this.undecided ??= verdict;
  }
  result(): Verdict {
    return this.invalid ?? this.undecided ?? VALID;
  }
}

function article(t: JsonType): string {
  return t === 'null' ? 'null' : t === 'integer' || t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`;
}

const compiled = new Map<string, RE2JS | null>();

/**
 * Whether `value` matches the ECMAScript pattern `pattern` (search semantics, as in JSON Schema), decided with the
 * linear-time RE2 engine; `undefined` when the answer could differ from ECMAScript's (a pattern RE2 or ECMAScript
 * cannot compile, or a value outside printable ASCII, where the engines' character classes and `.` differ).
 */
export function matchPattern(pattern: string, value: string): boolean | undefined {
  if (!/^[\x20-\x7e]*$/.test(value)) return undefined;
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      new RegExp(pattern, 'u'); // compiling is linear; only matching can blow up, and that runs on RE2
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re === null ? undefined : re.matcher(value).find();
}
