import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { ElectedByLock } from '../platform/database/elected-by-lock.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { ExportFolder, type ExportManifest } from './export-files.js';
import { exported, ExportRecords } from './export-records.js';
import { sourceRow, sourcesCsv } from './sources-csv.js';

/** The advisory lock electing the one instance that builds exports on a server database, and how its connection shows. */
const BUILDER_LOCK = 'plaza.exports.builder';
const BUILDER_APPLICATION_NAME = 'plaza-exports';

/**
 * Builds the full exports in the background: every PLAZA_EXPORT_INTERVAL_MS (and once at start), if the journal has
 * grown past the latest export, it reads the public register a batch at a time and streams it to files, so its memory
 * does not grow with the register and no reader of an export ever holds a database connection. On a server database
 * one instance builds, elected by a session advisory lock (the others serve what it built, from the shared folder, and
 * take over when its connection goes); the embedded database's one process always builds.
 */
@Injectable()
export class ExportBuilder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Exports');
  readonly folder: ExportFolder;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ExportManifest | null> | undefined;
  private readonly election: ElectedByLock;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly journal: UnitOfWork,
    @Inject(ExportRecords) private readonly records: ExportRecords,
  ) {
    this.folder = new ExportFolder(config.exportDir);
    this.election = new ElectedByLock(config.database, BUILDER_LOCK, BUILDER_APPLICATION_NAME, this.logger);
  }

  onApplicationBootstrap(): void {
    if (this.config.exportIntervalMs === 0) return;
    const tick = () => {
      void this.refresh()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not build the exports; retrying'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.config.exportIntervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /**
   * Builds an export if this instance is the builder and the journal has grown past the latest one; the manifest of
   * what it built, or null if it built nothing. A call while a build runs waits for that build.
   */
  refresh(): Promise<ExportManifest | null> {
    this.running ??= this.buildIfGrown().finally(() => (this.running = undefined));
    return this.running;
  }

  private async buildIfGrown(): Promise<ExportManifest | null> {
    if (!(await this.election.elected())) return null;
    const [size, latest] = await Promise.all([this.journal.size(), this.folder.latest()]);
    if (latest !== null && latest.journalSize >= size) return null;
    await this.folder.prune(latest?.journalSize ?? null);
    return this.build(size);
  }

  /** Writes the export of journal size `size` and publishes it, unless this instance stopped being the builder meanwhile. */
  private async build(size: number): Promise<ExportManifest | null> {
    const started = new Date();
    const paths = { register: await this.folder.temporary('register', size), sources: await this.folder.temporary('sources', size) };
    const register = createWriteStream(paths.register);
    const csv = sourcesCsv();
    const csvFile = createWriteStream(paths.sources);
    // Settles once both files are complete, or fails on the first write error (a full disk): the pipeline then destroys
    // the CSV stream too, so a write waiting for it to drain fails rather than wait for good.
    const written = Promise.all([finished(register), pipeline(csv, csvFile)]);
    written.catch(() => undefined); // awaited below; this keeps an early failure from going unhandled meanwhile
    let records = 0;
    let sources = 0;
    try {
      for await (const batch of this.records.sourceBatches()) {
        this.stopUnlessRunning();
        for (const source of batch) await write(csv, sourceRow(source, this.config.publicUrl));
        await write(register, lines(batch.map((source) => exported('source', source))));
        sources += batch.length;
        records += batch.length;
      }
      for await (const batch of this.records.otherBatches()) {
        this.stopUnlessRunning();
        await write(register, lines(batch));
        records += batch.length;
      }
      register.end();
      csv.end();
      await written;
    } catch (error) {
      register.destroy();
      csv.destroy();
      csvFile.destroy();
      await this.folder.discard(paths);
      throw error;
    }
    // Its lock's connection may have gone during the build, and another instance be building now: that one publishes.
    if (!(await this.election.elected())) {
      this.logger.warn({ journalSize: size }, 'no longer the export builder; dropped the export built');
      await this.folder.discard(paths);
      return null;
    }
    const manifest: ExportManifest = {
      journalSize: size, startedAt: started.toISOString(), builtAt: new Date().toISOString(), records, sources,
      bytes: { register: register.bytesWritten, sources: csvFile.bytesWritten },
    };
    if (!(await this.folder.publish(paths, manifest))) return null;
    this.logger.log({ journalSize: size, records, ms: Date.now() - started.getTime() }, 'built the exports');
    return manifest;
  }

  /** A registry shutting down stops its build between two batches rather than keep its database open to the end. */
  private stopUnlessRunning(): void {
    if (this.stopped) throw new Error('the registry is shutting down; the export will be built at its next start');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.election.close();
  }
}

/** A batch of records as JSON Lines: JSON.stringify escapes every line break inside a string, so one record is one line. */
const lines = (batch: object[]) => batch.map((record) => `${JSON.stringify(record)}\n`).join('');

/**
 * Writes and, when the stream's buffer is full, waits for it to drain, so what is written never piles up in memory;
 * fails if the stream fails meanwhile (once() rejects on its 'error') or has already failed (it would never drain).
 */
export async function write(stream: Writable | WriteStream, chunk: unknown): Promise<void> {
  if (stream.write(chunk)) return;
  if (stream.destroyed) throw stream.errored ?? new Error('the export file was closed before it was complete');
  await once(stream, 'drain');
}
