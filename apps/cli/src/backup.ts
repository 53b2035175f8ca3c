import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * `plaza backup` and `plaza restore`: a registry's database (a pg_dump of the server, or the embedded database's folder
 * copied while no registry holds it) with its data folder: the log, witness and delivery signing keys, the key
 * encrypting sink credentials and the operator key, when the registry made them there. The delivery state (subscriptions,
 * their positions and leases) is in the database. Left out: the log's published size (the registry's
 * `log-published-size.json`), which must outlive a restore so that a registry restored to an older point refuses to
 * sign over what it published; the exports, which the registry builds again; and the embedded database's lock.
 */

const MANIFEST = 'plaza-backup.json';
const DUMP = 'database.dump';
const DATA = 'data';
/** The registry's high-water mark (apps/registry/src/transparency/published-size.ts): kept where it is, never copied. */
const PUBLISHED_SIZE_FILE = 'log-published-size.json';
/** The embedded database's lock (libs/database's EmbeddedPostgres) and the lock's leftovers. */
const LOCK = 'pgdata.holder';

interface Manifest {
  format: 'plaza-backup';
  version: 1;
  database: 'embedded' | 'server';
  createdAt: string;
}

export interface BackupOptions {
  dataDir: string;
  /** A PostgreSQL server's URL; absent: the embedded database in the data folder. */
  databaseUrl?: string;
}

export class BackupError extends Error {}

const run = promisify(execFile);
/** What a restore keeps of the data folder: the published size, and the lock it holds. */
const kept = (name: string) => name === PUBLISHED_SIZE_FILE || name.startsWith(LOCK);
/** What a backup leaves out: those, and the exports (an export newer than the restored journal must not stay the latest). */
const leftOut = (name: string) => kept(name) || name === 'exports';
/** Copies a data folder but what `leftOut` names: a backup's folder holding a mark (copied by hand) must not replace the current one. */
const copyData = (from: string, to: string) =>
  cpSync(from, to, { recursive: true, filter: (source) => source === from || !leftOut(source.slice(from.length + 1).split('/')[0]!) });
/**
 * The registry's change listener names its connection so (REGISTRY_CHANGES_APPLICATION_NAME in
 * apps/registry/src/platform/registry-changes/registry-changes.ts; the CLI imports only libs): it is open while a
 * registry on a server database runs.
 */
const REGISTRY_CHANGES_APPLICATION_NAME = 'plaza-registry-changes';

/** The URL pg_dump and pg_restore get, without its password, which goes in their environment: a command line is visible to every local user (ps). */
export function pgConnection(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

/**
 * Holds the embedded database's folder lock for the copy: a running registry holds it (so the copy is refused rather
 * than taken of a database being written, which PGlite's files would not survive), and none can start meanwhile.
 */
async function withEmbeddedFolder<T>(dataDir: string, work: () => T): Promise<T> {
  const { lockFolder, FolderLockedError } = await import('#plaza/database');
  let release: () => void;
  try {
    release = lockFolder(join(dataDir, LOCK));
  } catch (error) {
    if (error instanceof FolderLockedError) throw new BackupError(`a registry is running on ${dataDir}: stop it first (the embedded database is copied only while no process holds it)`);
    throw error;
  }
  try {
    return work();
  } finally {
    release();
  }
}

async function pgTool(command: 'pg_dump' | 'pg_restore', databaseUrl: string, args: string[]): Promise<void> {
  const { dbname, env } = pgConnection(databaseUrl);
  try {
    await run(command, [...args, `--dbname=${dbname}`], { maxBuffer: 16 * 1024 * 1024, env });
  } catch (error) {
    const failed = error as NodeJS.ErrnoException & { stderr?: string };
    if (failed.code === 'ENOENT') throw new BackupError(`${command} is not installed: install the PostgreSQL client of your server's version`);
    throw new BackupError(`${command} failed: ${(failed.stderr ?? failed.message).trim()}`);
  }
}

/** A restore under a running registry would change the database beneath it (and its data folder): refused. */
async function refuseWhileRegistryRuns(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  let running: boolean;
  try {
    await client.connect();
    const { rows } = await client.query<{ running: boolean }>(
      'select exists (select 1 from pg_stat_activity where datname = current_database() and application_name = $1) as running',
      [REGISTRY_CHANGES_APPLICATION_NAME],
    );
    running = rows[0]!.running;
  } catch (error) {
    throw new BackupError(`cannot reach the database: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (running) throw new BackupError('a registry is running on this database: stop every instance first (a restore replaces the database beneath it)');
}

/** Writes a backup into `out`, a folder that must not exist yet (it holds private keys: made readable by its owner only). */
export async function backup(out: string, options: BackupOptions): Promise<Manifest> {
  const dataDir = resolve(options.dataDir);
  out = resolve(out);
  if (!existsSync(dataDir)) throw new BackupError(`there is no data folder ${dataDir}`);
  mkdirSync(dirname(out), { recursive: true });
  try {
    // Not recursive: fails if the folder exists, even one made after any check (by another user, readable by others).
    mkdirSync(out, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${out} exists: a backup goes into a new folder`);
    throw error;
  }
  const copy = () => copyData(dataDir, join(out, DATA));
  const manifest: Manifest = { format: 'plaza-backup', version: 1, database: options.databaseUrl ? 'server' : 'embedded', createdAt: new Date().toISOString() };
  if (options.databaseUrl) {
    // pg_dump reads one snapshot: consistent while the registry runs. The keys in the data folder do not change.
    // Made first, owner only: pg_dump keeps an existing file's mode, and would make a new one under the umask.
    writeFileSync(join(out, DUMP), '', { mode: 0o600, flag: 'wx' });
    await pgTool('pg_dump', options.databaseUrl, ['--format=custom', `--file=${join(out, DUMP)}`]);
    copy();
  } else {
    await withEmbeddedFolder(dataDir, copy);
  }
  writeFileSync(join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/**
 * Restores a backup over a registry that is stopped (every instance): the data folder gets the backup's files, keeping
 * only its published size; the server database is replaced by the dump in one transaction.
 */
export async function restore(from: string, options: BackupOptions): Promise<Manifest> {
  const dataDir = resolve(options.dataDir);
  from = resolve(from);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(from, MANIFEST), 'utf8')) as Manifest;
  } catch (error) {
    throw new BackupError(`${from} is not a Plaza backup (${MANIFEST}: ${(error as Error).message})`);
  }
  if (manifest.format !== 'plaza-backup' || manifest.version !== 1) throw new BackupError(`${from} is not a Plaza backup this command reads`);
  const wanted = options.databaseUrl ? 'server' : 'embedded';
  if (manifest.database !== wanted) {
    throw new BackupError(`${from} is a backup of ${manifest.database === 'server' ? 'a PostgreSQL server (give --database-url)' : 'the embedded database (give no --database-url)'}`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const replaceData = () => {
    for (const name of readdirSync(dataDir)) if (!kept(name)) rmSync(join(dataDir, name), { recursive: true, force: true });
    copyData(join(from, DATA), dataDir);
  };
  if (options.databaseUrl) {
    await refuseWhileRegistryRuns(options.databaseUrl);
    // --clean drops what the dump holds before making it again, all in one transaction: a failed restore changes nothing.
    // The dump's path is absolute (resolved above): never read as an option.
    await pgTool('pg_restore', options.databaseUrl, ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', join(from, DUMP)]);
    replaceData();
  } else {
    await withEmbeddedFolder(dataDir, replaceData);
  }
  return manifest;
}
