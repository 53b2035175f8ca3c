import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { type JsonSchema, compareSchemas } from './index.js';
import { inclusionFindings } from './subset.js';

// ---------------------------------------------------------------------------------------------------------------
// Generators: pairs of structurally aligned schemas (previous, next) that differ here and there.

type Pair = [JsonSchema, JsonSchema];
type Obj = Record<string, unknown>;

/** Property names, including the characters JSON pointers must escape. */
const NAMES = ['a', 'b', 'c', 'd/e', 'f~g'];

/** The same value on both sides most of the time, two independent values otherwise. */
function knob<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<[T, T]> {
  return fc.oneof({ arbitrary: arb.map((v): [T, T] => [v, v]), weight: 3 }, { arbitrary: fc.tuple(arb, arb), weight: 1 });
}

function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/** Splits a record of knobs into the two schemas, leaving out absent keywords. */
function sides(knobs: Record<string, [unknown, unknown]>): Pair {
  const side = (i: 0 | 1): Obj => Object.fromEntries(Object.entries(knobs).filter(([, v]) => v[i] !== undefined).map(([k, v]) => [k, v[i]]));
  return [side(0), side(1)];
}

const numberPair = fc.record({
  type: knob(fc.constantFrom<unknown>('number', 'integer', ['number', 'null'], ['integer', 'string'], undefined)),
  minimum: knob(maybe(fc.constantFrom(0, 1, 2.5, 5))),
  maximum: knob(maybe(fc.constantFrom(5, 7.5, 10))),
  exclusiveMinimum: knob(maybe(fc.constantFrom(0, 2))),
  exclusiveMaximum: knob(maybe(fc.constantFrom(8, 10))),
  multipleOf: knob(maybe(fc.constantFrom(1, 2, 0.5, 5))),
}).map(sides);

const stringPair = fc.record({
  type: knob(fc.constantFrom<unknown>('string', ['string', 'null'])),
  minLength: knob(maybe(fc.constantFrom(0, 1, 2, 3))),
  maxLength: knob(maybe(fc.constantFrom(1, 2, 3, 5))),
  pattern: knob(maybe(fc.constantFrom('^a', '^[ab]*$', 'b$'))),
  format: knob(maybe(fc.constantFrom('date', 'email'))),
}).map(sides);

const VALUES = ['x', 'y', 1, 2.5, null, true];
const enumPair = knob(fc.subarray(VALUES, { minLength: 1 })).map(([a, b]): Pair => [{ enum: a }, { enum: b }]);
const constPair = knob(fc.constantFrom(...VALUES)).map(([a, b]): Pair => [{ const: a }, { const: b }]);
const scalarPair = knob(fc.constantFrom<unknown>('boolean', 'null', ['boolean', 'null'], undefined)).map(([a, b]): Pair => [
  a === undefined ? {} : { type: a }, b === undefined ? {} : { type: b, description: 'annotations never matter' },
]);

function arrayPair(inner: fc.Arbitrary<Pair>): fc.Arbitrary<Pair> {
  return fc.record({
    items: maybe(inner),
    minItems: knob(maybe(fc.constantFrom(0, 1, 2))),
    maxItems: knob(maybe(fc.constantFrom(1, 2, 4))),
    uniqueItems: knob(maybe(fc.boolean())),
  }).map(({ items, ...rest }) => {
    const [a, b] = sides({ type: ['array', 'array'], ...rest, items: items ?? [undefined, undefined] });
    return [a, b];
  });
}

function objectPair(inner: fc.Arbitrary<Pair>): fc.Arbitrary<Pair> {
  const presence = fc.constantFrom('both', 'both', 'both', 'previous', 'next');
  return fc.record({
    properties: fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), presence, inner), { maxLength: 4, selector: ([name]) => name }),
    required: knob(fc.subarray(NAMES)),
    additionalProperties: knob(maybe(fc.constantFrom<unknown>(false, true, { type: 'string' }))),
    minProperties: knob(maybe(fc.constantFrom(0, 1, 2))),
    maxProperties: knob(maybe(fc.constantFrom(1, 3))),
    open: knob(fc.boolean()),
  }).map(({ properties, open, ...rest }) => {
    const props: [Obj, Obj] = [{}, {}];
    for (const [name, where, [a, b]] of properties) {
      if (where !== 'next') props[0][name] = a;
      if (where !== 'previous') props[1][name] = b;
    }
    const [a, b] = sides({ type: ['object', 'object'], properties: props, ...rest });
    // `open` drops `type`, so objects meet other types too
    if (open[0]) delete (a as Obj)['type'];
    if (open[1]) delete (b as Obj)['type'];
    return [a, b];
  });
}

function unionPair(inner: fc.Arbitrary<Pair>): fc.Arbitrary<Pair> {
  return fc.tuple(fc.constantFrom('anyOf', 'oneOf'), fc.array(inner, { minLength: 1, maxLength: 3 }))
    .map(([keyword, branches]): Pair => [{ [keyword]: branches.map((p) => p[0]) }, { [keyword]: branches.map((p) => p[1]) }]);
}

const { pair: schemaPair } = fc.letrec<{ pair: Pair }>((tie) => ({
  pair: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'schema' },
    numberPair, stringPair, enumPair, constPair, scalarPair,
    fc.constant<Pair>([true, {}]),
    objectPair(tie('pair')), objectPair(tie('pair')), arrayPair(tie('pair')), unionPair(tie('pair')),
  ),
}));
const schema = schemaPair.map(([a]) => a);

/** Whether a generated schema uses oneOf, whose exclusivity the structural rules cannot always prove. */
function usesOneOf(s: unknown): boolean {
  return JSON.stringify(s).includes('"oneOf"');
}

/** Candidate instances for a schema: values near its bounds and constants, plus noise. */
function instances(s: unknown, depth = 0): fc.Arbitrary<unknown> {
  const noise = fc.constantFrom<unknown>(null, true, 0, 1, 2.5, -1, 11, '', 'a', 'ab', 'abc', 'abcdef', '2024-01-01', [], {}, ['x'], { a: 1 });
  if (typeof s !== 'object' || s === null || depth > 4) return noise;
  const node = s as Obj;
  const options: fc.Arbitrary<unknown>[] = [noise];
  if ('const' in node) options.push(fc.constant(node['const']));
  if (Array.isArray(node['enum']) && node['enum'].length > 0) options.push(fc.constantFrom(...(node['enum'] as unknown[])));
  for (const key of ['anyOf', 'oneOf']) {
    if (Array.isArray(node[key])) for (const branch of node[key] as unknown[]) options.push(instances(branch, depth + 1));
  }
  const declared = node['type'] === undefined ? ['number', 'string', 'object', 'array'] : ([] as string[]).concat(node['type'] as string);
  for (const t of declared) {
    if (t === 'number' || t === 'integer') {
      const anchors = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']
        .map((k) => node[k]).filter((v): v is number => typeof v === 'number');
      options.push(fc.constantFrom(0, 1, 2, 5, 10, -3, ...anchors.flatMap((v) => [v - 1, v - 0.5, v, v + 0.5, v + 1, v * 2])));
    } else if (t === 'string') {
      const lengths = ['minLength', 'maxLength'].map((k) => node[k]).filter((v): v is number => typeof v === 'number');
      options.push(fc.constantFrom('', 'a', 'ab', 'abc', 'b', 'ba', 'bab', 'x', ...lengths.flatMap((n) => [n - 1, n, n + 1].filter((m) => m >= 0).map((m) => 'a'.repeat(m)))));
    } else if (t === 'boolean') options.push(fc.boolean());
    else if (t === 'null') options.push(fc.constant(null));
    else if (t === 'array') options.push(fc.array(instances(node['items'] ?? true, depth + 1), { maxLength: 4 }));
    else if (t === 'object') {
      const props = Object.entries((node['properties'] ?? {}) as Obj);
      options.push(fc.tuple(
        fc.tuple(...props.map(([k, v]) => maybe(instances(v, depth + 1)).map((value) => [k, value] as const))),
        maybe(fc.tuple(fc.constantFrom(...NAMES, 'z'), noise)),
      ).map(([entries, extra]) => {
        const out: Obj = {};
        for (const [k, v] of entries) if (v !== undefined) out[k] = v;
        if (extra) out[extra[0]] = extra[1];
        return out;
      }));
    }
  }
  return fc.oneof(...options);
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ---------------------------------------------------------------------------------------------------------------

describe('compatibility properties (fast-check)', () => {
  it('any schema is FULL-compatible with itself, with and without the equal-subtree shortcut', () => {
    fc.assert(fc.property(schema, (s) => {
      const copy = structuredClone(s);
      expect(compareSchemas(s, copy)).toEqual({ backward: true, forward: true, full: true, incompatibilities: [] });
      if (!usesOneOf(s)) {
        // the structural rules alone must prove reflexivity, not just the equality shortcut
        expect(inclusionFindings(s, copy, 'backward', { shortcut: false })).toEqual([]);
        expect(inclusionFindings(copy, s, 'forward', { shortcut: false })).toEqual([]);
      }
    }), { numRuns: 400 });
  });

  it('removing any optional property from a closed object model is detected as backward-incompatible, with its pointer', () => {
    const container = fc.constantFrom('property', 'items');
    // only satisfiable member schemas (some candidate instance validates), so that the property can actually occur
    const satisfiable = schema
      .chain((s) => fc.tuple(fc.constant(s), fc.array(instances(s), { minLength: 30, maxLength: 30 })))
      .filter(([s, values]) => values.some((v) => ajv.validate(s as object, v)))
      .map(([s]) => s);
    fc.assert(fc.property(
      fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), satisfiable), { minLength: 1, maxLength: 4, selector: ([n]) => n }),
      fc.nat(),
      fc.array(fc.tuple(fc.constantFrom(...NAMES), container), { maxLength: 2 }),
      fc.boolean(),
      (members, index, path, requireOthers) => {
        const victim = members[index % members.length]![0];
        const properties = Object.fromEntries(members);
        const required = requireOthers ? members.map(([n]) => n).filter((n) => n !== victim) : [];
        const previousModel = { type: 'object', properties, required, additionalProperties: false };
        const { [victim]: _removed, ...kept } = properties;
        const nextModel = { type: 'object', properties: kept, required, additionalProperties: false };
        // nest both models at the same place, inside properties or array items
        let previous: JsonSchema = previousModel;
        let next: JsonSchema = nextModel;
        let prefix = '';
        for (const [name, kind] of [...path].reverse()) {
          const wrap = (inner: JsonSchema): JsonSchema => kind === 'items'
            ? { type: 'object', properties: { [name]: { type: 'array', items: inner } } }
            : { type: 'object', properties: { [name]: inner }, additionalProperties: false };
          previous = wrap(previous);
          next = wrap(next);
          prefix = `/properties/${pointerToken(name)}${kind === 'items' ? '/items' : ''}${prefix}`;
        }
        const report = compareSchemas(previous, next);
        expect(report.backward).toBe(false);
        expect(report.incompatibilities).toContainEqual(expect.objectContaining({
          direction: 'backward', kind: 'property-removed-from-closed-model', pointer: `${prefix}/properties/${pointerToken(victim)}`,
        }));
        expect(report.forward).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('widening a schema never breaks backward compatibility', () => {
    const schemaWithoutOneOf = schema.filter((s) => !usesOneOf(s));
    fc.assert(fc.property(schemaWithoutOneOf, fc.nat(), (s, pick) => {
      const options = widenings(s);
      fc.pre(options.length > 0);
      const wider = options[pick % options.length]!;
      const report = compareSchemas(s, wider);
      if (!report.backward) throw new Error(`not proven: ${JSON.stringify(s)} -> ${JSON.stringify(wider)}: ${JSON.stringify(report.incompatibilities)}`);
    }), { numRuns: 400 });
  });

  it('forward(previous, next) is backward(next, previous), at the same pointers', () => {
    fc.assert(fc.property(schemaPair, ([a, b]) => {
      const one = compareSchemas(a, b);
      const other = compareSchemas(b, a);
      expect(one.backward).toBe(other.forward);
      expect(one.forward).toBe(other.backward);
      const pointers = (r: typeof one, d: string): string[] => r.incompatibilities.filter((i) => i.direction === d).map((i) => i.pointer);
      expect(pointers(one, 'backward')).toEqual(pointers(other, 'forward'));
    }), { numRuns: 300 });
  });

  it('is sound against ajv: when it says compatible, no instance tells otherwise', () => {
    let proven = 0;
    // pairs generated side by side, and pairs that differ by exactly one edit somewhere
    const edited = schema.chain((s): fc.Arbitrary<Pair> => {
      const options = [...widenings(s), ...edits(s)];
      return options.length === 0 ? fc.constant<Pair>([s, s]) : fc.constantFrom(...options).map((t): Pair => [s, t]);
    });
    fc.assert(fc.property(
      fc.oneof(schemaPair, edited).chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), fc.array(fc.oneof(instances(a), instances(b)), { minLength: 20, maxLength: 40 }))),
      ([previous, next, values]) => {
        const report = compareSchemas(previous, next);
        if (report.backward || report.forward) proven++;
        const validPrevious = ajv.compile(previous as object);
        const validNext = ajv.compile(next as object);
        for (const value of values) {
          const inPrevious = validPrevious(value);
          const inNext = validNext(value);
          if (report.backward && inPrevious && !inNext) throw new Error(`backward claimed, but ${JSON.stringify(value)} breaks it`);
          if (report.forward && inNext && !inPrevious) throw new Error(`forward claimed, but ${JSON.stringify(value)} breaks it`);
        }
      },
    ), { numRuns: 800 });
    expect(proven).toBeGreaterThan(200); // the property is not vacuous
  });

  it('never throws on arbitrary JSON, and always explains a refusal', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (a, b) => {
      const report = compareSchemas(a as JsonSchema, b as JsonSchema);
      expect(report.full).toBe(report.incompatibilities.length === 0);
      for (const i of report.incompatibilities) expect(i.message.length).toBeGreaterThan(10);
    }), { numRuns: 300 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// One-step widenings of a schema, anywhere except under oneOf or not (not monotonic there).

const RESTRICTIONS = [
  'type', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength',
  'pattern', 'format', 'items', 'minItems', 'maxItems', 'uniqueItems', 'required', 'minProperties', 'maxProperties', 'additionalProperties',
];

function widenings(s: JsonSchema): JsonSchema[] {
  if (typeof s !== 'object') return [];
  const out: JsonSchema[] = [];
  const node = s as Obj;
  const withKey = (key: string, value: unknown): Obj => ({ ...node, [key]: value });
  for (const key of RESTRICTIONS) {
    if (key in node) {
      const { [key]: _dropped, ...rest } = node;
      out.push(rest);
    }
  }
  if (typeof node['maximum'] === 'number') out.push(withKey('maximum', node['maximum'] + 1));
  if (typeof node['minimum'] === 'number') out.push(withKey('minimum', node['minimum'] - 1));
  if (typeof node['maxLength'] === 'number') out.push(withKey('maxLength', node['maxLength'] + 1));
  if (typeof node['minItems'] === 'number' && node['minItems'] > 0) out.push(withKey('minItems', node['minItems'] - 1));
  if (node['type'] !== undefined) {
    const types = ([] as string[]).concat(node['type'] as string);
    out.push(withKey('type', [...new Set([...types.map((t) => (t === 'integer' ? 'number' : t)), 'null'])]));
  }
  if (Array.isArray(node['enum'])) out.push(withKey('enum', [...node['enum'], 'added']));
  if (Array.isArray(node['required']) && node['required'].length > 0) out.push(withKey('required', node['required'].slice(1)));
  if (Array.isArray(node['anyOf'])) out.push(withKey('anyOf', [...node['anyOf'], { type: 'null' }]));
  const props = (node['properties'] ?? {}) as Obj;
  const open = node['additionalProperties'] === undefined || node['additionalProperties'] === true;
  for (const [name, child] of Object.entries(props)) {
    const { [name]: _gone, ...others } = props;
    if (open) out.push(withKey('properties', others)); // an open model lets the name take any value
    out.push(withKey('properties', { ...props, [name]: true }));
    for (const w of widenings(child as JsonSchema)) out.push(withKey('properties', { ...props, [name]: w }));
  }
  if (typeof node['items'] === 'object') for (const w of widenings(node['items'] as JsonSchema)) out.push(withKey('items', w));
  if (typeof node['additionalProperties'] === 'object') {
    for (const w of widenings(node['additionalProperties'] as JsonSchema)) out.push(withKey('additionalProperties', w));
  }
  if (Array.isArray(node['anyOf'])) {
    const branches = node['anyOf'] as JsonSchema[];
    branches.forEach((branch, i) => {
      for (const w of widenings(branch)) out.push(withKey('anyOf', branches.map((b, j) => (i === j ? w : b))));
    });
  }
  return out;
}

/** One-step edits of any kind (mostly narrowing), anywhere in a schema. */
function edits(s: JsonSchema): JsonSchema[] {
  if (typeof s !== 'object') return [];
  const out: JsonSchema[] = [];
  const node = s as Obj;
  const withKey = (key: string, value: unknown): Obj => ({ ...node, [key]: value });
  const types = node['type'] === undefined ? [] : ([] as string[]).concat(node['type'] as string);
  if (types.includes('number') || types.includes('integer') || node['type'] === undefined) {
    out.push(withKey('minimum', typeof node['minimum'] === 'number' ? node['minimum'] + 1 : 3));
    out.push(withKey('maximum', typeof node['maximum'] === 'number' ? node['maximum'] - 1 : 6));
    if (typeof node['minimum'] === 'number') {
      const { minimum, ...rest } = node;
      out.push({ ...rest, exclusiveMinimum: minimum });
    }
    if (typeof node['exclusiveMinimum'] === 'number') {
      const { exclusiveMinimum, ...rest } = node;
      out.push({ ...rest, minimum: exclusiveMinimum });
    }
    if (typeof node['maximum'] === 'number') {
      const { maximum, ...rest } = node;
      out.push({ ...rest, exclusiveMaximum: maximum });
    }
    out.push(withKey('multipleOf', 2));
  }
  if (types.includes('integer')) out.push(withKey('type', types.map((t) => (t === 'integer' ? 'number' : t))));
  if (types.includes('number')) out.push(withKey('type', types.map((t) => (t === 'number' ? 'integer' : t))));
  if (types.includes('string') || node['type'] === undefined) {
    out.push(withKey('maxLength', typeof node['maxLength'] === 'number' ? Math.max(0, node['maxLength'] - 1) : 2));
    out.push(withKey('minLength', typeof node['minLength'] === 'number' ? node['minLength'] + 1 : 2));
  }
  if (Array.isArray(node['enum']) && node['enum'].length > 1) out.push(withKey('enum', node['enum'].slice(1)));
  if (types.includes('array') || node['type'] === undefined) {
    out.push(withKey('uniqueItems', true));
    out.push(withKey('maxItems', 1));
    out.push(withKey('items', { type: 'string' }));
  }
  if (types.includes('object') || node['type'] === undefined) {
    const props = (node['properties'] ?? {}) as Obj;
    for (const name of Object.keys(props)) {
      const { [name]: _gone, ...others } = props;
      out.push(withKey('properties', others));
      out.push(withKey('required', [...new Set([...((node['required'] as string[] | undefined) ?? []), name])]));
      for (const e of edits(props[name] as JsonSchema)) out.push(withKey('properties', { ...props, [name]: e }));
    }
    out.push(withKey('properties', { ...props, z: { type: 'number' } }));
    out.push(withKey('properties', { ...props, a: { type: 'string' } }));
    out.push(withKey('additionalProperties', node['additionalProperties'] === false));
    out.push(withKey('additionalProperties', { type: 'number' }));
    out.push(withKey('maxProperties', 1));
  }
  if (typeof node['items'] === 'object') for (const e of edits(node['items'] as JsonSchema)) out.push(withKey('items', e));
  for (const key of ['anyOf', 'oneOf']) {
    if (!Array.isArray(node[key])) continue;
    const branches = node[key] as JsonSchema[];
    if (branches.length > 1) out.push(withKey(key, branches.slice(1)));
    out.push(withKey(key, [...branches, { type: 'number', minimum: 1 }]));
    branches.forEach((branch, i) => {
      for (const e of edits(branch)) out.push(withKey(key, branches.map((b, j) => (i === j ? e : b))));
    });
  }
  return out;
}
