import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type JsonSchema, COALITION_MODE, breakingChanges, checkAgainstHistory, compareSchemas, isCompatible, requiredBump,
} from './index.js';

const reading = (maximum: number, extra: Record<string, unknown> = {}): JsonSchema => ({
  type: 'object', additionalProperties: false, required: ['pm25'], properties: { pm25: { type: 'number', maximum }, ...extra },
});

describe('checkAgainstHistory', () => {
  it('has nothing to break when there is no history', () => {
    const report = checkAgainstHistory(reading(10), []);
    expect(report).toEqual({
      versions: [], latest: undefined, backward: true, forward: true, full: true,
      backwardTransitive: true, forwardTransitive: true, fullTransitive: true,
    });
    expect(requiredBump(report)).toBe('minor');
  });

  it('orders versions semantically and compares each as previous with the candidate as next', () => {
    const report = checkAgainstHistory(reading(500), [
      { version: '1.10.0', schema: reading(400) },
      { version: '1.2.0', schema: reading(300) },
      { version: '1.0.0', schema: reading(200) },
    ]);
    expect(report.versions.map((v) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0']);
    expect(report.latest).toBe('1.10.0');
    expect(report.backwardTransitive).toBe(true);
    expect(report.forward).toBe(false);
    expect(report.versions[2]!.report).toEqual(compareSchemas(reading(400), reading(500)));
  });

  it('tells a break with an older version apart from a break with the latest (transitive modes)', () => {
    // 1.1.0 slipped in a breaking change; a candidate identical to 1.1.0 is compatible with it, not with 1.0.0
    const history = [{ version: '1.0.0', schema: reading(1000) }, { version: '1.1.0', schema: reading(500) }];
    const report = checkAgainstHistory(reading(500), history);
    expect(report.backward).toBe(true);
    expect(report.backwardTransitive).toBe(false);
    expect(isCompatible(report, 'BACKWARD')).toBe(true);
    expect(requiredBump(report, 'BACKWARD')).toBe('minor');
    expect(requiredBump(report)).toBe('major'); // the coalition's rule is transitive
    expect(breakingChanges(report)).toEqual([expect.objectContaining({
      version: '1.0.0', pointer: '/properties/pm25/maximum', direction: 'backward', kind: 'maximum-lowered',
    })]);
    expect(breakingChanges(report, 'BACKWARD')).toEqual([]);
  });

  it('applies each mode to the directions it names', () => {
    const history = [{ version: '1.0.0', schema: reading(500) }];
    const addsOptional = checkAgainstHistory(reading(500, { no2: { type: 'number' } }), history); // closed model
    expect(isCompatible(addsOptional, 'BACKWARD_TRANSITIVE')).toBe(true);
    expect(isCompatible(addsOptional, 'FORWARD_TRANSITIVE')).toBe(false);
    expect(isCompatible(addsOptional, 'FULL')).toBe(false);
    expect(isCompatible(addsOptional, 'FULL_TRANSITIVE')).toBe(false);
    expect(breakingChanges(addsOptional, 'FULL').map((i) => i.kind)).toEqual(['property-added-to-closed-model']);
    expect(breakingChanges(addsOptional, 'BACKWARD')).toEqual([]);
  });

  it('keeps the given order when versions are not semantic versions', () => {
    const report = checkAgainstHistory(reading(1), [{ version: 'b', schema: reading(1) }, { version: 'a', schema: reading(2) }]);
    expect(report.latest).toBe('a');
  });
});

describe('requiredBump', () => {
  it('needs a major for a breaking change and a minor otherwise, under BACKWARD_TRANSITIVE by default', () => {
    expect(COALITION_MODE).toBe('BACKWARD_TRANSITIVE');
    expect(requiredBump(compareSchemas(reading(500), reading(1000)))).toBe('minor');
    expect(requiredBump(compareSchemas(reading(1000), reading(500)))).toBe('major');
    expect(requiredBump(compareSchemas(reading(500), reading(1000)), 'FULL')).toBe('major');
    expect(requiredBump(compareSchemas(reading(500), reading(1000)), 'FORWARD')).toBe('major');
    expect(requiredBump(compareSchemas(reading(1000), reading(500)), 'FORWARD_TRANSITIVE')).toBe('minor');
  });
});

describe('the shipped standards', () => {
  const root = join(process.cwd(), 'standards');
  const standards = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  const semverOrder = (x: string, y: string): number => {
    const a = x.split('.').map(Number);
    const b = y.split('.').map(Number);
    return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  };

  it.each(standards.length > 0 ? standards : ['(none)'])('%s: every minor or patch version is compatible with the earlier versions of its major', (id) => {
    if (id === '(none)') return;
    const versions = readdirSync(join(root, id), { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^\d+\.\d+\.\d+$/.test(d.name)).map((d) => d.name).sort(semverOrder);
    for (const [i, version] of versions.entries()) {
      const major = version.split('.')[0];
      const schema = JSON.parse(readFileSync(join(root, id, version, 'schema.json'), 'utf8')) as JsonSchema;
      const earlier = versions.slice(0, i).filter((v) => v.split('.')[0] === major)
        .map((v) => ({ version: v, schema: JSON.parse(readFileSync(join(root, id, v, 'schema.json'), 'utf8')) as JsonSchema }));
      const report = checkAgainstHistory(schema, earlier);
      expect({ version, breaking: breakingChanges(report) }).toEqual({ version, breaking: [] });
    }
  });
});
