import type { Logger } from '@nestjs/common';
import type { DatabaseSettings } from '#plaza/database';
import { SessionLock } from './session-lock.js';

/**
 * Elects the one instance that does some background work: on the embedded database its one process (the data folder
 * is locked) always is; on a server, the instance holding the session advisory lock `lock` on a connection of its own.
 * Each look confirms that connection still holds the lock; a lost connection lost the lock with it, so the look says no
 * and the next one opens another connection and tries again.
 */
export class ElectedByLock {
  private session: Promise<SessionLock> | undefined;

  constructor(
    private readonly database: DatabaseSettings,
    private readonly lock: string,
    private readonly applicationName: string,
    private readonly logger: Logger,
  ) {}

  /** Whether this instance is elected now: it holds the lock, or just took it. */
  async elected(): Promise<boolean> {
    const database = this.database;
    if (database.mode !== 'server') return true;
    try {
      this.session ??= SessionLock.open(database.url, this.lock, this.applicationName, database.connectTimeoutMs);
      return await (await this.session).tryLock();
    } catch (error) {
      this.logger.warn({ err: error, lock: this.lock }, 'lost the connection holding an election lock');
      await this.close();
      return false;
    }
  }

  /** Gives the lock up (at shutdown, or after a lost connection). */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.then((open) => open.close()).catch(() => undefined);
  }
}
