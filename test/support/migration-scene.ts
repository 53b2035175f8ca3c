import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, openDatabase, type OpenDatabase } from '#plaza/database';
import { loadConfig } from '../../apps/registry/src/platform/config/config.js';
import { createDatabase } from './test-app.js';

/** A throwaway database for testing one migration on data written before it. */
export interface MigrationScene {
  /** The database migrated up to, not including, the migration under test: write the old rows here, then close it. */
  before(): Promise<OpenDatabase>;
  /** The same database migrated through the migration under test. */
  through(): Promise<OpenDatabase>;
  /** Drops the database (on the server) or its folder (embedded). */
  dispose(): Promise<void>;
}

/** `migration` is the class name, e.g. 'RoleGrants1796600000000'; the scene is embedded, or a new database on DATABASE_URL's server. */
export async function migrationScene(migration: string): Promise<MigrationScene> {
  const position = MIGRATIONS.findIndex((m) => m.name === migration);
  if (position < 0) throw new Error(`no migration named ${migration}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-migration-'));
  const own = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
  const settings = loadConfig({ PLAZA_DATA_DIR: dataDir, DATABASE_URL: own?.url }).database;
  const open = (migrations: typeof MIGRATIONS) => openDatabase(settings, { entities: [], migrations }, () => undefined);
  return {
    before: () => open(MIGRATIONS.slice(0, position)),
    through: () => open(MIGRATIONS.slice(0, position + 1)),
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
      await own?.drop();
    },
  };
}
