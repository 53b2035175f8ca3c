import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROBLEMS } from './problem-catalogue.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every `*-error.ts` module of the registry: where each feature (and the kernel) keeps its code enum and its table. */
function errorModules(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return errorModules(full);
    return entry.name.endsWith('-error.ts') ? [full] : [];
  });
}

describe('the problem catalogue', () => {
  it('holds every code of every error enum in the registry, so no feature table can be left out of the composition root', async () => {
    let enumCount = 0;
    for (const file of errorModules()) {
      const exports = (await import(file)) as Record<string, unknown>;
      const enums = Object.entries(exports).filter(([name, value]) => name.endsWith('ErrorCode') && typeof value === 'object');
      enumCount += enums.length;
      for (const [name, values] of enums) {
        for (const code of Object.values(values as object) as string[]) {
          expect({ enum: name, code, mapped: PROBLEMS.get(code) !== undefined }).toEqual({ enum: name, code, mapped: true });
        }
      }
    }
    // The kernel's request, service and auth codes, and one enum per feature.
    expect(enumCount).toBeGreaterThanOrEqual(14);
  });

  it('gives every code a 4xx or 5xx status, a title, and a dotted lower-case name', () => {
    for (const code of PROBLEMS.codes()) {
      const type = PROBLEMS.get(code)!;
      expect(type.status).toBeGreaterThanOrEqual(400);
      expect(type.status).toBeLessThan(600);
      expect(type.title.length).toBeGreaterThan(0);
      expect(code).toMatch(/^[a-z_]+\.[a-z_]+$/);
    }
  });
});
