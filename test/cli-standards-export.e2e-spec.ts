import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportStandards } from '../apps/cli/src/standards-export.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import type { ScratchDatabase } from './support/scratch-database.js';
import { createDatabase } from './support/test-app.js';

/** plaza standards export, through libs/client's typed client, against the built registry (embedded database or DATABASE_URL). */
describe('plaza standards export', () => {
  let registry: RegistryProcess;
  let dir: string;
  // A database of its own on the server: other suites' proposals publish versions in a shared one.
  let database: ScratchDatabase | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-standards-export-'));
    if (process.env.DATABASE_URL) database = await createDatabase(process.env.DATABASE_URL);
    registry = await startRegistry({ ...(database ? { DATABASE_URL: database.url } : {}), PLAZA_DATA_DIR: join(dir, 'data'), PLAZA_LOG_LEVEL: 'warn' });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes every version the registry serves into a standards folder, then finds them all unchanged; without --all, only proposals' versions", async () => {
    const folder = join(dir, 'standards');
    const written = await exportStandards(registry.url, folder, true);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((r) => r.outcome === 'written')).toBe(true);
    for (const r of written) expect(existsSync(join(folder, r.standard, r.version))).toBe(true);
    expect((await exportStandards(registry.url, folder, true)).map((r) => r.outcome)).toEqual(written.map(() => 'unchanged'));
    // A fresh registry's versions are its baseline: none came from a proposal.
    expect(await exportStandards(registry.url, folder, false)).toEqual([]);
  });
});
