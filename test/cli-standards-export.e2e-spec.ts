import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportStandards } from '../apps/cli/src/standards-export.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import { SHARED_LOG_KEY } from './support/test-app.js';

/** plaza standards export, through libs/client's typed client, against the built registry (embedded database or DATABASE_URL). */
describe('plaza standards export', () => {
  let registry: RegistryProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-standards-export-'));
    const server: Record<string, string> = process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY } : {};
    registry = await startRegistry({ ...server, PLAZA_DATA_DIR: join(dir, 'data'), PLAZA_LOG_LEVEL: 'warn' });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
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
