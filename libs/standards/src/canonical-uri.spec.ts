import {
  CANONICAL_SCHEMA_BASE,
  canonicalSchemaPath,
  canonicalSchemaUri,
  isReleaseVersion,
  isStandardId,
  parseCanonicalSchemaUri,
} from './canonical-uri.js';

describe('canonical schema URIs', () => {
  it('are the fixed base followed by the path every registry serves', () => {
    expect(canonicalSchemaPath('parking-occupancy', '1.1.0')).toBe('/standards/parking-occupancy/1.1.0/schema.json');
    expect(canonicalSchemaUri('parking-occupancy', '1.1.0')).toBe('https://schemas.plaza.example/standards/parking-occupancy/1.1.0/schema.json');
    expect(CANONICAL_SCHEMA_BASE.endsWith('/')).toBe(false);
  });

  it('refuse ids and versions that are not canonical', () => {
    expect(() => canonicalSchemaPath('Parking', '1.0.0')).toThrow(RangeError);
    expect(() => canonicalSchemaPath('parking-occupancy', 'v1.0.0')).toThrow(RangeError);
  });

  it('parse back from the URI or the bare path, and nothing else', () => {
    const parsed = { standardId: 'noise-level-observation', version: '1.0.0' };
    expect(parseCanonicalSchemaUri('https://schemas.plaza.example/standards/noise-level-observation/1.0.0/schema.json')).toEqual(parsed);
    expect(parseCanonicalSchemaUri('/standards/noise-level-observation/1.0.0/schema.json')).toEqual(parsed);
    for (const other of [
      'https://registry.example/standards/noise-level-observation/1.0.0/schema.json',
      '/standards/noise-level-observation/1.0.0/schema.json?x=1',
      '/standards/noise-level-observation/1.0/schema.json',
      '/standards/noise-level-observation/1.0.0-rc.1/schema.json',
      '/standards/../1.0.0/schema.json',
      '/standards/noise-level-observation/1.0.0/',
    ]) {
      expect(parseCanonicalSchemaUri(other)).toBeNull();
    }
  });

  it('accept only release versions and well-formed ids', () => {
    expect(['1.0.0', '0.1.0', '10.20.30'].every(isReleaseVersion)).toBe(true);
    expect(['1.0', 'v1.0.0', '1.0.0-rc.1', '1.0.0+build', '01.0.0'].some(isReleaseVersion)).toBe(false);
    expect(['air-quality-observation', 'abc'].every(isStandardId)).toBe(true);
    expect(['ab', 'Air', 'air--quality', '-air', 'air-', 'air_quality', '9air'].some(isStandardId)).toBe(false);
  });
});
