import type { EntityManager } from 'typeorm';

/**
 * Runs one of the hot path's statements as a named prepared statement on the query runner's connection, so that
 * PostgreSQL parses it once per connection instead of once per request (and less text is sent each time).
 */
export async function runPrepared(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<unknown[]> {
  const client = (await manager.queryRunner!.connect()) as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> };
  return (await client.query({ name, text, values })).rows;
}
