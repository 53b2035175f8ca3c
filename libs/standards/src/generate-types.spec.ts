import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTypes, pascalCase } from './generate-types.js';
import { GENERATED_DIR, STANDARDS_DIR } from './test-support/paths.js';

describe('generated standard types', () => {
  it('are up to date with standards/ (run `npm run standards:types` when this fails)', async () => {
    const expected = await generateTypes(STANDARDS_DIR);
    const committed = (await readdir(GENERATED_DIR)).filter((name) => name.endsWith('.ts')).sort();
    expect(committed).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      const stale = (await readFile(join(GENERATED_DIR, name), 'utf8')) !== content;
      expect({ file: name, stale }).toEqual({ file: name, stale: false });
    }
  });

  it('marks every file as generated and names the root type after the standard', async () => {
    const files = await generateTypes(STANDARDS_DIR);
    for (const content of files.values()) expect(content).toMatch(/^\/\*\n \* GENERATED FILE - DO NOT EDIT\.\n[\s\S]*npm run standards:types/);
    expect(files.get('parking-occupancy-v1_1_0.ts')).toContain('export interface ParkingOccupancy {');
    expect(files.get('parking-occupancy-v1_1_0.ts')).toContain('totalSpaces?: number;');
    expect(files.get('parking-occupancy-v1_0_0.ts')).toContain('totalSpaces: number;');
    expect(files.get('index.ts')).toContain("'traffic-flow-observation@1.1.0': TrafficFlowObservationV1_1_0Data;");
  });

  it('names types in PascalCase', () => {
    expect(pascalCase('air-quality-observation')).toBe('AirQualityObservation');
  });
});
