import { DataSource, type DataSourceOptions, type EntitySchema, MigrationExecutor, type MixedList } from 'typeorm';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { PreparingClient } from './preparing-client.js';

export type DatabaseSettings = (
  | { mode: 'server'; url: string; poolSize: number; connectTimeoutMs: number; statementTimeoutMs: number }
  | { mode: 'embedded'; dataDir: string }
) & {
  /** Prepare each parameterised read once per connection (PreparingClient); on unless told otherwise. */
  preparedReads?: boolean;
};

export interface OpenDatabase {
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The driver's pool, for its events. */
interface Pool {
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'connect', listener: (client: { query(text: string): Promise<unknown> }) => void): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Classes = MixedList<Function | string | EntitySchema>;

/**
 * Opens the registry's database and runs pending migrations (never synchronize).
 * `onPoolError` receives errors of idle connections (a server restart), which would otherwise kill the process.
 */
export async function openDatabase(
  settings: DatabaseSettings,
  model: { entities: Classes; migrations: Classes },
  onPoolError: (error: Error) => void,
): Promise<OpenDatabase> {
  const embedded = settings.mode === 'embedded' ? await EmbeddedPostgres.start(settings.dataDir) : undefined;
  const connection: Partial<DataSourceOptions> =
    settings.mode === 'embedded'
      ? // One session, so one connection, kept for good (0: never closed for being idle).
        { ...embedded!.connection, extra: { max: 1, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 0 } }
      : {
          url: settings.url,
          extra: {
            max: settings.poolSize,
            connectionTimeoutMillis: settings.connectTimeoutMs,
            statement_timeout: settings.statementTimeoutMs,
            idleTimeoutMillis: 30_000,
          },
        };
  const client = settings.preparedReads === false ? {} : { Client: PreparingClient };
  const dataSource = new DataSource({
    type: 'postgres',
    ...connection,
    extra: { ...(connection.extra as object), ...client },
    entities: model.entities,
    migrations: model.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
  } as DataSourceOptions);
  try {
    await dataSource.initialize();
    const pool = (dataSource.driver as unknown as { master?: Pool }).master;
    pool?.on('error', onPoolError);
    // PGlite is one session whatever the connection: a new connection (after the last one broke) finds the statements
    // its predecessor prepared, which the new client does not know of and would prepare again.
    if (embedded && settings.preparedReads !== false) pool?.on('connect', (client) => void client.query('DEALLOCATE ALL').catch(() => undefined));
    await migrate(dataSource, settings.mode === 'server');
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * Runs pending migrations. On a server several instances (or test suites) may start at once on a new
 * database; a session advisory lock makes them migrate one after another instead of colliding. They run on the
 * lock's own connection, so a pool of one (PLAZA_DB_POOL_SIZE=1) does not wait for a second.
 * The embedded database has one process (its folder is locked) and one connection, which the lock would hold.
 */
async function migrate(dataSource: DataSource, shared: boolean): Promise<void> {
  if (!shared) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('plaza.migrations'))");
    const migrations = new MigrationExecutor(dataSource, lock);
    migrations.transaction = 'each';
    await migrations.executePendingMigrations();
  } finally {
    await lock.query("SELECT pg_advisory_unlock(hashtext('plaza.migrations'))").catch(() => undefined);
    await lock.release();
  }
}
