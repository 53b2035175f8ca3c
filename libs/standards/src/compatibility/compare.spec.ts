import { type CompatibilityReport, type JsonSchema, compareSchemas, INCOMPATIBILITY_KINDS } from './index.js';
import { inclusionFindings } from './subset.js';

/** "direction kind pointer" for each incompatibility: compact and exact. */
function summary(report: CompatibilityReport): string[] {
  return report.incompatibilities.map((i) => `${i.direction} ${i.kind} ${i.pointer}`);
}

function compare(previous: JsonSchema, next: JsonSchema): CompatibilityReport {
  const report = compareSchemas(previous, next);
  for (const i of report.incompatibilities) {
    expect(INCOMPATIBILITY_KINDS).toContain(i.kind);
    expect(i.message).toMatch(/^[A-Z`].*[.)]$/);
  }
  expect(report.full).toBe(report.backward && report.forward);
  expect(report.full).toBe(report.incompatibilities.length === 0);
  return report;
}

type SchemaObject = { [keyword: string]: unknown };
const closed = (properties: Record<string, JsonSchema>, extra: Record<string, unknown> = {}): SchemaObject =>
  ({ type: 'object', properties, additionalProperties: false, ...extra });
const open = (properties: Record<string, JsonSchema>, extra: Record<string, unknown> = {}): SchemaObject =>
  ({ type: 'object', properties, ...extra });

describe('compareSchemas: identity and annotations', () => {
  it('finds a schema fully compatible with itself', () => {
    const schema = closed({ pm25: { type: 'number', minimum: 0 }, site: { type: 'string', maxLength: 40 } }, { required: ['pm25'] });
    expect(compare(schema, schema)).toEqual({ backward: true, forward: true, full: true, incompatibilities: [] });
  });

  it('ignores annotations, member order and the order of type, required and enum lists', () => {
    const before = { type: ['number', 'null'], enum: [1, 2, null], title: 'Old', description: 'x', examples: [1] };
    const after = { enum: [null, 2, 1], type: ['null', 'number'], title: 'New', deprecated: true, default: 1, $comment: 'c' };
    expect(compare(closed({ a: before }, { required: ['a', 'b'], properties: { a: before, b: true } }),
      { required: ['b', 'a'], additionalProperties: false, properties: { b: {}, a: after }, type: 'object' }).full).toBe(true);
  });

  it('accepts the boolean schemas: true is {} and false allows nothing', () => {
    expect(compare(true, {}).full).toBe(true);
    expect(summary(compare(false, { type: 'string' }))).toEqual(['forward schema-was-false ']);
    expect(summary(compare({ type: 'string' }, false))).toEqual(['backward schema-became-false ']);
  });
});

describe('compareSchemas: required properties', () => {
  it('reports a property that became required as backward-incompatible, in plain words', () => {
    const report = compare(open({ pm25: { type: 'number' } }), open({ pm25: { type: 'number' } }, { required: ['pm25'] }));
    expect(report.backward).toBe(false);
    expect(report.forward).toBe(true);
    expect(report.incompatibilities).toEqual([{
      pointer: '/required/0', direction: 'backward', kind: 'property-became-required',
      message: 'The property `pm25` became required: data written before this version may lack it.',
    }]);
  });

  it('reports a property that is no longer required as forward-incompatible', () => {
    expect(summary(compare(open({ a: {} }, { required: ['a'] }), open({ a: {} })))).toEqual(['forward required-removed /required/0']);
  });

  it('reports a new required property of a closed model as backward-incompatible (required-added) and forward-incompatible', () => {
    expect(summary(compare(closed({ a: {} }), closed({ a: {}, b: { type: 'string' } }, { required: ['b'] })))).toEqual([
      'backward required-added /required/0',
      'forward property-added-to-closed-model /properties/b',
    ]);
  });
});

describe('compareSchemas: types', () => {
  it('reports a narrowed type backward and the widened one forward', () => {
    const nullable = open({ pm25: { type: ['number', 'null'] } });
    const strict = open({ pm25: { type: 'number' } });
    expect(summary(compare(nullable, strict))).toEqual(['backward type-narrowed /properties/pm25/type']);
    expect(summary(compare(strict, nullable))).toEqual(['forward type-widened /properties/pm25/type']);
    expect(compare(nullable, strict).incompatibilities[0]!.message).toBe(
      'The property `pm25` no longer accepts null (its type was number or null and is now number): data written with the earlier version may hold such values.');
  });

  it('treats integer as a subset of number', () => {
    const integer = { type: 'integer' };
    const number = { type: 'number' };
    expect(summary(compare(integer, number))).toEqual(['forward type-widened /type']);
    const narrowed = compare(number, integer);
    expect(summary(narrowed)).toEqual(['backward type-narrowed /type']);
    expect(narrowed.incompatibilities[0]!.message).toContain('no longer accepts non-integer numbers');
  });

  it('reports a property whose type changed to an unrelated one in both directions', () => {
    expect(summary(compare(open({ site: { type: 'string' } }), open({ site: { type: 'number' } })))).toEqual([
      'backward property-type-changed /properties/site/type',
      'forward property-type-changed /properties/site/type',
    ]);
    expect(summary(compare({ type: 'string' }, { type: 'boolean' }))).toEqual(['backward type-changed /type', 'forward type-changed /type']);
  });

  it('sees that a missing type means any type', () => {
    expect(summary(compare({}, { type: 'string' }))).toEqual(['backward type-narrowed /type']);
    expect(summary(compare({ minimum: 0 }, { type: 'number', minimum: 0 }))).toEqual(['backward type-narrowed /type']);
  });
});

describe('compareSchemas: enum and const', () => {
  it('reports a removed enum value backward and an added one forward, naming the values', () => {
    const report = compare(open({ unit: { enum: ['ug/m3', 'ppm'] } }), open({ unit: { enum: ['ug/m3', 'ppb'] } }));
    expect(summary(report)).toEqual(['backward enum-value-removed /properties/unit/enum', 'forward enum-value-added /properties/unit/enum']);
    expect(report.incompatibilities[0]!.message).toBe('The property `unit` no longer allows "ppm": data written with the earlier version may hold it.');
    expect(report.incompatibilities[1]!.message).toBe('The property `unit` now also allows "ppb": consumers still on the earlier version would reject it.');
  });

  it('reports an enum imposed on a free string as backward-incompatible, and lifting it as forward-incompatible', () => {
    expect(summary(compare({ type: 'string' }, { type: 'string', enum: ['a'] }))).toEqual(['backward enum-value-removed /enum']);
    expect(summary(compare({ type: 'string', enum: ['a'] }, { type: 'string' }))).toEqual(['forward enum-value-added /enum']);
  });

  it('reports a changed const in both directions', () => {
    expect(summary(compare({ const: 'Point' }, { const: 'Polygon' }))).toEqual(['backward const-changed /const', 'forward const-changed /const']);
  });

  it('checks enum values against every constraint of the other version', () => {
    expect(summary(compare({ enum: [1, 5, 20] }, { type: 'integer', maximum: 10 }))).toEqual([
      'backward maximum-lowered /maximum', // 20 is rejected
      'forward enum-value-added /enum', // and the next version allows 2, 3, ...
    ]);
    expect(compare({ enum: ['a', 'b'] }, { type: 'string', maxLength: 1 }).backward).toBe(true);
    expect(compare({ type: 'boolean' }, { enum: [false, true] }).full).toBe(true);
    expect(compare({ type: 'integer', minimum: 1, maximum: 3 }, { enum: [3, 2, 1] }).full).toBe(true);
  });
});

describe('compareSchemas: numbers', () => {
  it('reports a lowered maximum backward with the pointer to the keyword, and a raised one forward', () => {
    const report = compare(open({ pm25: { type: 'number', maximum: 1000 } }), open({ pm25: { type: 'number', maximum: 500 } }));
    expect(report.incompatibilities).toEqual([{
      pointer: '/properties/pm25/maximum', direction: 'backward', kind: 'maximum-lowered',
      message: 'The property `pm25` must now be at most 500; before, it had to be at most 1000: data written with the earlier version may hold larger values.',
    }]);
    expect(summary(compare({ type: 'number', maximum: 500 }, { type: 'number', maximum: 1000 }))).toEqual(['forward maximum-raised /maximum']);
  });

  it('reports a raised minimum backward and a lowered or removed one forward', () => {
    expect(summary(compare({ type: 'number', minimum: 0 }, { type: 'number', minimum: 20 }))).toEqual(['backward minimum-raised /minimum']);
    expect(summary(compare({ type: 'number', minimum: 20 }, { type: 'number', minimum: 0 }))).toEqual(['forward minimum-lowered /minimum']);
    expect(summary(compare({ type: 'number', minimum: 20 }, { type: 'number' }))).toEqual(['forward minimum-lowered /minimum']);
  });

  it('compares exclusive and inclusive bounds exactly, and knows integers', () => {
    expect(compare({ type: 'number', exclusiveMinimum: 0 }, { type: 'number', minimum: 0 }).backward).toBe(true);
    expect(summary(compare({ type: 'number', minimum: 0 }, { type: 'number', exclusiveMinimum: 0 })))
      .toEqual(['backward minimum-raised /exclusiveMinimum']);
    expect(compare({ type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10 }, { type: 'integer', minimum: 1, maximum: 9 }).full).toBe(true);
    expect(compare({ type: 'integer', maximum: 9.5 }, { type: 'integer', maximum: 9 }).full).toBe(true);
  });

  it('reports a changed multipleOf unless the old factor is a multiple of the new one', () => {
    expect(compare({ type: 'integer', multipleOf: 10 }, { type: 'integer', multipleOf: 5 }).backward).toBe(true);
    expect(summary(compare({ type: 'integer', multipleOf: 5 }, { type: 'integer', multipleOf: 10 })))
      .toEqual(['backward multipleOf-changed /multipleOf']);
    expect(compare({ type: 'integer' }, { type: 'integer', multipleOf: 1 }).full).toBe(true);
  });

  it('ignores numeric keywords where the data cannot be a number', () => {
    expect(compare({ type: 'string' }, { type: 'string', maximum: 3 }).full).toBe(true);
    expect(summary(compare({ type: ['string', 'number'] }, { type: ['string', 'number'], maximum: 3 }))).toEqual(['backward maximum-lowered /maximum']);
  });
});

describe('compareSchemas: strings', () => {
  it('reports a lowered maxLength and a raised minLength backward', () => {
    expect(summary(compare({ type: 'string', maxLength: 64 }, { type: 'string', maxLength: 32 }))).toEqual(['backward maxLength-lowered /maxLength']);
    expect(summary(compare({ type: 'string', maxLength: 32 }, { type: 'string', maxLength: 64 }))).toEqual(['forward maxLength-raised /maxLength']);
    expect(summary(compare({ type: 'string', minLength: 1 }, { type: 'string', minLength: 2 }))).toEqual(['backward minLength-raised /minLength']);
    expect(summary(compare({ type: 'string', minLength: 2 }, { type: 'string' }))).toEqual(['forward minLength-lowered /minLength']);
  });

  it('reports a changed pattern in both directions, saying it cannot compare patterns', () => {
    const report = compare({ type: 'string', pattern: '^[A-Z]{2}$' }, { type: 'string', pattern: '^[A-Z]{2,3}$' });
    expect(summary(report)).toEqual(['backward pattern-changed /pattern', 'forward pattern-changed /pattern']);
    expect(report.incompatibilities[0]!.message).toContain('Plaza does not compare patterns');
  });

  it('reports an added pattern backward only, and checks enum values against a pattern', () => {
    expect(summary(compare({ type: 'string' }, { type: 'string', pattern: '^a' }))).toEqual(['backward pattern-changed /pattern']);
    expect(compare({ enum: ['ab', 'ac'] }, { type: 'string', pattern: '^a' }).backward).toBe(true);
    const report = compare({ enum: ['ab', 'b'] }, { type: 'string', pattern: '^a' });
    expect(summary(report)).toEqual(['backward pattern-changed /pattern', 'forward enum-value-added /enum']);
    expect(report.incompatibilities[0]!.message).toBe(
      'The data: the value "b", valid under the earlier version, is rejected by this version (it does not match the pattern ^a).');
  });

  it('reports a changed, added or removed format', () => {
    expect(summary(compare({ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' })))
      .toEqual(['backward format-changed /format', 'forward format-changed /format']);
    expect(summary(compare({ type: 'string' }, { type: 'string', format: 'uri' }))).toEqual(['backward format-changed /format']);
    expect(summary(compare({ type: 'string', format: 'uri' }, { type: 'string' }))).toEqual(['forward format-changed /format']);
  });
});

describe('compareSchemas: arrays', () => {
  const readings = (item: JsonSchema, extra: Record<string, unknown> = {}): JsonSchema =>
    open({ readings: { type: 'array', items: item, ...extra } });

  it('compares items recursively with nested pointers', () => {
    const before = readings(closed({ value: { type: ['number', 'null'] } }));
    const after = readings(closed({ value: { type: 'number' } }));
    const report = compare(before, after);
    expect(summary(report)).toEqual(['backward type-narrowed /properties/readings/items/properties/value/type']);
    expect(report.incompatibilities[0]!.message).toContain('The property `readings[].value`');
  });

  it('reports a lowered maxItems, a raised minItems and added uniqueItems backward', () => {
    expect(summary(compare(readings({}, { maxItems: 10 }), readings({}, { maxItems: 5 })))).toEqual(['backward maxItems-lowered /properties/readings/maxItems']);
    expect(summary(compare(readings({}, { minItems: 1 }), readings({}, { minItems: 2 })))).toEqual(['backward minItems-raised /properties/readings/minItems']);
    expect(summary(compare(readings({}), readings({}, { uniqueItems: true })))).toEqual(['backward uniqueItems-added /properties/readings/uniqueItems']);
    expect(summary(compare(readings({}, { uniqueItems: true }), readings({})))).toEqual(['forward uniqueItems-removed /properties/readings/uniqueItems']);
  });

  it('compares tuples position by position and reports a closed tail as items-changed', () => {
    const pair = { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false };
    const triple = { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }, { type: 'number' }], items: false };
    expect(summary(compare(pair, triple))).toEqual(['forward items-changed /items']); // the earlier version's items: false
    expect(summary(compare(triple, pair))).toEqual(['backward items-changed /items']);
    expect(summary(compare({ type: 'array', items: { type: 'number' } }, pair))).toEqual(['backward items-changed /items']);
    expect(compare(pair, { type: 'array', items: { type: 'number' } }).backward).toBe(true);
  });
});

describe('compareSchemas: open and closed content models', () => {
  it('closed model, new optional property: backward-compatible, forward-incompatible', () => {
    const report = compare(closed({ a: { type: 'string' } }), closed({ a: { type: 'string' }, b: { type: 'number' } }));
    expect(report.backward).toBe(true);
    expect(summary(report)).toEqual(['forward property-added-to-closed-model /properties/b']);
  });

  it('open model, new constrained optional property: backward-incompatible (old data may carry it with any value)', () => {
    const report = compare(open({ a: { type: 'string' } }), open({ a: { type: 'string' }, b: { type: 'number' } }));
    expect(report.forward).toBe(true);
    expect(summary(report)).toEqual(['backward property-added-to-open-model /properties/b']);
    expect(report.incompatibilities[0]!.message).toContain('the earlier version allowed undeclared properties with any value');
  });

  it('open model, new unconstrained property: fully compatible', () => {
    expect(compare(open({ a: {} }), open({ a: {}, b: { description: 'documented, not constrained' } })).full).toBe(true);
  });

  it('closed model, removed optional property: backward-incompatible, forward-compatible', () => {
    const report = compare(closed({ a: {}, b: { type: 'number' } }), closed({ a: {} }));
    expect(report.forward).toBe(true);
    expect(report.incompatibilities).toEqual([expect.objectContaining({
      pointer: '/properties/b', direction: 'backward', kind: 'property-removed-from-closed-model',
    })]);
  });

  it('open model, removed constrained property: forward-incompatible, backward-compatible', () => {
    expect(summary(compare(open({ a: {}, b: { type: 'number' } }), open({ a: {} })))).toEqual(['forward property-removed-from-open-model /properties/b']);
  });

  it('closing an open model breaks backward; opening a closed one breaks forward', () => {
    expect(summary(compare(open({ a: {} }), closed({ a: {} })))).toEqual(['backward additional-properties-closed /additionalProperties']);
    expect(summary(compare(closed({ a: {} }), open({ a: {} })))).toEqual(['forward additional-properties-opened /additionalProperties']);
    expect(summary(compare(closed({ a: {} }), open({ a: {} }, { additionalProperties: true })))).toEqual(['forward additional-properties-opened /additionalProperties']);
  });

  it('compares additionalProperties schemas, and declared properties against them', () => {
    const strings = { type: 'object', additionalProperties: { type: 'string' } };
    expect(summary(compare(strings, { type: 'object', additionalProperties: { type: 'string', maxLength: 5 } })))
      .toEqual(['backward maxLength-lowered /additionalProperties/maxLength']);
    // a declared string property inside a model of string values: fully compatible either way
    expect(compare(strings, { ...strings, properties: { a: { type: 'string' } } }).full).toBe(true);
    expect(summary(compare(strings, { ...strings, properties: { a: { type: 'number' } } }))).toEqual([
      'backward property-type-changed /properties/a/type',
      'forward property-type-changed /properties/a/type',
    ]);
  });

  it('treats a property whose schema is false as forbidden', () => {
    expect(summary(compare(open({ a: {} }), open({ a: false })))).toEqual(['backward schema-became-false /properties/a']);
    expect(summary(compare(open({ a: false }), open({ a: {} })))).toEqual(['forward schema-was-false /properties/a']);
  });

  it('reports min/maxProperties and dependentRequired changes', () => {
    expect(summary(compare(open({}), open({}, { minProperties: 1 })))).toEqual(['backward minProperties-raised /minProperties']);
    expect(compare(open({ a: {} }, { required: ['a'] }), open({ a: {} }, { required: ['a'], minProperties: 1 })).full).toBe(true);
    expect(summary(compare(open({}), open({}, { maxProperties: 3 })))).toEqual(['backward maxProperties-lowered /maxProperties']);
    expect(compare(closed({ a: {}, b: {} }), closed({ a: {}, b: {} }, { maxProperties: 2 })).full).toBe(true);
    expect(summary(compare(open({}), open({}, { dependentRequired: { lat: ['lon'] } })))).toEqual(['backward dependentRequired-added /dependentRequired/lat']);
    expect(summary(compare(open({}, { dependentRequired: { lat: ['lon'] } }), open({})))).toEqual(['forward dependentRequired-removed /dependentRequired/lat']);
  });
});

describe('compareSchemas: nesting, references and combinators', () => {
  it('reports deep changes with their full pointer and dotted data path', () => {
    const at = (minimum: number): JsonSchema => closed({ location: closed({ lat: { type: 'number', minimum }, 'a/b~c': { type: 'string' } }) });
    const report = compare(at(-90), at(-45));
    expect(summary(report)).toEqual(['backward minimum-raised /properties/location/properties/lat/minimum']);
    expect(report.incompatibilities[0]!.message).toMatch(/^The property `location\.lat` must now be at least -45/);
    const removed = compare(at(-90), closed({ location: closed({ lat: { type: 'number', minimum: -90 } }) }));
    expect(summary(removed)).toEqual(['backward property-removed-from-closed-model /properties/location/properties/a~1b~0c']);
  });

  it('follows local $refs and points into the definition', () => {
    const doc = (maximum: number): JsonSchema => ({
      $defs: { reading: { type: 'number', maximum } },
      ...closed({ pm25: { $ref: '#/$defs/reading' }, pm10: { $ref: '#/$defs/reading' } }),
    });
    expect(compare(doc(1000), doc(1000)).full).toBe(true);
    expect(summary(compare(doc(1000), doc(500)))).toEqual(['backward maximum-lowered /$defs/reading/maximum']);
    // inlining a definition changes nothing
    expect(compare(doc(1000), closed({ pm25: { type: 'number', maximum: 1000 }, pm10: { type: 'number', maximum: 1000 } })).full).toBe(true);
  });

  it('compares recursive schemas', () => {
    const tree = (maxLength: number): JsonSchema => ({
      $defs: { node: closed({ name: { type: 'string', maxLength }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }) },
      $ref: '#/$defs/node',
    });
    expect(compare(tree(10), tree(10)).full).toBe(true);
    expect(summary(compare(tree(10), tree(5)))).toEqual(['backward maxLength-lowered /$defs/node/properties/name/maxLength']);
  });

  it('understands nullable unions written with anyOf or oneOf', () => {
    const union = { anyOf: [{ type: 'string' }, { type: 'null' }] };
    expect(compare({ type: ['string', 'null'] }, union).full).toBe(true);
    expect(compare({ type: ['string', 'null'] }, { oneOf: [{ type: 'string' }, { type: 'null' }] }).full).toBe(true);
    expect(summary(compare(union, { anyOf: [{ type: 'string' }] }))).toEqual(['backward type-narrowed /anyOf']);
    expect(summary(compare(union, { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] }))).toEqual(['backward maxLength-lowered /anyOf/0/maxLength']);
  });

  it('understands discriminated unions (GeoJSON-like): adding an alternative breaks only forward', () => {
    const shape = (kind: string, coordinates: JsonSchema): JsonSchema =>
      closed({ type: { const: kind }, coordinates }, { required: ['type', 'coordinates'] });
    const point = shape('Point', { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3 });
    const line = shape('LineString', { type: 'array', items: { type: 'array', items: { type: 'number' } }, minItems: 2 });
    const before = { oneOf: [point] };
    const after = { oneOf: [point, line] };
    const report = compare(before, after);
    expect(report.backward).toBe(true);
    // a LineString is not a Point: explained with the earlier version's only alternative
    expect(summary(report)).toEqual([
      'forward const-changed /oneOf/0/properties/type/const',
      'forward type-changed /oneOf/0/properties/coordinates/items/type',
      'forward maxItems-raised /oneOf/0/properties/coordinates/maxItems',
    ]);
    expect(report.incompatibilities[0]!.message).toBe(
      'The property `type`: the value "LineString", valid under this version, is rejected by the earlier version (it is not "Point"), so consumers still on it would reject such data.');
    expect(compare(after, after).full).toBe(true);
  });

  it('splits allOf in either schema', () => {
    const base = { type: 'object', properties: { a: { type: 'number' } } };
    expect(compare({ allOf: [base, { required: ['a'] }] }, { ...base, required: ['a'] }).full).toBe(true);
    expect(summary(compare(base, { allOf: [base, { required: ['a'] }] }))).toEqual(['backward property-became-required /allOf/1/required/0']);
  });
});

describe('compareSchemas: what it cannot decide counts as incompatible, with the reason', () => {
  it('a $ref to another document, even the same text (a relative reference resolves against each version\'s $id)', () => {
    const report = compare({ $ref: 'other.json' }, { $ref: 'other.json' });
    expect(summary(report)).toEqual(['backward undecidable /$ref', 'forward undecidable /$ref']);
    expect(report.incompatibilities[0]!.message).toBe(
      'Plaza does not follow this version\'s reference other.json, so it cannot be proven that data written with the earlier version is valid under this version; this counts as incompatible.');
  });

  it('patternProperties', () => {
    const report = compare(open({}), open({}, { patternProperties: { '^x-': { type: 'string' } } }));
    expect(summary(report)).toEqual(['backward undecidable /patternProperties']);
    expect(report.incompatibilities[0]!.message).toMatch(/patternProperties.*counts as incompatible\.$/);
  });

  it('not, if/then/else, unevaluatedProperties, dependentSchemas and unknown keywords in the constraining schema', () => {
    expect(summary(compare({ type: 'string' }, { type: 'string', not: { const: 'x' } }))).toEqual(['backward undecidable /not']);
    expect(compare({ type: 'string' }, { type: 'string', not: { type: 'number' } }).full).toBe(true); // provably disjoint
    expect(summary(compare(open({}), open({}, { if: { required: ['a'] }, then: { required: ['b'] } })))).toEqual(['backward undecidable /if']);
    expect(summary(compare(open({}), open({}, { unevaluatedProperties: false })))).toEqual(['backward undecidable /unevaluatedProperties']);
    expect(summary(compare(open({}), open({}, { dependentSchemas: { a: { required: ['b'] } } })))).toEqual(['backward undecidable /dependentSchemas/a']);
    expect(summary(compare({ type: 'string' }, { type: 'string', 'x-unit': 'dB' }))).toEqual([
      'backward undecidable /x-unit', 'forward undecidable /x-unit',
    ]);
  });

  it('a restriction it does not reason about in the constrained schema qualifies every finding', () => {
    const report = compare({ type: 'number', not: { maximum: 5 } }, { type: 'number', minimum: 5 });
    expect(summary(report)).toEqual(['backward undecidable /minimum', 'forward undecidable /not']);
    expect(report.incompatibilities[0]!.message).toMatch(/must now be at least 5.*Plaza cannot be sure: it does not reason about the earlier version's `not`/);
  });

  it('malformed schemas are reported, not thrown', () => {
    expect(summary(compare({ type: 'string' }, { type: 'text' }))).toEqual(['backward undecidable /type', 'forward undecidable /type']);
    expect(summary(compare({ type: 'number' }, { type: 'number', maximum: '5' }))).toEqual(['backward undecidable /maximum', 'forward undecidable /maximum']);
    expect(compare(null as unknown as JsonSchema, {}).backward).toBe(true);
    expect(compare({}, null as unknown as JsonSchema).backward).toBe(false);
  });

  it('extra annotation keywords can be declared', () => {
    expect(compareSchemas({ type: 'string', 'x-unit': 'dB' }, { type: 'string', 'x-unit': 'dBA' }, { annotations: ['x-unit'] }).full).toBe(true);
  });

  it('stops at its work limits with one explanation', () => {
    const nest = (depth: number, maximum: number): JsonSchema => {
      if (depth === 0) return { type: 'number', maximum };
      const inner = nest(depth - 1, maximum);
      return { anyOf: [0, 1, 2, 3].map((i) => ({ type: 'object', properties: { [`p${i}`]: inner, q: inner } })) };
    };
    const findings = inclusionFindings(nest(8, 10), nest(8, 9), 'backward', { maxSteps: 500 });
    expect(findings).toEqual([{
      pointer: '', kind: 'undecidable',
      message: "The schemas are too large or too intricate to compare within Plaza's limits, so it cannot be proven that data written with the earlier version is valid under this version; this counts as incompatible.",
    }]);
  });

  it('stays well within its limits for a large ordinary schema', () => {
    const station = (maximum: number): JsonSchema => ({
      $defs: { reading: closed({ value: { type: 'number', maximum }, unit: { enum: ['dB', 'dBA'] }, at: { type: 'string', format: 'date-time' } }, { required: ['value'] }) },
      ...closed(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`sensor${i}`, { type: 'array', items: { $ref: '#/$defs/reading' } }]))),
    });
    expect(summary(compareSchemas(station(100), station(100)))).toEqual([]);
    expect(summary(compareSchemas(station(100), station(90)))).toEqual(['backward maximum-lowered /$defs/reading/properties/value/maximum']);
  });
});
