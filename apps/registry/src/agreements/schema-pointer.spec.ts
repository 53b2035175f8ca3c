import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { schemaDefinesPointer } from './schema-pointer.js';

const airQuality = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../../standards/air-quality-observation/1.1.0/schema.json'), 'utf8')) as Record<string, unknown>;

describe('allowed-field pointers checked against a standard schema', () => {
  it.each(['/stationId', '/observedAt', '/location', '/location/coordinates', '/location/coordinates/0', '/pollutants/pm2_5', '/airQualityIndex'])(
    'accepts %s, found through properties and local $ref',
    (pointer) => expect(schemaDefinesPointer(airQuality, pointer)).toBe(true),
  );

  it.each(['/unknown', '/pollutants/pm3', '/location/altitude', '/stationId/length', '', '/', 'stationId', '/pollutants/~2'])(
    'refuses %j',
    (pointer) => expect(schemaDefinesPointer(airQuality, pointer)).toBe(false),
  );

  it('decodes ~0 and ~1 in tokens', () => {
    const schema = { type: 'object', properties: { 'a/b': { type: 'object', properties: { 'c~d': { type: 'string' } } } } };
    expect(schemaDefinesPointer(schema, '/a~1b/c~0d')).toBe(true);
    expect(schemaDefinesPointer(schema, '/a/b')).toBe(false);
  });

  it('looks into allOf / anyOf / oneOf branches, array items and prefixItems', () => {
    const schema = {
      type: 'object',
      allOf: [{ properties: { x: { type: 'number' } } }],
      properties: { list: { type: 'array', prefixItems: [{ type: 'object', properties: { first: { type: 'string' } } }], items: { type: 'object', properties: { y: { type: 'string' } } } } },
    };
    expect(schemaDefinesPointer(schema, '/x')).toBe(true);
    expect(schemaDefinesPointer(schema, '/list/0/first')).toBe(true);
    expect(schemaDefinesPointer(schema, '/list/3/y')).toBe(true);
    expect(schemaDefinesPointer(schema, '/list/3/first')).toBe(false);
  });

  it('does not count names only an open model would let through, and survives a recursive $ref', () => {
    const schema: Record<string, unknown> = { type: 'object', additionalProperties: true, patternProperties: { '^x-': {} }, properties: { node: { $ref: '#' } } };
    expect(schemaDefinesPointer(schema, '/anything')).toBe(false);
    expect(schemaDefinesPointer(schema, '/x-foo')).toBe(false);
    expect(schemaDefinesPointer(schema, '/node/node/node')).toBe(true);
    expect(schemaDefinesPointer(schema, `/node${'/node'.repeat(100)}/missing`)).toBe(false);
  });
});
