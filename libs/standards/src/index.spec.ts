import semver from 'semver';
import {
  CANONICAL_SCHEMA_BASE,
  checkAgainstHistory,
  loadProposalsFolder,
  loadStandardsFolder,
  SchemaValidator,
  type StandardDataTypes,
} from '#plaza/standards';
import { PROPOSALS_DIR, STANDARDS_DIR } from './test-support/paths.js';

const standards = await loadStandardsFolder(STANDARDS_DIR);

describe('#plaza/standards', () => {
  it('exposes the catalogue, validation and compatibility from one entry point', async () => {
    const validator = new SchemaValidator();
    for (const standard of standards) for (const version of standard.versions) validator.add(version.schema);
    expect(validator.ids().every((id) => id.startsWith(`${CANONICAL_SCHEMA_BASE}/standards/`))).toBe(true);
    expect((await loadProposalsFolder(PROPOSALS_DIR)).length).toBeGreaterThanOrEqual(8);
    const reading: StandardDataTypes['parking-occupancy@1.1.0'] = {
      facilityId: 'P1',
      observedAt: '2026-01-01T00:00:00Z',
      location: { type: 'Point', coordinates: [0, 0] },
      facilityType: 'offStreet',
      status: 'open',
      occupiedSpaces: 3,
    };
    expect(validator.validate(`${CANONICAL_SCHEMA_BASE}/standards/parking-occupancy/1.1.0/schema.json`, reading).valid).toBe(true);
  });

  // Each shipped minor version is a widening: backward compatible with every earlier version of its
  // major (the coalition's rule) and, by design, not forward compatible, for the stated reason.
  const expectedForwardBreak: Record<string, string> = {
    'air-quality-observation@1.1.0': 'property-added-to-closed-model',
    'traffic-flow-observation@1.1.0': 'enum-value-added',
    'parking-occupancy@1.1.0': 'required-removed',
    'noise-level-observation@1.1.0': 'minimum-lowered',
  };
  const later = standards.flatMap((s) =>
    s.versions
      .filter((v) => s.versions.some((e) => semver.major(e.version) === semver.major(v.version) && semver.lt(e.version, v.version)))
      .map((v) => [`${s.id}@${v.version}`, s, v] as const),
  );
  it.each(later)('%s is backward compatible with every earlier version of its major', (key, standard, version) => {
    const earlier = standard.versions
      .filter((e) => semver.major(e.version) === semver.major(version.version) && semver.lt(e.version, version.version))
      .map((e) => ({ version: e.version, schema: e.schema }));
    const report = checkAgainstHistory(version.schema, earlier);
    expect({ key, backwardTransitive: report.backwardTransitive }).toEqual({ key, backwardTransitive: true });
    expect(report.forward).toBe(false);
    const kinds = report.versions.flatMap((v) => v.report.incompatibilities.map((i) => i.kind));
    if (expectedForwardBreak[key]) expect(kinds).toContain(expectedForwardBreak[key]);
  });
});
