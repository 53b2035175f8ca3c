import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { backup, BackupError, pgConnection, restore } from './backup.js';

/** Writes a backup folder by hand, as another tool or a copy would: with a mark of its own in its data folder. */
function handMadeBackup(folder: string, database: 'embedded' | 'server', mark: object) {
  mkdirSync(join(folder, 'data'), { recursive: true });
  writeFileSync(join(folder, 'plaza-backup.json'), JSON.stringify({ format: 'plaza-backup', version: 1, database, createdAt: new Date().toISOString() }));
  writeFileSync(join(folder, 'data', 'log-signing-key.jwk'), 'restored key');
  writeFileSync(join(folder, 'data', 'log-published-size.json'), JSON.stringify(mark));
}

describe('plaza backup and restore', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'plaza-backup-spec-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('keeps the current published size when the backup folder holds a stale one', async () => {
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const current = JSON.stringify({ origin: 'o', size: 10, root: 'new' });
    writeFileSync(join(dataDir, 'log-published-size.json'), current);
    handMadeBackup(join(work, 'backup'), 'embedded', { origin: 'o', size: 3, root: 'old' });
    await restore(join(work, 'backup'), { dataDir });
    expect(readFileSync(join(dataDir, 'log-signing-key.jwk'), 'utf8')).toBe('restored key');
    expect(readFileSync(join(dataDir, 'log-published-size.json'), 'utf8')).toBe(current);
  });

  it('refuses a backup folder that exists, and makes a new one readable by its owner only, parents included', async () => {
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    mkdirSync(join(work, 'taken'), { mode: 0o777 });
    await expect(backup(join(work, 'taken'), { dataDir })).rejects.toThrow(BackupError);
    await backup(join(work, 'parent', 'new'), { dataDir });
    expect(statSync(join(work, 'parent', 'new')).mode & 0o777).toBe(0o700);
  });

  it('gives pg_dump and pg_restore the password in their environment, never on the command line', () => {
    const { dbname, env } = pgConnection('postgres://plaza:s%40cret@db.example:5432/plaza?sslmode=require');
    expect(dbname).not.toContain('s%40cret');
    expect(dbname).toBe('postgres://plaza@db.example:5432/plaza?sslmode=require');
    expect(env.PGPASSWORD).toBe('s@cret');
    expect(pgConnection('postgres://plaza@db.example/plaza').env.PGPASSWORD).toBe(process.env.PGPASSWORD);
  });

  const onServer = process.env.DATABASE_URL ? it : it.skip;

  onServer('writes the server dump readable by its owner only', async () => {
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    await backup(join(work, 'backup'), { dataDir, databaseUrl: process.env.DATABASE_URL });
    expect(statSync(join(work, 'backup', 'database.dump')).mode & 0o777).toBe(0o600);
  });

  onServer('restores from a relative folder whose name starts with a dash, read as a path rather than an option', async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const cwd = process.cwd();
    process.chdir(work);
    try {
      await backup('-backup', { dataDir, databaseUrl });
      await expect(restore('-backup', { dataDir, databaseUrl })).resolves.toMatchObject({ database: 'server' });
    } finally {
      process.chdir(cwd);
    }
  });

  onServer('refuses to restore a server database while a registry is connected to it, changing nothing', async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'log-signing-key.jwk'), 'current key');
    handMadeBackup(join(work, 'backup'), 'server', { origin: 'o', size: 3, root: 'old' });
    // The registry's change listener, as apps/registry/src/platform/registry-changes/registry-changes.ts opens it.
    const registry = new pg.Client({ connectionString: databaseUrl, application_name: 'plaza-registry-changes' });
    await registry.connect();
    try {
      await expect(restore(join(work, 'backup'), { dataDir, databaseUrl })).rejects.toThrow('a registry is running on this database');
    } finally {
      await registry.end();
    }
    expect(readFileSync(join(dataDir, 'log-signing-key.jwk'), 'utf8')).toBe('current key');
  });
});
