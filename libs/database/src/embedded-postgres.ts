import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { FolderLockedError, lockFolder } from './folder-lock.js';

export class DataFolderLockedError extends Error {
  constructor(readonly folder: string) {
    super(`the data folder ${folder} is in use by another Plaza process (lock ${folder}/pgdata.holder); stop it or choose another PLAZA_DATA_DIR`);
  }
}

/**
 * PGlite on disk, served over the PostgreSQL wire protocol on a private unix socket so that the
 * registry talks to it through the same `pg` driver as to a server. PGlite has one backend, so the
 * pool in front of it must hold a single connection: transactions then run one after another and
 * keep their isolation (no other transaction can see or undo an uncommitted one).
 * PGlite takes no lock on its folder, so this class does, and refuses a folder another process holds.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly socketDir: string,
    private readonly releaseLock: () => void,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const pgdata = join(dataDir, 'pgdata');
    mkdirSync(pgdata, { recursive: true, mode: 0o700 });
    let release: () => void;
    try {
      // A lock left by a killed process is taken over at once; a live holder's is refused.
      release = lockFolder(`${pgdata}.holder`);
    } catch (error) {
      if (error instanceof FolderLockedError) throw new DataFolderLockedError(dataDir);
      throw error;
    }
    try {
      const db = await PGlite.create({ dataDir: pgdata });
      const socketDir = mkdtempSync(join(tmpdir(), 'plaza-pg-'));
      const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 1 });
      await server.start();
      return new EmbeddedPostgres(db, server, socketDir, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Connection settings for `pg`: host is the socket's folder, as libpq expects. */
  get connection(): { host: string; port: number; username: string; database: string } {
    return { host: this.socketDir, port: 5432, username: 'postgres', database: 'postgres' };
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.socketDir, { recursive: true, force: true });
    this.releaseLock();
  }
}
