import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MIGRATIONS, openDatabase, type OpenDatabase } from '#plaza/database';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { Metrics } from '../metrics/metrics.js';

const OPEN_DATABASE = Symbol('OPEN_DATABASE');
const POOL_METRICS = Symbol('POOL_METRICS');

/** What node-postgres's pool counts (the driver's `master`, in both modes: the embedded database is reached through a pool of one). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The pool's connections in use and idle, and the queries waiting for one, read at scrape time. */
function poolMetrics(metrics: Metrics, db: OpenDatabase): void {
  const pool = (db.dataSource.driver as unknown as { master?: PoolCounts }).master;
  if (pool === undefined) return;
  metrics.gauge({
    name: 'plaza_db_pool_connections',
    help: 'Connections of the database pool, by state: in use (busy) or idle.',
    labelNames: ['state'],
    collect() {
      this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  metrics.gauge({
    name: 'plaza_db_pool_waiting',
    help: 'Requests waiting for a connection of the database pool (all in use).',
    collect() {
      this.set(pool.waitingCount);
    },
  });
}

/** Opens the embedded or server database at start (running migrations) with the entities the composition root lists, and closes it at shutdown. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(OPEN_DATABASE) private readonly db: OpenDatabase) {}

  static forRoot(entities: readonly Function[]): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: OPEN_DATABASE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const logger = new Logger('Database');
            // An idle connection dropped by a server restart must not take the process down.
            return openDatabase(config.database, { entities: [...entities], migrations: MIGRATIONS }, (error) => {
              // By class and code only: no error's message goes into a log line.
              const { code } = error as { code?: unknown };
              logger.warn(`database connection lost (${error.name}${typeof code === 'string' ? ` ${code}` : ''})`);
            });
          },
        },
        { provide: DataSource, inject: [OPEN_DATABASE], useFactory: (db: OpenDatabase) => db.dataSource },
        { provide: POOL_METRICS, inject: [Metrics, OPEN_DATABASE], useFactory: poolMetrics },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
