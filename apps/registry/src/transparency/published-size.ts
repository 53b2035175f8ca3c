import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { computeRoot } from '#plaza/merkle';
import { parseCheckpoint } from '#plaza/note';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { treeHasher } from '../platform/journal/merkle-node.repository.js';
import { TransparencyRepository } from './transparency.repository.js';

/** The high-water mark's file in the data folder: `plaza backup` leaves it out and `plaza restore` keeps it. */
export const PUBLISHED_SIZE_FILE = 'log-published-size.json';

/** The largest checkpoint this data folder's registry published: its origin, size and root (standard base64). */
interface Mark {
  origin: string;
  size: number;
  rootHash: string;
}

/** The registry would sign a tree other than one it published: it does not start until the operator decides. */
export class LogRolledBackError extends Error {}

/**
 * The log's published high-water mark, kept outside the database so that a database restored from an older backup
 * cannot hide what was published after it (the restored checkpoints are the old ones). Written durably before a
 * checkpoint of a new size is stored, hence before any instance serves it or sends it to a witness; checked at start,
 * before anything is signed: a journal shorter than the mark, or with another root at its size, would let the log sign
 * a second tree of a size it already published, so the registry refuses to start.
 */
@Injectable()
export class PublishedSize {
  private readonly logger = new Logger('TransparencyLog');
  private marked: Mark | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyRepository) private readonly repository: TransparencyRepository,
  ) {}

  private get path(): string {
    return join(this.config.dataDir, PUBLISHED_SIZE_FILE);
  }

  /** Refuses a journal that does not hold the published tree, unless the operator abandoned that log for a new origin. */
  async refuseRollback(): Promise<void> {
    const mark = this.read();
    if (mark === null) {
      // No mark yet (a data folder older than it, or new): what the database says it published is the best start.
      const latest = await this.repository.latestCheckpoint();
      if (latest) await this.record(latest.size, latest.rootHash, parseCheckpoint(latest.body).origin);
      return;
    }
    if (mark.origin !== this.config.logOrigin && mark.origin === this.config.logAbandonedOrigin) {
      this.logger.warn(`the log ${mark.origin} was abandoned by the operator (PLAZA_LOG_ABANDONED_ORIGIN) at ${mark.size} entries published; this registry goes on as the new log ${this.config.logOrigin}`);
      return;
    }
    if (mark.origin !== this.config.logOrigin) {
      // Most often a mistyped setting: say which origin the log has, and name the way on after a restore only second.
      throw new LogRolledBackError(
        `the registry does not start: PLAZA_LOG_ORIGIN is "${this.config.logOrigin}" but the log's checkpoints are signed with the origin "${mark.origin}" ` +
          `(its data folder says it published ${mark.size} entries): a changed origin breaks every verifier's saved state, so set PLAZA_LOG_ORIGIN=${mark.origin}. ` +
          `Only to go on as a new log after restoring a backup older than what it published, set PLAZA_LOG_ABANDONED_ORIGIN=${mark.origin} with the new origin`,
      );
    }
    const size = await this.repository.treeSize();
    const problem =
      size < mark.size
          ? `the log published a checkpoint of ${mark.size} entries, but the database holds only ${size}: it was restored from a backup older than what the log published`
          : Buffer.from(await computeRoot(this.repository.store(), treeHasher, mark.size)).toString('base64') !== mark.rootHash
            ? `the database's tree of ${mark.size} entries is not the one the log published at that size: it was restored from another history`
            : null;
    if (problem === null) {
      this.marked = mark;
      return;
    }
    throw new LogRolledBackError(
      `the registry does not start: ${problem}. Signing now would publish a second, different tree of a size the log already published (a fork). ` +
        `Restore a backup taken after the log reached ${mark.size} entries; or, knowing that the entries after this backup are lost, go on as a new log: ` +
        `set PLAZA_LOG_ORIGIN to a new origin and PLAZA_LOG_ABANDONED_ORIGIN=${mark.origin} (the published mark is ${this.path})`,
    );
  }

  /** Before a checkpoint of a new size is stored: the mark moves up to it, durably, and never down. */
  async record(size: number, rootHash: Buffer, origin = this.config.logOrigin): Promise<void> {
    if (this.marked?.origin === origin && this.marked.size >= size) return;
    const onDisk = this.read();
    // Another process of this data folder (a cluster's worker that signed before) may have marked further.
    if (onDisk?.origin === origin && onDisk.size >= size) {
      this.marked = onDisk;
      return;
    }
    const mark: Mark = { origin, size, rootHash: rootHash.toString('base64') };
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    const draft = `${this.path}.${process.pid}`;
    const fd = openSync(draft, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(mark)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(draft, this.path);
    const folder = openSync(this.config.dataDir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
    this.marked = mark;
  }

  private read(): Mark | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let mark: Partial<Mark> | null = null;
    try {
      mark = JSON.parse(text) as Partial<Mark>;
    } catch {
      // Refused below, as any other content the registry did not write.
    }
    if (mark === null || typeof mark.origin !== 'string' || !Number.isSafeInteger(mark.size) || typeof mark.rootHash !== 'string') {
      throw new LogRolledBackError(`the registry does not start: ${this.path} does not hold the log's published size as the registry wrote it`);
    }
    return mark as Mark;
  }
}
