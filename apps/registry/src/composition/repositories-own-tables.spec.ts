import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A call of the ORM on an entity manager or data source: a read, a write or raw SQL. */
const ORM_CALL = /\b(?:manager|db|dataSource)\s*\.\s*(?:save|insert|update|delete|remove|upsert|increment|decrement|create|merge|query|find\w*|exists\w*|count\w*|createQueryBuilder|getRepository)\s*[<(]/;

/** Where the ORM may be called: repositories, and the exchange's one documented read model across features. */
const ALLOWED = (file: string) => file.endsWith('.repository.ts') || file.endsWith(path.join('exchange', 'registry-read-model.ts'));

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('repositories own every read and write of their tables', () => {
  it('finds no call of the ORM outside a repository (or the exchange read model)', () => {
    const offending = sources()
      .filter((file) => !ALLOWED(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, i) => (ORM_CALL.test(line) ? [`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offending).toEqual([]);
  });

  it('recognises the calls it forbids', () => {
    for (const line of ['await tx.manager.save(source);', 'manager.findOneBy(Source, { id })', "this.db.query('SELECT 1')", 'manager.createQueryBuilder(Source, "s")']) {
      expect(ORM_CALL.test(line)).toBe(true);
    }
    expect(ORM_CALL.test('await this.sources.save(source, tx.manager);')).toBe(false);
  });
});
