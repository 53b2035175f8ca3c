import pg from 'pg';

const QUERY_TIMEOUT_MS = 5_000;

/**
 * A PostgreSQL session advisory lock on a connection of its own, outside the pool (which it would otherwise hold one
 * connection of for good), electing the one instance of a server database that does some background work. The lock
 * lasts as long as that connection, so an instance that dies or loses its database lets another take over.
 * Keepalives and a query timeout make a silently dropped connection fail in seconds.
 */
export class SessionLock {
  private held = false;

  private constructor(private readonly client: pg.Client, private readonly name: string) {}

  /** Connects, as `applicationName` in pg_stat_activity; the lock is taken by `tryLock`. */
  static async open(url: string, name: string, applicationName: string, connectTimeoutMs: number): Promise<SessionLock> {
    const client = new pg.Client({
      connectionString: url,
      application_name: applicationName,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // A lost connection shows at the session's next query, which fails and ends it.
    client.on('error', () => undefined);
    await client.connect();
    return new SessionLock(client, name);
  }

  /** Takes the lock if no other session holds it; true while this session holds it (a failing connection throws). */
  async tryLock(): Promise<boolean> {
    if (this.held) {
      await this.client.query('SELECT 1');
      return true;
    }
    const { rows } = await this.client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS taken', [this.name]);
    this.held = rows[0]!.taken;
    return this.held;
  }

  /** Gives the lock up by ending the connection, which ends every lock the session held. */
  async close(): Promise<void> {
    this.held = false;
    await this.client.end().catch(() => undefined);
  }
}
