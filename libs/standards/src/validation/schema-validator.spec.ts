import { checkSchemaSafety, DEFAULT_SCHEMA_LIMITS, JSON_SCHEMA_2020_12 } from './schema-safety.js';
import { SchemaRefusedError, SchemaValidator, UnknownSchemaError } from './schema-validator.js';

const ID = 'https://schemas.plaza.example/standards/test-standard/1.0.0/schema.json';

/** A small schema in the style of the standards, with `extra` merged into the root. */
function schema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { $schema: JSON_SCHEMA_2020_12, $id: ID, type: 'object', additionalProperties: false, properties, ...extra };
}

function pointers(problems: { pointer: string }[]): string[] {
  return problems.map((p) => p.pointer);
}

describe('SchemaValidator', () => {
  const station = schema(
    {
      stationId: { type: 'string', pattern: '^[A-Z]{3}-[0-9]+$' },
      observedAt: { type: 'string', format: 'date-time' },
      location: { $ref: '#/$defs/point' },
    },
    {
      required: ['stationId', 'location'],
      $defs: {
        point: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'coordinates'],
          properties: {
            type: { type: 'string', const: 'Point' },
            coordinates: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } },
          },
        },
      },
    },
  );

  it('compiles a schema once, caches it by $id and validates with JSON pointers into the data', () => {
    const validator = new SchemaValidator();
    expect(validator.inspect(station)).toEqual([]);
    expect(validator.add(station)).toBe(ID);
    expect(validator.has(ID)).toBe(true);
    expect(validator.ids()).toEqual([ID]);

    expect(validator.validate(ID, { stationId: 'MTL-31', location: { type: 'Point', coordinates: [1, 2] } })).toEqual({ valid: true, errors: [] });
    expect(validator.validate(ID, { stationId: 'MTL-31' }).errors).toEqual([{ pointer: '/location', message: 'is required but missing', keyword: 'required' }]);
    expect(validator.validate(ID, { stationId: 'MTL-31', location: { type: 'Point', coordinates: [1, 2], z: 3 } }).errors).toEqual([
      { pointer: '/location/z', message: 'is not a property the schema allows', keyword: 'additionalProperties' },
    ]);
    expect(validator.validate(ID, { stationId: 'MTL-31', location: { type: 'Line', coordinates: [1, 2] } }).errors).toEqual([
      { pointer: '/location/type', message: 'must be "Point"', keyword: 'const' },
    ]);
    expect(validator.validate(ID, { stationId: 'MTL-31', observedAt: 'yesterday', location: { type: 'Point', coordinates: [1, 2] } }).errors[0]).toMatchObject({
      pointer: '/observedAt',
      keyword: 'format',
    });
  });

  it('adding the same schema again is a no-op; a different schema under a known $id is refused', () => {
    const validator = new SchemaValidator();
    validator.add(station);
    expect(validator.add(structuredClone(station))).toBe(ID);
    const changed = structuredClone(station);
    (changed.properties as Record<string, unknown>).extra = { type: 'string' };
    expect(() => validator.add(changed)).toThrow(SchemaRefusedError);
    expect(() => validator.add(changed)).toThrow(/different schema with \$id/);
  });

  it('refuses to validate against a schema it does not know', () => {
    expect(() => new SchemaValidator().validate(ID, {})).toThrow(UnknownSchemaError);
  });

  it('does not count inherited names such as "constructor" as present', () => {
    const validator = new SchemaValidator();
    validator.add(schema({ constructor: { type: 'string' } }, { required: ['constructor'] }));
    expect(validator.validate(ID, {}).valid).toBe(false);
  });

  it('reports the errors thrown by add with their pointers', () => {
    const bad = schema({ a: { $ref: 'https://evil.example/schema.json' } });
    let caught: unknown;
    try {
      new SchemaValidator().add(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchemaRefusedError);
    expect((caught as SchemaRefusedError).problems).toEqual([
      { pointer: '/properties/a/$ref', message: expect.stringContaining('only local references') },
    ]);
  });
});

describe('untrusted schemas', () => {
  const validator = new SchemaValidator();

  describe('references', () => {
    it.each([
      ['an absolute URL', 'https://evil.example/schema.json'],
      ['another standard by its canonical URI', 'https://schemas.plaza.example/standards/air-quality-observation/1.0.0/schema.json'],
      ['a relative file', 'other.json#/$defs/x'],
      ['the meta-schema', JSON_SCHEMA_2020_12],
    ])('refuses a remote $ref to %s', (_label, ref) => {
      const problems = validator.inspect(schema({ a: { $ref: ref } }));
      expect(problems).toEqual([{ pointer: '/properties/a/$ref', message: expect.stringContaining('only local references') }]);
    });

    it.each(['const', 'default', 'enum/0', 'examples/0'])('refuses a reference into data (%s), where no rule looked', (keyword) => {
      const hidden = { $dynamicAnchor: 'n', type: 'object', anyOf: [{ properties: { c: { $dynamicRef: '#n' } } }] };
      const data = keyword.includes('/') ? { [keyword.split('/')[0]!]: [hidden] } : { [keyword]: hidden };
      const problems = validator.inspect(schema({ a: { $ref: `#/$defs/d/${keyword}` } }, { $defs: { d: { type: 'object', ...data } } }));
      expect(problems).toEqual([{ pointer: '/properties/a/$ref', message: expect.stringContaining('points outside the schema') }]);
    });

    it('accepts local references by JSON pointer, escaped or not', () => {
      const local = schema(
        { a: { $ref: '#/$defs/name' }, b: { $ref: '#/$defs/postal%20code' }, c: { $ref: '#/$defs/a~1b' } },
        { $defs: { name: { type: 'string' }, 'postal code': { type: 'string' }, 'a/b': { type: 'integer' } } },
      );
      expect(validator.inspect(local)).toEqual([]);
    });

    it('refuses anchors, which only name what a JSON pointer already reaches', () => {
      const anchored = schema({ b: { $ref: '#code' } }, { $defs: { code: { $anchor: 'code', type: 'integer' } } });
      expect(pointers(validator.inspect(anchored))).toEqual(['/properties/b/$ref', '/$defs/code/$anchor']);
    });

    it('refuses a local reference that does not resolve', () => {
      expect(validator.inspect(schema({ a: { $ref: '#/$defs/missing' } }))).toEqual([
        { pointer: '/properties/a/$ref', message: expect.stringContaining('does not resolve') },
      ]);
    });

    it('refuses recursion', () => {
      const recursive = schema(
        { tree: { $ref: '#/$defs/node' } },
        {
          $defs: {
            node: { type: 'object', additionalProperties: false, properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
          },
        },
      );
      expect(validator.inspect(recursive)).toEqual([
        { pointer: '/$defs/node/properties/children/items/$ref', message: expect.stringContaining('recursive') },
      ]);
    });

    it('refuses a chain of definitions whose expansion is exponential, though its text is small', () => {
      const defs: Record<string, unknown> = { d0: { type: 'string', maxLength: 3 } };
      for (let i = 1; i <= 30; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
      const bomb = schema({ a: { $ref: '#/$defs/d30' } }, { $defs: defs });
      expect(JSON.stringify(bomb).length).toBeLessThan(3_000);
      const problems = validator.inspect(bomb);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(/more than 20000 subschemas/);
    });

    it('refuses "$id" below the root and a "$schema" other than 2020-12', () => {
      expect(pointers(validator.inspect(schema({ a: { $id: 'https://evil.example/a', type: 'string' } })))).toEqual(['/properties/a/$id']);
      expect(validator.inspect({ ...schema({}), $schema: 'http://json-schema.org/draft-07/schema#' })).toEqual([
        { pointer: '/$schema', message: expect.stringContaining('2020-12') },
      ]);
    });

    it('refuses dynamic references', () => {
      expect(pointers(validator.inspect(schema({ a: { $dynamicRef: '#meta' } })))).toEqual(['/properties/a/$dynamicRef']);
    });
  });

  it('refuses $data', () => {
    const withData = schema({ low: { type: 'number' }, high: { type: 'number', minimum: { $data: '1/low' } } });
    expect(validator.inspect(withData)).toEqual([{ pointer: '/properties/high/minimum', message: '"$data" references are not allowed' }]);
  });

  it('refuses a schema nested too deeply', () => {
    let nested: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) nested = { type: 'object', properties: { n: nested } };
    const problems = validator.inspect(schema({ n: nested }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(`the schema is nested deeper than ${DEFAULT_SCHEMA_LIMITS.maxDepth} levels`);
    expect(problems[0]!.pointer).toMatch(/^\/properties\/n\/properties\/n\//);
  });

  it('refuses a schema that is too large', () => {
    const values = Array.from({ length: 3_000 }, (_, i) => `value-${i}-${'x'.repeat(40)}`);
    const problems = validator.inspect(schema({ a: { type: 'string', enum: values } }));
    expect(problems).toEqual([{ pointer: '', message: expect.stringMatching(/^the schema is \d+ bytes, over the limit of 131072$/) }]);
  });

  it('refuses a schema with too many keywords', () => {
    const properties = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`p${i}`, { type: 'string' }]));
    const small = new SchemaValidator({ maxKeywords: 100 });
    expect(small.inspect(schema(properties))).toEqual([{ pointer: '', message: 'the schema has more than 100 keywords and property names' }]);
    expect(validator.inspect(schema(properties))).toEqual([]);
  });

  it('refuses a schema whose compilation goes over the time budget', () => {
    const noTime = new SchemaValidator({ maxCompileMillis: -1 });
    expect(noTime.inspect(schema({ a: { type: 'string' } }))).toEqual([{ pointer: '', message: expect.stringMatching(/^compiling took \d+ ms, over the limit/) }]);
    expect(() => noTime.add(schema({ a: { type: 'string' } }))).toThrow(SchemaRefusedError);
  });

  describe('regular expressions', () => {
    it('runs a catastrophic-backtracking pattern in linear time instead of refusing it', () => {
      const v = new SchemaValidator();
      const id = v.add(schema({ word: { type: 'string', pattern: '^(a+)+$' } }));
      // With a backtracking engine this input takes longer than the universe has existed.
      const result = v.validate(id, { word: 'a'.repeat(50_000) + '!' });
      expect(result.valid).toBe(false);
      expect(result.errors[0]).toMatchObject({ pointer: '/word', keyword: 'pattern' });
      expect(v.validate(id, { word: 'a'.repeat(50_000) }).valid).toBe(true);
    });

    it('applies patternProperties with the same engine', () => {
      const v = new SchemaValidator();
      const id = v.add(
        schema({}, { additionalProperties: false, patternProperties: { '^(x+x+)+y$': { type: 'integer' } } }),
      );
      expect(v.validate(id, { xxxy: 1 }).valid).toBe(true);
      expect(v.validate(id, { ['x'.repeat(30_000)]: 1 }).errors[0]).toMatchObject({ keyword: 'additionalProperties' });
    });

    it.each([
      ['a backreference', '^(a+)\\1$'],
      ['a lookahead', '^(?=.*[0-9]).+$'],
      ['a lookbehind', '(?<=x)y'],
      ['RE2-only syntax that ECMA-262 does not accept', '(?i)abc'],
      ['an invalid expression', '(unclosed'],
    ])('refuses %s with the pointer of the pattern', (_label, pattern) => {
      expect(pointers(validator.inspect(schema({ 'a/b': { type: 'string', pattern } })))).toEqual(['/properties/a~1b/pattern']);
    });

    it('refuses a refused pattern used as a patternProperties key', () => {
      expect(pointers(validator.inspect(schema({}, { patternProperties: { '(a)\\1': { type: 'string' } } })))).toEqual(['/patternProperties/(a)\\1']);
    });

    it('understands ECMA-262 \\u escapes', () => {
      const v = new SchemaValidator();
      const id = v.add(schema({ e: { type: 'string', pattern: '^\\u00e9+$' } }));
      expect(v.validate(id, { e: 'ééé' }).valid).toBe(true);
      expect(v.validate(id, { e: 'eee' }).valid).toBe(false);
    });
  });

  it('allows only listed formats', () => {
    expect(validator.inspect(schema({ r: { type: 'string', format: 'regex' } }))).toEqual([
      { pointer: '/properties/r/format', message: expect.stringContaining('not one of the allowed formats') },
    ]);
  });

  it('needs a bounded maxItems beside uniqueItems', () => {
    const items = { type: 'array', items: { type: 'object' }, uniqueItems: true };
    expect(pointers(validator.inspect(schema({ list: items })))).toEqual(['/properties/list/uniqueItems']);
    expect(validator.inspect(schema({ list: { ...items, maxItems: 50 } }))).toEqual([]);
  });

  it('accepts "at least one of" constructs and union types', () => {
    const v = new SchemaValidator();
    const id = v.add(
      schema(
        { a: { type: 'string' }, b: { type: ['number', 'null'] } },
        { anyOf: [{ required: ['a'] }, { required: ['b'] }] },
      ),
    );
    expect(v.validate(id, { b: null }).valid).toBe(true);
    expect(v.validate(id, {}).valid).toBe(false);
  });

  it('refuses what ajv strict mode refuses, and what is not JSON Schema', () => {
    expect(validator.inspect(schema({ a: { type: 'string', maxLenght: 3 } }))[0]!.message).toMatch(/unknown keyword: "maxLenght"/);
    expect(validator.inspect(schema({ a: { minimum: 3 } }))[0]!.message).toMatch(/missing type "number"/);
    expect(validator.inspect(schema({ a: { type: 'strnig' } }))[0]).toMatchObject({ pointer: '/properties/a/type' });
    expect(validator.inspect([])).toEqual([{ pointer: '', message: 'a schema must be a JSON object' }]);
    expect(validator.inspect({ $schema: JSON_SCHEMA_2020_12, type: 'object' })).toEqual([{ pointer: '/$id', message: 'the schema must have an "$id"' }]);
  });

  it('checkSchemaSafety does not look inside data keywords', () => {
    const literal = schema({ a: { type: 'object', const: { $ref: 'https://evil.example/', $data: '1/x' } } });
    expect(checkSchemaSafety(literal)).toEqual([]);
  });
});
