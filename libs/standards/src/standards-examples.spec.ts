import semver from 'semver';
import { loadStandardsFolder } from './catalogue/standards-folder.js';
import { SchemaValidator } from './validation/schema-validator.js';
import { STANDARDS_DIR } from './test-support/paths.js';

// The cases come from the folder itself: a new standard, version or example is tested without
// editing this file.
const standards = await loadStandardsFolder(STANDARDS_DIR);
const versions = standards.flatMap((s) => s.versions);
const validator = new SchemaValidator();
for (const version of versions) validator.add(version.schema);

const examples = versions.flatMap((v) => v.examples.map((e) => ({ ...e, schemaUri: v.schemaUri, label: `${v.standardId} ${v.version} ${e.expected}-${e.name}` })));

describe('the shipped standards', () => {
  it('are the four modelled standards, each with at least two versions', () => {
    expect(standards.map((s) => s.id)).toEqual(
      expect.arrayContaining(['air-quality-observation', 'traffic-flow-observation', 'parking-occupancy', 'noise-level-observation']),
    );
    for (const standard of standards) expect(standard.versions.length).toBeGreaterThanOrEqual(2);
  });

  it.each(versions.map((v) => [`${v.standardId} ${v.version}`, v] as const))('%s has at least two valid and two invalid examples', (_label, version) => {
    expect(version.examples.filter((e) => e.expected === 'valid').length).toBeGreaterThanOrEqual(2);
    expect(version.examples.filter((e) => e.expected === 'invalid').length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((e) => [e.label, e] as const))('%s', (_label, example) => {
    const result = validator.validate(example.schemaUri, example.data);
    if (example.expected === 'valid') expect(result).toEqual({ valid: true, errors: [] });
    else {
      expect(result.valid).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
    }
  });

  it('invalid examples of one version each fail for a different reason', () => {
    for (const version of versions) {
      const reasons = version.examples
        .filter((e) => e.expected === 'invalid')
        .map((e) => JSON.stringify(validator.validate(version.schemaUri, e.data).errors[0]));
      expect(new Set(reasons).size).toBe(reasons.length);
    }
  });

  // Evidence on real data that each later minor version is backward compatible: whatever an earlier
  // version of the same major accepted, the later one accepts too.
  const laterPairs = standards.flatMap((s) =>
    s.versions.flatMap((older) =>
      s.versions
        .filter((newer) => semver.major(newer.version) === semver.major(older.version) && semver.gt(newer.version, older.version))
        .map((newer) => [`${s.id} ${newer.version} accepts the valid examples of ${older.version}`, older, newer] as const),
    ),
  );
  it.each(laterPairs)('%s', (_label, older, newer) => {
    for (const example of older.examples.filter((e) => e.expected === 'valid')) {
      expect({ file: example.file, ...validator.validate(newer.schemaUri, example.data) }).toEqual({ file: example.file, valid: true, errors: [] });
    }
  });
});
