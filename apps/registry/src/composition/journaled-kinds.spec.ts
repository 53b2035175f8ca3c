import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOURNALED_KIND_LIST } from './journaled-kinds.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('the list of journaled kinds', () => {
  it('holds every kind a feature declares, each once, so none can be forgotten', async () => {
    const declared = [];
    for (const file of sources().filter((f) => readFileSync(f, 'utf8').includes('JournaledKind'))) {
      for (const value of Object.values((await import(file)) as Record<string, unknown>)) {
        if (typeof value === 'object' && value !== null && 'subjectType' in value && 'disclose' in value) declared.push(value);
      }
    }
    expect(declared.length).toBeGreaterThanOrEqual(12);
    expect(new Set(JOURNALED_KIND_LIST)).toEqual(new Set(declared));
    const types = JOURNALED_KIND_LIST.map((kind) => kind.subjectType);
    expect(new Set(types).size).toBe(types.length);
  });
});
