import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MIGRATIONS, openDatabase, type OpenDatabase } from '#plaza/database';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';

const OPEN_DATABASE = Symbol('OPEN_DATABASE');

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
            return openDatabase(config.database, { entities: [...entities], migrations: MIGRATIONS }, (error) => logger.warn(`database connection lost: ${error.message}`));
          },
        },
        { provide: DataSource, inject: [OPEN_DATABASE], useFactory: (db: OpenDatabase) => db.dataSource },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
