import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StandardsCatalogue } from './standards-catalogue.js';

const folder = resolve(import.meta.dirname, '../../../../standards/noise-level-observation/1.1.0');
const schema = JSON.parse(readFileSync(resolve(folder, 'schema.json'), 'utf8'));
const valid = JSON.parse(readFileSync(resolve(folder, 'examples/valid-quiet-zone.json'), 'utf8'));
const version = (status: 'published' | 'deprecated' | 'retired') => ({ schemaUri: schema.$id as string, schema, status });

describe('StandardsCatalogue', () => {
  it('validates data against a published version and explains refusals with pointers', () => {
    const catalogue = new StandardsCatalogue();
    expect(catalogue.validate(version('published'), valid)).toEqual({ valid: true, errors: [], deprecated: false });
    const refused = catalogue.validate(version('published'), { ...valid, laeq: -3 });
    expect(refused.valid).toBe(false);
    expect(refused.errors[0]!.pointer).toBe('/laeq');
  });

  it('still validates a deprecated version, and says so', () => {
    expect(new StandardsCatalogue().validate(version('deprecated'), valid)).toMatchObject({ valid: true, deprecated: true });
  });

  it('no longer validates a retired version', () => {
    expect(new StandardsCatalogue().validate(version('retired'), valid)).toMatchObject({ valid: false, errors: [{ keyword: 'retired' }] });
  });
});
