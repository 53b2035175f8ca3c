/**
 * The core of the checker: a sound, conservative proof that every instance valid under one schema (`sub`) is valid
 * under another (`sup`), explaining each step it cannot take. Backward compatibility is `previous ⊆ next`, forward
 * compatibility is `next ⊆ previous`; the direction only changes how findings are named and worded.
 *
 * Soundness: when no finding is produced, inclusion holds. Findings are either proven counterexamples (a kind
 * such as `maximum-lowered`) or steps the checker cannot prove (`undecidable`, or `pattern-changed` /
 * `format-changed`, which compare patterns and formats by text).
 */
import { evaluate } from './evaluate.js';
import {
  type Bound, type JsonType, type SchemaObject, ANNOTATIONS, admits, asObject, containsRef, covers, hasOwn, hasType,
  intersectTypes, isPlainObject, isSchema, isTrivial, jsonEqual, lowerBound, malformedKeyword, names, num, omit,
  pointer, resolveRef, schemaEquals, schemaList, schemaMap, str, sub as subschema, typeSet, upperBound,
} from './schema.js';
import type { Direction, IncompatibilityKind, JsonSchema } from './types.js';
import {
  capitalize, objectSubject, place, pluralTypes, propertyPath, showTypes, showValue, showValues, subject,
} from './wording.js';

/** A finding before its direction is attached. */
export interface Finding {
  pointer: string;
  kind: IncompatibilityKind;
  message: string;
}

/** Options of the directed check. */
export interface SubsetOptions {
  /**
   * Skip subschemas that are equal modulo annotations (and use no `$ref`). Always sound; on by default. Tests turn
   * it off to exercise the structural rules.
   */
  shortcut?: boolean;
  /** The step limit (tests lower it); {@link MAX_STEPS} by default. */
  maxSteps?: number;
}

/**
 * Work limits: beyond them the comparison stops with a single `undecidable` finding. The step limit decides (so
 * the same schemas always get the same report, which proposals rely on to notice that a report changed); the
 * clock is only a safety net far above what the step limit allows.
 */
const MAX_STEPS = 25_000;
const MAX_MILLIS = 10_000;
const MAX_DEPTH = 96;
const NUMERIC_FORMATS = new Set(['int32', 'int64', 'float', 'double']);

interface Ctx {
  readonly dir: Direction;
  readonly subRoot: JsonSchema;
  readonly supRoot: JsonSchema;
  readonly shortcut: boolean;
  out: Finding[];
  steps: number;
  readonly deadline: number;
  readonly maxSteps: number;
  exhausted: boolean;
  depth: number;
  /** How many times the comparison went down into the instance (a property or an item). */
  descent: number;
  /** Pairs under comparison, for recursive schemas (assumed to hold once the instance got smaller). */
  readonly stack: Array<{ a: object; b: object; descent: number }>;
}

/**
 * Lists why some instance valid under `sub` might not be valid under `sup`; empty when every one is.
 * `dir` says which version is which: `backward` means `sub` is the previous schema and `sup` the next one.
 */
export function inclusionFindings(sub: JsonSchema, sup: JsonSchema, dir: Direction, options: SubsetOptions = {}): Finding[] {
  const cx: Ctx = {
    dir, subRoot: sub, supRoot: sup, shortcut: options.shortcut ?? true, out: [], steps: 0, depth: 0, descent: 0, stack: [],
    deadline: Date.now() + MAX_MILLIS, maxSteps: options.maxSteps ?? MAX_STEPS, exhausted: false,
  };
  check(sub, sup, '', cx);
  if (cx.exhausted) {
    cx.out = [];
    undecidable(cx, '', 'the schemas are too large or too intricate to compare within Plaza\'s limits');
  }
  const seen = new Set<string>();
  return cx.out.filter((f) => {
    const key = `${f.pointer}\u0000${f.kind}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Wording by direction

/** The kind for this direction: narrowing breaks backward, widening breaks forward. */
function pick(cx: Ctx, backward: IncompatibilityKind, forward: IncompatibilityKind): IncompatibilityKind {
  return cx.dir === 'backward' ? backward : forward;
}

/** The version whose instances are being checked (`sub`). */
function subSide(cx: Ctx): string {
  return cx.dir === 'backward' ? 'the earlier version' : 'this version';
}

/** The version whose constraints are being checked (`sup`). */
function supSide(cx: Ctx): string {
  return cx.dir === 'backward' ? 'this version' : 'the earlier version';
}

function claim(cx: Ctx): string {
  return cx.dir === 'backward'
    ? 'data written with the earlier version is valid under this version'
    : 'consumers still on the earlier version accept data written with this version';
}

function push(cx: Ctx, ptr: string, kind: IncompatibilityKind, message: string): void {
  cx.out.push({ pointer: ptr, kind, message });
}

function undecidable(cx: Ctx, ptr: string, reason: string): void {
  push(cx, ptr, 'undecidable', `${capitalize(reason)}, so it cannot be proven that ${claim(cx)}; this counts as incompatible.`);
}

/** Runs a step into a scratch list and returns what it found, leaving the context's findings untouched. */
function trial(cx: Ctx, step: () => void): Finding[] {
  const saved = cx.out;
  cx.out = [];
  try {
    step();
    return cx.out;
  } finally {
    cx.out = saved;
  }
}

function descend(cx: Ctx, step: () => void): void {
  cx.descent++;
  try {
    step();
  } finally {
    cx.descent--;
  }
}

/**
 * Message for a bound that became stricter (backward) or looser (forward). Bounds are predicates such as
 * "be at most 500" or "have at least 2 items"; `undefined` is no bound.
 */
function boundMessage(cx: Ctx, loc: string, subBound: string | undefined, supBound: string, consequence: { fewer: string; more: string }): string {
  const subj = capitalize(subject(loc));
  if (cx.dir === 'backward') {
    const before = subBound === undefined ? 'before, there was no such bound' : `before, it had to ${subBound}`;
    return `${subj} must now ${supBound}; ${before}: data written with the earlier version may ${consequence.fewer}.`;
  }
  const now = subBound === undefined ? 'no longer has this bound' : `must now ${subBound}`;
  return `${subj} ${now}; before, it had to ${supBound}: consumers still on the earlier version would reject ${consequence.more}.`;
}

/** "in the data", "in the property `a`": where a value sits. */
function within(loc: string): string {
  return `in ${subject(loc)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry for one pair of subschemas

function check(sub: JsonSchema, sup: JsonSchema, loc: string, cx: Ctx): void {
  if (sub === false || sup === true || isTrivial(sup)) return;
  if (cx.exhausted || ++cx.steps > cx.maxSteps || (cx.steps % 256 === 0 && Date.now() > cx.deadline)) {
    cx.exhausted = true;
    push(cx, loc, 'undecidable', 'limit'); // replaced by one explanation at the end
    return;
  }
  if (!isSchema(sub) || !isSchema(sup)) {
    undecidable(cx, loc, `${!isSchema(sub) ? subSide(cx) : supSide(cx)} has something other than a schema here`);
    return;
  }
  if (sup === false) {
    schemaBecameFalse(cx, loc);
    return;
  }
  const a = asObject(sub);
  const b = sup;
  for (const [node, side] of [[a, subSide(cx)], [b, supSide(cx)]] as const) {
    const bad = malformedKeyword(node);
    if (bad) {
      undecidable(cx, pointer(loc, bad.keyword), `in ${side}, ${bad.problem.replace(/^it /, `\`${bad.keyword}\` `)}`);
      return;
    }
  }
  if (cx.shortcut && !containsRef(a) && !containsRef(b) && schemaEquals(a, b)) return;
  const seen = cx.stack.find((entry) => entry.a === a && entry.b === b);
  if (seen) {
    if (seen.descent < cx.descent) return; // coinduction: a recursive schema, the instance got smaller meanwhile
    undecidable(cx, loc, 'the schemas refer to themselves without going deeper into the data');
    return;
  }
  if (cx.depth >= MAX_DEPTH) {
    undecidable(cx, loc, 'the schemas nest too deeply to compare');
    return;
  }
  cx.stack.push({ a, b, descent: cx.descent });
  cx.depth++;
  try {
    expandSub(a, b, loc, cx, []);
  } finally {
    cx.stack.pop();
    cx.depth--;
  }
}

/** A restriction of `sub` the checker set aside: ignoring it only enlarges `sub`, which keeps the proof sound. */
interface SetAside {
  ptr: string;
  what: string;
}

/** Takes `sub`'s references and combinators apart, then compares what is left. */
function expandSub(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx, aside: SetAside[]): void {
  if (hasOwn(a, '$ref')) {
    const rest = omit(a, '$ref');
    const target = resolveRef(a['$ref'], cx.subRoot);
    if (!target) {
      const what = `does not follow ${subSide(cx)}'s reference ${String(a['$ref'])}`;
      expandSub(rest, b, loc, cx, [...aside, { ptr: pointer(loc, '$ref'), what }]);
      return;
    }
    const merged = conjoin(rest, target.schema);
    if (merged !== undefined) check(merged, b, loc, cx);
    else either(cx, [target.schema, rest], b, loc, `a \`$ref\` with sibling keywords in ${subSide(cx)}`);
    return;
  }
  if (hasOwn(a, '$dynamicRef')) {
    const what = `does not follow ${subSide(cx)}'s dynamic reference`;
    expandSub(omit(a, '$dynamicRef'), b, loc, cx, [...aside, { ptr: pointer(loc, '$dynamicRef'), what }]);
    return;
  }
  if (hasOwn(a, 'allOf')) {
    const parts = schemaList(a, 'allOf');
    let merged: JsonSchema | undefined = omit(a, 'allOf');
    for (const part of parts) merged = merged === undefined ? undefined : conjoin(merged, part);
    if (merged !== undefined) check(merged, b, loc, cx);
    else either(cx, [...parts, omit(a, 'allOf')], b, loc, `the \`allOf\` in ${subSide(cx)}`);
    return;
  }
  for (const key of ['anyOf', 'oneOf']) {
    if (!hasOwn(a, key)) continue;
    // oneOf is treated as anyOf: forgetting exclusivity only enlarges sub.
    const rest = omit(a, key);
    for (const branch of schemaList(a, key)) {
      const merged = conjoin(rest, branch);
      if (merged !== undefined) check(merged, b, loc, cx);
      else either(cx, [branch, rest], b, loc, `an alternative of the \`${key}\` in ${subSide(cx)}`);
    }
    return;
  }
  if (isEmpty(a, cx.subRoot)) return; // sub allows nothing (for example a required property it forbids)
  const values = finiteValues(a, b, loc, cx);
  if (values !== undefined) {
    checkValues(values, b, loc, cx);
    return;
  }
  const setAside = [...aside, ...ignoredRestrictions(a, loc, cx)];
  if (setAside.length === 0) {
    compareUnits(a, b, loc, cx);
    return;
  }
  const found = trial(cx, () => compareUnits(a, b, loc, cx));
  for (const finding of found) {
    if (finding.kind === 'undecidable') {
      cx.out.push(finding);
      continue;
    }
    const why = setAside.map((s) => `it ${s.what} (at ${s.ptr || '/'}), which may already rule such data out`).join('; ');
    push(cx, finding.pointer, 'undecidable', `${finding.message} Plaza cannot be sure: ${why}.`);
  }
}

/** `sub`'s restrictions the unit comparison ignores (sound: ignoring a restriction of `sub` only enlarges it). */
function ignoredRestrictions(a: SchemaObject, loc: string, cx: Ctx): SetAside[] {
  const types = typeSet(a);
  const out: SetAside[] = [];
  const note = (key: string, applies: boolean): void => {
    if (applies && hasOwn(a, key)) out.push({ ptr: pointer(loc, key), what: `does not reason about ${subSide(cx)}'s \`${key}\`` });
  };
  note('not', true);
  note('if', true);
  note('dependentSchemas', types.has('object'));
  note('propertyNames', types.has('object'));
  note('unevaluatedProperties', types.has('object'));
  note('patternProperties', types.has('object') && isTrivial(subschema(a, 'additionalProperties')));
  note('contains', types.has('array'));
  note('unevaluatedItems', types.has('array'));
  return out;
}

/** Tries each option alone as `sub` (each is a superset of the real `sub`): one that fits is enough. */
function either(cx: Ctx, options: JsonSchema[], b: SchemaObject, loc: string, what: string): void {
  let best: Finding[] | undefined;
  for (const option of options) {
    const found = trial(cx, () => check(option, b, loc, cx));
    if (found.length === 0) return;
    if (best === undefined || found.length < best.length) best = found;
  }
  const closest = best?.[0] ? ` (closest: ${best[0].message})` : '';
  undecidable(cx, loc, `Plaza cannot combine the parts of ${what}, and none of them alone fits${closest}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Conjunction of two schema objects (for taking sub apart)

/** Keywords that only make sense together: two schemas may be merged only if at most one of them uses each group. */
const GROUPS: readonly (readonly string[])[] = [
  ['properties', 'patternProperties', 'additionalProperties'],
  ['prefixItems', 'items'],
  ['if', 'then', 'else'],
  ['contains', 'minContains', 'maxContains'],
];
const TAKE_MAX = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const TAKE_MIN = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);

/**
 * One schema object equivalent to `x ∧ y`, or `undefined` when the keywords interact in ways a merge would change
 * (two content models, two `$ref`s, `unevaluated*`).
 */
export function conjoin(x: JsonSchema, y: JsonSchema): JsonSchema | undefined {
  if (x === false || y === false) return false;
  if (isTrivial(x)) return y;
  if (isTrivial(y)) return x;
  const a = x as SchemaObject;
  const b = y as SchemaObject;
  for (const node of [a, b]) {
    if (hasOwn(node, 'unevaluatedProperties') || hasOwn(node, 'unevaluatedItems')) return undefined;
  }
  for (const group of GROUPS) {
    const inA = group.some((k) => hasOwn(a, k));
    const inB = group.some((k) => hasOwn(b, k));
    if (inA && inB && !group.every((k) => hasOwn(a, k) === hasOwn(b, k) && (!hasOwn(a, k) || schemaEquals(a[k], b[k])))) {
      return undefined;
    }
  }
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (ANNOTATIONS.has(key)) continue;
    if (!hasOwn(out, key)) {
      out[key] = value;
      continue;
    }
    const mine = out[key];
    if (schemaEquals({ [key]: mine }, { [key]: value })) continue;
    if (TAKE_MAX.has(key) && typeof mine === 'number' && typeof value === 'number') out[key] = Math.max(mine, value);
    else if (TAKE_MIN.has(key) && typeof mine === 'number' && typeof value === 'number') out[key] = Math.min(mine, value);
    else if (key === 'required') out[key] = [...new Set([...names(a, key), ...names(b, key)])];
    else if (key === 'allOf') out[key] = [...schemaList(a, key), ...schemaList(b, key)];
    else if (key === 'uniqueItems') out[key] = mine === true || value === true;
    else if (key === 'type') {
      const common = intersectTypes(typeSet(a), typeSet(b));
      if (common.size === 0) return false;
      out[key] = [...common];
    } else if (key === 'enum' && Array.isArray(mine) && Array.isArray(value)) {
      out[key] = mine.filter((m) => value.some((v) => jsonEqual(m, v)));
    } else if (key === 'const') return false; // two different constants: nothing satisfies both
    else return undefined;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Finite sub: compare value by value

const MAX_ENUMERATED_INTEGERS = 64;

/**
 * The values `sub` allows when it lists them (`const`, `enum`), or when `sup` lists values itself and `sub` only
 * allows `null`, booleans and a short range of integers.
 */
function finiteValues(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): unknown[] | undefined {
  let values: unknown[];
  const types = [...typeSet(a)];
  if (hasOwn(a, 'const')) values = [a['const']];
  else if (Array.isArray(a['enum'])) values = a['enum'];
  else if ((hasOwn(b, 'const') || hasOwn(b, 'enum')) && a['type'] !== undefined
    && types.every((t) => t === 'null' || t === 'boolean' || t === 'integer')) {
    values = [null, true, false].filter((v) => types.some((t) => hasType(v, t)));
    if (types.includes('integer')) {
      const low = lowerBound(a);
      const high = upperBound(a);
      if (!low || !high) return undefined;
      const from = integerLower(low);
      const to = integerUpper(high);
      if (to - from >= MAX_ENUMERATED_INTEGERS) return undefined;
      for (let i = from; i <= to; i++) values.push(i);
    }
  } else return undefined;
  return values.filter((v) => evaluate(v, a, cx.subRoot, loc).valid !== false);
}

const VALUE_KINDS: Record<string, [IncompatibilityKind, IncompatibilityKind]> = {
  type: ['type-narrowed', 'type-widened'],
  enum: ['enum-value-removed', 'enum-value-added'],
  const: ['const-changed', 'const-changed'],
  minimum: ['minimum-raised', 'minimum-lowered'],
  exclusiveMinimum: ['minimum-raised', 'minimum-lowered'],
  maximum: ['maximum-lowered', 'maximum-raised'],
  exclusiveMaximum: ['maximum-lowered', 'maximum-raised'],
  multipleOf: ['multipleOf-changed', 'multipleOf-changed'],
  minLength: ['minLength-raised', 'minLength-lowered'],
  maxLength: ['maxLength-lowered', 'maxLength-raised'],
  pattern: ['pattern-changed', 'pattern-changed'],
  minItems: ['minItems-raised', 'minItems-lowered'],
  maxItems: ['maxItems-lowered', 'maxItems-raised'],
  uniqueItems: ['uniqueItems-added', 'uniqueItems-removed'],
  required: ['required-added', 'required-removed'],
  additionalProperties: ['additional-properties-closed', 'additional-properties-opened'],
  minProperties: ['minProperties-raised', 'minProperties-lowered'],
  maxProperties: ['maxProperties-lowered', 'maxProperties-raised'],
  dependentRequired: ['dependentRequired-added', 'dependentRequired-removed'],
  false: ['schema-became-false', 'schema-was-false'],
};

function checkValues(values: unknown[], b: SchemaObject, loc: string, cx: Ctx): void {
  const rejected = new Map<string, { keyword: string; reason: string; values: unknown[] }>();
  for (const value of values) {
    const verdict = evaluate(value, b, cx.supRoot, loc);
    if (verdict.valid === true) continue;
    if (verdict.valid === undefined) {
      undecidable(cx, verdict.pointer, `Plaza cannot tell whether ${supSide(cx)} accepts the value ${showValue(value)} ${within(loc)}: ${verdict.reason}`);
      continue;
    }
    const entry = rejected.get(verdict.pointer) ?? { keyword: verdict.keyword, reason: verdict.reason, values: [] };
    entry.values.push(value);
    rejected.set(verdict.pointer, entry);
  }
  for (const [ptr, { keyword, reason, values: list }] of rejected) {
    const [backward, forward] = VALUE_KINDS[keyword] ?? ['enum-value-removed', 'enum-value-added'];
    const subj = capitalize(subject(loc));
    const shown = showValues(list, 'and');
    const plural = list.length > 1;
    let message: string;
    if (keyword === 'enum' && ptr === pointer(loc, 'enum')) {
      message = cx.dir === 'backward'
        ? `${subj} no longer allows ${shown}: data written with the earlier version may hold ${plural ? 'them' : 'it'}.`
        : `${subj} now also allows ${shown}: consumers still on the earlier version would reject ${plural ? 'them' : 'it'}.`;
    } else {
      const it = plural ? `the values ${shown}` : `the value ${shown}`;
      const are = plural ? 'are' : 'is';
      message = cx.dir === 'backward'
        ? `${subj}: ${it}, valid under the earlier version, ${are} rejected by this version (${reason}).`
        : `${subj}: ${it}, valid under this version, ${are} rejected by the earlier version (${reason}), so consumers still on it would reject such data.`;
    }
    push(cx, ptr, pick(cx, backward, forward), message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Unit by unit: every constraint of sup must hold for all of sub

function compareUnits(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): void {
  // References and combinators of sup.
  if (hasOwn(b, '$ref')) {
    const target = resolveRef(b['$ref'], cx.supRoot);
    if (target) check(a, target.schema, target.pointer, cx);
    else undecidable(cx, pointer(loc, '$ref'), `Plaza does not follow ${supSide(cx)}'s reference ${String(b['$ref'])}`);
  }
  if (hasOwn(b, '$dynamicRef')) undecidable(cx, pointer(loc, '$dynamicRef'), `Plaza does not follow ${supSide(cx)}'s dynamic reference`);
  schemaList(b, 'allOf').forEach((part, i) => check(a, part, pointer(loc, 'allOf', i), cx));
  if (hasOwn(b, 'anyOf')) alternatives(a, schemaList(b, 'anyOf'), loc, 'anyOf', cx);
  if (hasOwn(b, 'oneOf')) alternatives(a, schemaList(b, 'oneOf'), loc, 'oneOf', cx);
  if (hasOwn(b, 'not') && !disjoint(a, cx.subRoot, b['not'] as JsonSchema, cx.supRoot)) {
    undecidable(cx, pointer(loc, 'not'), `Plaza cannot prove that no value ${subSide(cx)} allows ${within(loc)} matches the \`not\` of ${supSide(cx)}`);
  }
  if (hasOwn(b, 'if')) conditional(a, b, loc, cx);

  // sub is not finite here (finite ones are compared value by value), so a `const` or `enum` in sup excludes some.
  const subj = capitalize(subject(loc));
  if (hasOwn(b, 'const')) {
    const value = showValue(b['const']);
    push(cx, pointer(loc, 'const'), 'const-changed', cx.dir === 'backward'
      ? `${subj} must now be exactly ${value}: data written with the earlier version may hold other values.`
      : `${subj} is no longer fixed to ${value}: consumers still on the earlier version would reject other values.`);
  }
  if (Array.isArray(b['enum'])) {
    const values = showValues(b['enum']);
    push(cx, pointer(loc, 'enum'), pick(cx, 'enum-value-removed', 'enum-value-added'), cx.dir === 'backward'
      ? `${subj} must now be one of ${values}: data written with the earlier version may hold other values.`
      : `${subj} is no longer restricted to ${values}: consumers still on the earlier version would reject other values.`);
  }

  const typesA = typeSet(a);
  const typesB = typeSet(b);
  if (b['type'] !== undefined) checkType(typesA, typesB, loc, cx);
  const common = intersectTypes(typesA, typesB);
  if (admits(common, 'number')) checkNumbers(a, b, loc, cx, typesA.has('integer') && !typesA.has('number'));
  if (common.has('string')) checkStrings(a, b, loc, cx);
  const format = str(b, 'format');
  if (format !== undefined && str(a, 'format') !== format && (common.has('string') || (admits(common, 'number') && NUMERIC_FORMATS.has(format)))) {
    checkFormat(str(a, 'format'), format, loc, cx);
  }
  if (common.has('array')) checkArrays(a, b, loc, cx);
  if (common.has('object')) checkObjects(a, b, loc, cx);
}

function checkType(typesA: Set<JsonType>, typesB: Set<JsonType>, loc: string, cx: Ctx): void {
  let missing = [...typesA].filter((t) => !covers(typesB, t));
  if (missing.includes('number')) missing = missing.filter((t) => t !== 'integer');
  if (missing.length === 0) return;
  const [prev, next] = cx.dir === 'backward' ? [typesA, typesB] : [typesB, typesA];
  const ptr = pointer(loc, 'type');
  const subj = capitalize(subject(loc));
  const was = `its type was ${showTypes(prev)} and is now ${showTypes(next)}`;
  if (intersectTypes(typesA, typesB).size === 0) {
    const kind = place(loc).role === 'property' ? 'property-type-changed' : 'type-changed';
    const tail = cx.dir === 'backward'
      ? 'data written with the earlier version is not valid under this version'
      : 'consumers still on the earlier version would reject data written with this version';
    push(cx, ptr, kind, `The type of ${subject(loc)} changed from ${showTypes(prev)} to ${showTypes(next)}: ${tail}.`);
    return;
  }
  const what = pluralTypes(missing, typesB.has('integer'));
  push(cx, ptr, pick(cx, 'type-narrowed', 'type-widened'), cx.dir === 'backward'
    ? `${subj} no longer accepts ${what} (${was}): data written with the earlier version may hold such values.`
    : `${subj} now also accepts ${what} (${was}): consumers still on the earlier version would reject such values.`);
}

// Numbers -------------------------------------------------------------------------------------------------------

function integerLower(bound: Bound): number {
  return bound.exclusive ? Math.floor(bound.value) + 1 : Math.ceil(bound.value);
}

function integerUpper(bound: Bound): number {
  return bound.exclusive ? Math.ceil(bound.value) - 1 : Math.floor(bound.value);
}

/** Whether lower bound `x` (of sub) guarantees lower bound `y` (of sup). */
function lowerImplies(x: Bound | undefined, y: Bound, integers: boolean): boolean {
  if (x === undefined) return false;
  if (integers) return integerLower(x) >= integerLower(y);
  return x.value > y.value || (x.value === y.value && (x.exclusive || !y.exclusive));
}

function upperImplies(x: Bound | undefined, y: Bound, integers: boolean): boolean {
  if (x === undefined) return false;
  if (integers) return integerUpper(x) <= integerUpper(y);
  return x.value < y.value || (x.value === y.value && (x.exclusive || !y.exclusive));
}

function showLower(bound: Bound | undefined): string | undefined {
  return bound === undefined ? undefined : bound.exclusive ? `be greater than ${bound.value}` : `be at least ${bound.value}`;
}

function showUpper(bound: Bound | undefined): string | undefined {
  return bound === undefined ? undefined : bound.exclusive ? `be less than ${bound.value}` : `be at most ${bound.value}`;
}

function checkNumbers(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx, integers: boolean): void {
  const low = lowerBound(b);
  if (low && !lowerImplies(lowerBound(a), low, integers)) {
    push(cx, pointer(loc, low.keyword), pick(cx, 'minimum-raised', 'minimum-lowered'),
      boundMessage(cx, loc, showLower(lowerBound(a)), showLower(low)!, { fewer: 'hold smaller values', more: 'smaller values' }));
  }
  const high = upperBound(b);
  if (high && !upperImplies(upperBound(a), high, integers)) {
    push(cx, pointer(loc, high.keyword), pick(cx, 'maximum-lowered', 'maximum-raised'),
      boundMessage(cx, loc, showUpper(upperBound(a)), showUpper(high)!, { fewer: 'hold larger values', more: 'larger values' }));
  }
  const k = num(b, 'multipleOf');
  if (k !== undefined) {
    const j = num(a, 'multipleOf');
    // Exact only for integers: the validator divides in floating point.
    const ok = j === k || (j !== undefined && Number.isInteger(j) && Number.isInteger(k) && j % k === 0) || (k === 1 && integers);
    if (!ok) {
      push(cx, pointer(loc, 'multipleOf'), 'multipleOf-changed',
        boundMessage(cx, loc, j === undefined ? undefined : `be a multiple of ${j}`, `be a multiple of ${k}`, {
          fewer: 'hold other numbers', more: `numbers that are not multiples of ${k}`,
        }));
    }
  }
}

// Strings -------------------------------------------------------------------------------------------------------

function checkStrings(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): void {
  const chars = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${n} character${n === 1 ? '' : 's'} long`);
  const min = num(b, 'minLength');
  if (min !== undefined && min > 0 && (num(a, 'minLength') ?? 0) < min) {
    const mine = num(a, 'minLength');
    push(cx, pointer(loc, 'minLength'), pick(cx, 'minLength-raised', 'minLength-lowered'),
      boundMessage(cx, loc, mine ? `be at least ${chars(mine)}` : undefined, `be at least ${chars(min)}`, { fewer: 'hold shorter strings', more: 'shorter strings' }));
  }
  const max = num(b, 'maxLength');
  const mineMax = num(a, 'maxLength');
  if (max !== undefined && (mineMax === undefined || mineMax > max)) {
    push(cx, pointer(loc, 'maxLength'), pick(cx, 'maxLength-lowered', 'maxLength-raised'),
      boundMessage(cx, loc, mineMax === undefined ? undefined : `be at most ${chars(mineMax)}`, `be at most ${chars(max)}`, {
        fewer: 'hold longer strings', more: 'longer strings',
      }));
  }
  const pattern = str(b, 'pattern');
  const mine = str(a, 'pattern');
  if (pattern !== undefined && pattern !== mine && !universalPattern(pattern)) {
    const subj = capitalize(subject(loc));
    push(cx, pointer(loc, 'pattern'), 'pattern-changed', cx.dir === 'backward'
      ? `${subj} must now match the pattern ${pattern}${mine === undefined ? '' : ` instead of ${mine}`}; Plaza does not compare patterns, so it cannot prove that every string the earlier version accepted matches, and data written with the earlier version may not be valid.`
      : `${subj} ${mine === undefined ? `no longer has to match the pattern ${pattern}` : `now follows the pattern ${mine} instead of ${pattern}`}; Plaza does not compare patterns, so it cannot prove that consumers still on the earlier version accept every string this version allows.`);
  }
}

/** Patterns every string matches (search semantics). */
function universalPattern(pattern: string): boolean {
  return pattern === '' || pattern === '.*' || pattern === '(?:)';
}

function checkFormat(mine: string | undefined, format: string, loc: string, cx: Ctx): void {
  const subj = capitalize(subject(loc));
  push(cx, pointer(loc, 'format'), 'format-changed', cx.dir === 'backward'
    ? `${subj} must now have the format "${format}"${mine === undefined ? '' : ` instead of "${mine}"`}: data written with the earlier version may not.`
    : `${subj} ${mine === undefined ? `no longer has to have the format "${format}"` : `now has the format "${mine}" instead of "${format}"`}: consumers still on the earlier version may reject such values.`);
}

// Arrays --------------------------------------------------------------------------------------------------------

function checkArrays(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): void {
  const prefixA = schemaList(a, 'prefixItems');
  const prefixB = schemaList(b, 'prefixItems');
  const itemsA = subschema(a, 'items');
  const itemsB = subschema(b, 'items');
  const maxA = num(a, 'maxItems');
  const closedAt = (ptr: string, count: number): void => {
    const subj = capitalize(subject(loc));
    push(cx, ptr, 'items-changed', cx.dir === 'backward'
      ? `${subj} now allows at most ${count} item${count === 1 ? '' : 's'}: data written with the earlier version may have more.`
      : `${subj} now allows more than ${count} item${count === 1 ? '' : 's'}: consumers still on the earlier version would reject such arrays.`);
  };
  const positions = Math.max(prefixA.length, prefixB.length);
  let tail = true;
  for (let i = 0; i < positions; i++) {
    const itemA = i < prefixA.length ? prefixA[i]! : itemsA;
    if ((maxA !== undefined && i >= maxA) || itemA === false) {
      tail = false;
      break;
    }
    const itemB = i < prefixB.length ? prefixB[i]! : itemsB;
    const ptr = i < prefixB.length ? pointer(loc, 'prefixItems', i) : pointer(loc, 'items');
    if (itemB === false) {
      closedAt(ptr, i);
      tail = false;
      break;
    }
    descend(cx, () => check(itemA, itemB, ptr, cx));
  }
  if (tail && (maxA === undefined || maxA > positions) && itemsA !== false) {
    if (itemsB === false) closedAt(pointer(loc, 'items'), positions);
    else descend(cx, () => check(itemsA, itemsB, pointer(loc, 'items'), cx));
  }

  const items = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${n} item${n === 1 ? '' : 's'}`);
  const minB = num(b, 'minItems');
  const minA = num(a, 'minItems');
  if (minB !== undefined && minB > 0 && (minA ?? 0) < minB) {
    push(cx, pointer(loc, 'minItems'), pick(cx, 'minItems-raised', 'minItems-lowered'),
      boundMessage(cx, loc, minA ? `have at least ${items(minA)}` : undefined, `have at least ${items(minB)}`, { fewer: 'hold fewer items', more: 'arrays with fewer items' }));
  }
  const maxB = num(b, 'maxItems');
  const effectiveMaxA = maxA ?? (itemsA === false ? prefixA.length : undefined);
  if (maxB !== undefined && (effectiveMaxA === undefined || effectiveMaxA > maxB)) {
    push(cx, pointer(loc, 'maxItems'), pick(cx, 'maxItems-lowered', 'maxItems-raised'),
      boundMessage(cx, loc, effectiveMaxA === undefined ? undefined : `have at most ${items(effectiveMaxA)}`, `have at most ${items(maxB)}`, {
        fewer: 'hold more items', more: 'arrays with more items',
      }));
  }
  if (b['uniqueItems'] === true && a['uniqueItems'] !== true && !(effectiveMaxA !== undefined && effectiveMaxA <= 1)) {
    const subj = capitalize(subject(loc));
    push(cx, pointer(loc, 'uniqueItems'), pick(cx, 'uniqueItems-added', 'uniqueItems-removed'), cx.dir === 'backward'
      ? `${subj} must now hold unique items: data written with the earlier version may repeat items.`
      : `${subj} may now repeat items: consumers still on the earlier version, which requires unique items, would reject such arrays.`);
  }
  if (hasOwn(b, 'contains')) {
    const same = ['contains', 'minContains', 'maxContains'].every((k) => hasOwn(a, k) === hasOwn(b, k) && (!hasOwn(a, k) || schemaEquals(a[k], b[k])))
      && !containsRef(a['contains']) && !containsRef(b['contains']);
    if (!same) undecidable(cx, pointer(loc, 'contains'), `Plaza does not reason about ${supSide(cx)}'s \`contains\` unless the other version has the same`);
  }
  if (hasOwn(b, 'unevaluatedItems')) undecidable(cx, pointer(loc, 'unevaluatedItems'), `Plaza does not reason about ${supSide(cx)}'s \`unevaluatedItems\``);
}

// Objects: the content model ------------------------------------------------------------------------------------

/**
 * Objects. A property name `n` of a `sub` instance takes its value from `sub.properties[n]` when declared, otherwise
 * from `sub.additionalProperties` (`true` when absent: an open model), and the same for `sup`. Inclusion holds when,
 * for every name `sub` allows, `sub`'s schema for it is included in `sup`'s; for undeclared names that is
 * `sub.additionalProperties ⊆ sup.additionalProperties`. So:
 * - a property declared only by `sup`, where `sub` is open: `sub` allows that name with any value, so `sup` must not
 *   constrain it (`property-added-to-open-model` / `property-removed-from-open-model`);
 * - a property declared only by `sub`, where `sup` is closed: `sup` rejects the name outright
 *   (`property-removed-from-closed-model` / `property-added-to-closed-model`);
 * - `sub` open and `sup` closed: `additional-properties-closed` / `additional-properties-opened`.
 */
function checkObjects(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): void {
  const propsA = schemaMap(a, 'properties');
  const propsB = schemaMap(b, 'properties');
  const addA = subschema(a, 'additionalProperties');
  const addB = subschema(b, 'additionalProperties');
  const patternsA = hasOwn(a, 'patternProperties');
  const patternsB = hasOwn(b, 'patternProperties');
  const schemaA = (name: string): JsonSchema => (hasOwn(propsA, name) ? propsA[name]! : addA);

  if (patternsB) {
    undecidable(cx, pointer(loc, 'patternProperties'), `Plaza does not reason about ${supSide(cx)}'s \`patternProperties\`, so it cannot tell which properties they constrain`);
  } else if (patternsA && !isTrivial(addA)) {
    undecidable(cx, pointer(loc, 'patternProperties'), `Plaza does not reason about ${subSide(cx)}'s \`patternProperties\` next to \`additionalProperties\``);
  } else {
    const all = [...new Set([...Object.keys(propsA), ...Object.keys(propsB)])];
    for (const name of all) {
      const inA = hasOwn(propsA, name);
      const inB = hasOwn(propsB, name);
      const itemA = schemaA(name);
      const itemB = inB ? propsB[name]! : addB;
      if (itemA === false) continue; // sub's objects never have this property
      const ptr = pointer(loc, 'properties', name);
      const path = propertyPath(loc, name);
      if (inB && !inA && isTrivial(itemA)) {
        const found = trial(cx, () => descend(cx, () => check(true, itemB, ptr, cx)));
        if (found.length === 0) continue;
        if (found.every((f) => f.kind === 'undecidable')) {
          cx.out.push(...found);
          continue;
        }
        push(cx, ptr, pick(cx, 'property-added-to-open-model', 'property-removed-from-open-model'), cx.dir === 'backward'
          ? `The property \`${path}\` was added with constraints, but the earlier version allowed undeclared properties with any value: data written with it may already have \`${path}\` with a value this version rejects. (A version that declares additionalProperties: false lets later minor versions add optional properties.)`
          : `The property \`${path}\` was removed, but this version still allows undeclared properties with any value: data written with it may have \`${path}\` with a value that consumers still on the earlier version reject.`);
        continue;
      }
      if (itemB === false) {
        if (!inB) {
          push(cx, ptr, pick(cx, 'property-removed-from-closed-model', 'property-added-to-closed-model'), cx.dir === 'backward'
            ? `The property \`${path}\` was removed while undeclared properties are not allowed: data written with the earlier version that has \`${path}\` is rejected by this version.`
            : `The property \`${path}\` was added, but the earlier version does not allow undeclared properties: consumers still on it would reject data that has \`${path}\`.`);
        } else {
          push(cx, ptr, pick(cx, 'schema-became-false', 'schema-was-false'), cx.dir === 'backward'
            ? `The property \`${path}\` is now forbidden (its schema is false): data written with the earlier version may have it.`
            : `The property \`${path}\` was forbidden by the earlier version (its schema was false) and is now allowed: consumers still on it would reject data that has it.`);
        }
        continue;
      }
      descend(cx, () => check(itemA, itemB, ptr, cx));
    }
    if (addA !== false) {
      const ptr = pointer(loc, 'additionalProperties');
      if (addB === false) {
        const subj = capitalize(objectSubject(loc));
        push(cx, ptr, pick(cx, 'additional-properties-closed', 'additional-properties-opened'), cx.dir === 'backward'
          ? `${subj} no longer allows undeclared properties (additionalProperties is now false): data written with the earlier version may carry properties this version does not declare.`
          : `${subj} now allows undeclared properties: consumers still on the earlier version, which does not, would reject data that carries them.`);
      } else descend(cx, () => check(addA, addB, ptr, cx));
    }
  }

  const requiredA = new Set(names(a, 'required'));
  names(b, 'required').forEach((name, i) => {
    if (requiredA.has(name)) return;
    const path = propertyPath(loc, name);
    const ptr = pointer(loc, 'required', i);
    if (cx.dir === 'forward') {
      push(cx, ptr, 'required-removed', hasOwn(propsA, name) || patternsA
        ? `The property \`${path}\` is no longer required: data written with this version may lack it, and consumers still on the earlier version require it.`
        : `The required property \`${path}\` was removed: data written with this version may lack it, and consumers still on the earlier version require it.`);
    } else if (hasOwn(propsA, name)) {
      push(cx, ptr, 'property-became-required', `The property \`${path}\` became required: data written before this version may lack it.`);
    } else {
      push(cx, ptr, 'required-added', `The new property \`${path}\` is required: data written before this version may lack it.`);
    }
  });

  const props = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${n} propert${n === 1 ? 'y' : 'ies'}`);
  const minB = num(b, 'minProperties');
  const minA = Math.max(num(a, 'minProperties') ?? 0, requiredA.size);
  if (minB !== undefined && minA < minB) {
    push(cx, pointer(loc, 'minProperties'), pick(cx, 'minProperties-raised', 'minProperties-lowered'),
      boundMessage(cx, loc, minA > 0 ? `have at least ${props(minA)}` : undefined, `have at least ${props(minB)}`, { fewer: 'have fewer properties', more: 'objects with fewer properties' }));
  }
  const maxB = num(b, 'maxProperties');
  const declaredA = Object.values(propsA).filter((s) => s !== false).length;
  const maxA = num(a, 'maxProperties') ?? (addA === false && !patternsA ? declaredA : undefined);
  if (maxB !== undefined && (maxA === undefined || maxA > maxB)) {
    push(cx, pointer(loc, 'maxProperties'), pick(cx, 'maxProperties-lowered', 'maxProperties-raised'),
      boundMessage(cx, loc, maxA === undefined ? undefined : `have at most ${props(maxA)}`, `have at most ${props(maxB)}`, { fewer: 'have more properties', more: 'objects with more properties' }));
  }

  const dependentA = isPlainObject(a['dependentRequired']) ? (a['dependentRequired'] as Record<string, string[]>) : {};
  const dependentB = isPlainObject(b['dependentRequired']) ? (b['dependentRequired'] as Record<string, string[]>) : {};
  for (const [name, needed] of Object.entries(dependentB)) {
    if (schemaA(name) === false && !patternsA) continue;
    for (const need of needed) {
      if (requiredA.has(need) || (dependentA[name] ?? []).includes(need)) continue;
      const path = propertyPath(loc, name);
      push(cx, pointer(loc, 'dependentRequired', name), pick(cx, 'dependentRequired-added', 'dependentRequired-removed'), cx.dir === 'backward'
        ? `The property \`${path}\` now requires \`${need}\` beside it: data written with the earlier version may have \`${name}\` without \`${need}\`.`
        : `The property \`${path}\` no longer requires \`${need}\` beside it: consumers still on the earlier version would reject data that has \`${name}\` without \`${need}\`.`);
    }
  }
  for (const [name, dependent] of Object.entries(schemaMap(b, 'dependentSchemas'))) {
    if (schemaA(name) === false && !patternsA) continue;
    const mine = schemaMap(a, 'dependentSchemas')[name];
    if (mine !== undefined && !containsRef(mine) && !containsRef(dependent) && schemaEquals(mine, dependent)) continue;
    undecidable(cx, pointer(loc, 'dependentSchemas', name), `Plaza does not reason about ${supSide(cx)}'s \`dependentSchemas\` unless the other version has the same`);
  }
  if (hasOwn(b, 'propertyNames')) checkPropertyNames(a, b, loc, cx, addA === false && !patternsA ? Object.keys(propsA).filter((n) => propsA[n] !== false) : undefined);
  if (hasOwn(b, 'unevaluatedProperties')) {
    undecidable(cx, pointer(loc, 'unevaluatedProperties'), `Plaza does not reason about ${supSide(cx)}'s \`unevaluatedProperties\``);
  }
}

function checkPropertyNames(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx, closedNames: string[] | undefined): void {
  const rule = b['propertyNames'] as JsonSchema;
  if (hasOwn(a, 'propertyNames') && !containsRef(a['propertyNames']) && !containsRef(rule) && schemaEquals(a['propertyNames'], rule)) return;
  if (closedNames !== undefined) {
    const verdicts = closedNames.map((n) => ({ n, v: evaluate(n, rule, cx.supRoot, pointer(loc, 'propertyNames')) }));
    if (verdicts.every(({ v }) => v.valid === true)) return;
    const bad = verdicts.find(({ v }) => v.valid === false);
    if (bad) {
      const path = propertyPath(loc, bad.n);
      push(cx, pointer(loc, 'propertyNames'), pick(cx, 'schema-became-false', 'schema-was-false'), cx.dir === 'backward'
        ? `The property name \`${path}\` is no longer allowed by \`propertyNames\`: data written with the earlier version may have it.`
        : `The property name \`${path}\` is allowed by this version but not by the earlier version's \`propertyNames\`: consumers still on it would reject data that has it.`);
      return;
    }
  }
  undecidable(cx, pointer(loc, 'propertyNames'), `Plaza cannot prove that every property name ${subSide(cx)} allows satisfies ${supSide(cx)}'s \`propertyNames\``);
}

// Combinators of sup --------------------------------------------------------------------------------------------

/**
 * `anyOf` / `oneOf` in sup. `sub` (or each of its types in turn) must fit one alternative; for `oneOf` the others
 * must be provably disjoint from it. When exactly one alternative can overlap a piece of `sub`, that alternative
 * alone decides it, and its findings are exact.
 */
function alternatives(a: SchemaObject, branches: JsonSchema[], loc: string, keyword: 'anyOf' | 'oneOf', cx: Ctx): void {
  const at = pointer(loc, keyword);
  const attempt = (x: SchemaObject): { ok: true } | { ok: false; candidates: number[]; found: Finding[][] } => {
    const candidates = branches.map((_, i) => i).filter((i) => !disjoint(x, cx.subRoot, branches[i]!, cx.supRoot));
    const found: Finding[][] = [];
    if (keyword === 'oneOf' && candidates.length > 1) return { ok: false, candidates, found };
    for (const i of candidates) {
      const result = trial(cx, () => check(x, branches[i]!, pointer(at, i), cx));
      if (result.length === 0) return { ok: true };
      found.push(result);
    }
    return { ok: false, candidates, found };
  };
  const whole = attempt(a);
  if (whole.ok) return;
  const types = [...typeSet(a)].filter((t, _, all) => !(t === 'integer' && all.includes('number')));
  const pieces: Array<{ x: SchemaObject; types: JsonType[] }> = types.length > 1
    ? types.map((t) => ({ x: { ...a, type: t }, types: [t] }))
    : [{ x: a, types }];
  for (const piece of pieces) {
    const result = pieces.length === 1 ? whole : attempt(piece.x);
    if (result.ok || (pieces.length > 1 && isEmpty(piece.x, cx.subRoot))) continue;
    const subj = capitalize(subject(loc));
    if (result.candidates.length === 0) {
      // Every alternative is disjoint from this piece of sub, so none accepts its values: explain with the
      // alternative of the same type that comes closest, or say that no alternative accepts the type at all.
      const typed = branches.map((_, i) => i).filter((i) => {
        const branch = branches[i]!;
        return branch !== false && intersectTypes(typeSet(piece.x), typeSet(asObject(branch))).size > 0;
      });
      if (typed.length > 0) {
        const explanations = typed.map((i) => trial(cx, () => check(piece.x, branches[i]!, pointer(at, i), cx)));
        const closest = explanations.reduce((x, y) => (y.length > 0 && (x.length === 0 || y.length < x.length) ? y : x));
        if (closest.length > 0) {
          cx.out.push(...closest);
          continue;
        }
      }
      const what = pluralTypes(piece.types);
      push(cx, at, pick(cx, 'type-narrowed', 'type-widened'), cx.dir === 'backward'
        ? `${subj} no longer accepts ${what}: none of the alternatives of \`${keyword}\` does, and data written with the earlier version may hold such values.`
        : `${subj} now also accepts ${what}: none of the alternatives of the earlier version's \`${keyword}\` does, so consumers still on it would reject such values.`);
    } else if (result.candidates.length === 1 && result.found.length === 1) {
      cx.out.push(...result.found[0]!);
    } else {
      const best = result.found.reduce<Finding[] | undefined>((x, y) => (x === undefined || y.length < x.length ? y : x), undefined);
      const closest = best?.[0] ? ` (closest: ${best[0].message})` : '';
      const exactly = keyword === 'oneOf' ? 'exactly one' : 'one';
      undecidable(cx, at, `Plaza cannot prove that every ${piece.types.length === 1 ? pluralTypes(piece.types).replace(/s$/, '') : 'value'} ${subSide(cx)} allows ${within(loc)} matches ${exactly} of the alternatives of ${supSide(cx)}'s \`${keyword}\`${closest}`);
    }
  }
}

function conditional(a: SchemaObject, b: SchemaObject, loc: string, cx: Ctx): void {
  const condition = b['if'] as JsonSchema;
  const fits = (key: string): boolean => !hasOwn(b, key) || trial(cx, () => check(a, b[key] as JsonSchema, pointer(loc, key), cx)).length === 0;
  const thenFits = fits('then');
  const elseFits = fits('else');
  if (thenFits && elseFits) return;
  if (thenFits && trial(cx, () => check(a, condition, pointer(loc, 'if'), cx)).length === 0) return;
  if (elseFits && disjoint(a, cx.subRoot, condition, cx.supRoot)) return;
  undecidable(cx, pointer(loc, 'if'), `Plaza cannot prove that every value ${subSide(cx)} allows ${within(loc)} satisfies ${supSide(cx)}'s if/then/else`);
}

function schemaBecameFalse(cx: Ctx, loc: string): void {
  const subj = capitalize(subject(loc));
  push(cx, loc, pick(cx, 'schema-became-false', 'schema-was-false'), cx.dir === 'backward'
    ? `${subj} is now forbidden (its schema is false): data written with the earlier version may have it.`
    : `${subj} was forbidden by the earlier version (its schema was false) and is now allowed: consumers still on it would reject data that has it.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Disjointness (sufficient conditions only)

const emptiness = new WeakMap<object, boolean>();

/** Whether a schema provably allows nothing (it is disjoint from itself). */
function isEmpty(a: SchemaObject, root: JsonSchema): boolean {
  if (containsRef(a)) return disjoint(a, root, a, root);
  let empty = emptiness.get(a);
  if (empty === undefined) {
    empty = disjoint(a, root, a, root);
    emptiness.set(a, empty);
  }
  return empty;
}

/** Whether no instance is valid under both `x` (of document `xRoot`) and `y` (of `yRoot`); `false` when unproven. */
export function disjoint(x: JsonSchema, xRoot: JsonSchema, y: JsonSchema, yRoot: JsonSchema, depth = 0): boolean {
  if (x === false || y === false) return true;
  if (depth > 16 || isTrivial(x) || isTrivial(y) || !isPlainObject(x) || !isPlainObject(y)) return false;
  if (malformedKeyword(x) || malformedKeyword(y)) return false;
  if (disjointByStructure(x, xRoot, y, yRoot, depth) || disjointByStructure(y, yRoot, x, xRoot, depth)) return true;
  const common = intersectTypes(typeSet(x), typeSet(y));
  if (common.size === 0) return true;
  for (const [s, other, otherRoot] of [[x, y, yRoot], [y, x, xRoot]] as const) {
    const values = hasOwn(s, 'const') ? [s['const']] : Array.isArray(s['enum']) ? s['enum'] : undefined;
    if (values && values.every((v) => evaluate(v, other, otherRoot, '').valid === false)) return true;
  }
  return [...common].every((t) => disjointFor(t, x, xRoot, y, yRoot, depth));
}

function disjointByStructure(x: SchemaObject, xRoot: JsonSchema, y: SchemaObject, yRoot: JsonSchema, depth: number): boolean {
  if (hasOwn(x, '$ref')) {
    const target = resolveRef(x['$ref'], xRoot);
    if (target && disjoint(target.schema, xRoot, y, yRoot, depth + 1)) return true;
  }
  if (schemaList(x, 'allOf').some((part) => disjoint(part, xRoot, y, yRoot, depth + 1))) return true;
  for (const key of ['anyOf', 'oneOf']) {
    const branches = schemaList(x, key);
    if (branches.length > 0 && branches.every((branch) => disjoint(branch, xRoot, y, yRoot, depth + 1))) return true;
  }
  return false;
}

function disjointFor(t: JsonType, x: SchemaObject, xRoot: JsonSchema, y: SchemaObject, yRoot: JsonSchema, depth: number): boolean {
  switch (t) {
    case 'object': {
      const propertyOf = (s: SchemaObject, name: string): JsonSchema | undefined => {
        const props = schemaMap(s, 'properties');
        if (hasOwn(props, name)) return props[name];
        if (hasOwn(s, 'patternProperties')) return undefined;
        return subschema(s, 'additionalProperties');
      };
      for (const [s, sRoot, other, otherRoot] of [[x, xRoot, y, yRoot], [y, yRoot, x, xRoot]] as const) {
        for (const name of names(s, 'required')) {
          const theirs = propertyOf(other, name);
          if (theirs === false) return true;
          const mine = propertyOf(s, name);
          if (mine !== undefined && theirs !== undefined && names(other, 'required').includes(name)
            && disjoint(mine, sRoot, theirs, otherRoot, depth + 1)) return true;
        }
      }
      return false;
    }
    case 'number':
    case 'integer': {
      const apart = (high: Bound | undefined, low: Bound | undefined): boolean =>
        high !== undefined && low !== undefined && (high.value < low.value || (high.value === low.value && (high.exclusive || low.exclusive)));
      return apart(upperBound(x), lowerBound(y)) || apart(upperBound(y), lowerBound(x));
    }
    case 'string': {
      const apart = (s: SchemaObject, o: SchemaObject): boolean => {
        const max = num(s, 'maxLength');
        const min = num(o, 'minLength');
        return max !== undefined && min !== undefined && max < min;
      };
      return apart(x, y) || apart(y, x);
    }
    default:
      return false;
  }
}
