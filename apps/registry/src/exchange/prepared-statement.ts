import type { DataSource, EntityManager } from 'typeorm';
import { keepsPreparedStatements } from '#plaza/database';

/**
 * Runs one of the hot path's statements as a named prepared statement on the query runner's connection, so that
 * PostgreSQL parses it once per connection instead of once per request (and less text is sent each time); unnamed
 * where the connection may not keep prepared statements (PLAZA_DB_PREPARED_READS=false, a pooler in transaction mode).
 */
export async function runPrepared(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<unknown[]> {
  const client = (await manager.queryRunner!.connect()) as { query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> };
  return (await client.query(keepsPreparedStatements(client) ? { name, text, values } : { text, values })).rows;
}

/** runPrepared on a connection of its own, outside any transaction: for statements that run alone, on a timer or a request. */
export async function queryPrepared(db: DataSource, name: string, text: string, values: unknown[]): Promise<unknown[]> {
  const runner = db.createQueryRunner();
  try {
    return await runPrepared(runner.manager, name, text, values);
  } finally {
    await runner.release();
  }
}
