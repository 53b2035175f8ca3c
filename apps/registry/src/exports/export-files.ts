import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The files of one export: the register as JSON Lines, and the sources as CSV. */
export const EXPORT_FILES = {
  register: { name: 'register', extension: 'jsonl', mediaType: 'application/jsonl; charset=utf-8' },
  sources: { name: 'sources', extension: 'csv', mediaType: 'text/csv; charset=utf-8; header=present' },
} as const;
export type ExportFile = keyof typeof EXPORT_FILES;

/** What the manifest of a complete export says; it is written last, so an export without one is not complete. */
export interface ExportManifest {
  /** The journal's size when the build began, a lower bound: every change below it is in the export (a record changed since shows its later state and index). */
  journalSize: number;
  startedAt: string;
  builtAt: string;
  records: number;
  sources: number;
  /** Each file's size in bytes. */
  bytes: Record<ExportFile, number>;
}

const MANIFEST = /^export-(\d+)\.json$/;
const EXPORT_FILE = /^(?:register|sources)-(\d+)\./;
const TEMPORARY = '.building-';
/**
 * How long a build's temporary file may go unwritten before it is taken for a leftover of a build that died: a build
 * under way writes its register file batch after batch, but its sources file not after the sources are read.
 */
export const STALE_TEMPORARY_MS = 24 * 60 * 60 * 1000;

/** `register-<journal size>.jsonl`: files are named by the journal size they reflect. */
export const fileName = (file: ExportFile, size: number) => `${EXPORT_FILES[file].name}-${size}.${EXPORT_FILES[file].extension}`;
const manifestName = (size: number) => `export-${size}.json`;

/** An export file opened for reading, with its manifest; the file stays readable after it is deleted, until closed. */
export interface OpenExport {
  manifest: ExportManifest;
  handle: FileHandle;
}

/**
 * The export folder (PLAZA_EXPORT_DIR). A build writes under temporary names and renames each file into place (a
 * rename is atomic on one file system), the manifest last; then it deletes older exports, manifest first. A reader
 * takes the highest manifest, so it never sees an export before its files are all there. Exports only go forward:
 * none is published unless newer than the latest, and none newer than the one kept is deleted, so two builders at
 * once (one whose lock's connection went unnoticed mid-build) cannot take the folder back.
 */
export class ExportFolder {
  constructor(readonly dir: string) {}

  /** The latest complete export's manifest, or null while none was built. */
  async latest(): Promise<ExportManifest | null> {
    const size = (await this.sizes()).at(-1);
    if (size === undefined) return null;
    try {
      return JSON.parse(await readFile(join(this.dir, manifestName(size)), 'utf8')) as ExportManifest;
    } catch (error) {
      // Deleted by a newer build between the listing and the read: the newer one is there now.
      if (isMissing(error)) return this.latest();
      throw error;
    }
  }

  /** One file of the latest complete export, open, or null while none was built. */
  async open(file: ExportFile): Promise<OpenExport | null> {
    const manifest = await this.latest();
    if (!manifest) return null;
    try {
      return { manifest, handle: await open(join(this.dir, fileName(file, manifest.journalSize)), 'r') };
    } catch (error) {
      if (isMissing(error)) return this.open(file);
      throw error;
    }
  }

  /** Where a build writes `file` before it is complete: a name no reader looks at. */
  async temporary(file: ExportFile | 'manifest', size: number): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return join(this.dir, `${TEMPORARY}${randomBytes(6).toString('hex')}-${file === 'manifest' ? manifestName(size) : fileName(file, size)}`);
  }

  /**
   * Publishes a build: its files renamed into place, then its manifest, then older exports and leftovers deleted; false
   * (and the build's files deleted) if an export as new is already published.
   */
  async publish(files: Record<ExportFile, string>, manifest: ExportManifest): Promise<boolean> {
    const size = manifest.journalSize;
    if (((await this.sizes()).at(-1) ?? -1) >= size) {
      await this.discard(files);
      return false;
    }
    for (const file of Object.keys(files) as ExportFile[]) await rename(files[file], join(this.dir, fileName(file, size)));
    const written = await this.temporary('manifest', size);
    const handle = await open(written, 'w');
    try {
      await handle.writeFile(JSON.stringify(manifest));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(written, join(this.dir, manifestName(size)));
    await this.prune(size);
    return true;
  }

  /** Deletes the files of a build that is not published. */
  async discard(files: Record<ExportFile, string>): Promise<void> {
    await Promise.all(Object.values(files).map((path) => rm(path, { force: true })));
  }

  /**
   * Deletes the exports older than the one of `keep` (null: none), and the temporary files of builds that died (another
   * builder's files under way are left alone).
   */
  async prune(keep: number | null, now = Date.now()): Promise<void> {
    const names = await readdir(this.dir).catch((error: unknown) => (isMissing(error) ? [] : Promise.reject(error)));
    const older = (pattern: RegExp) => (name: string) => keep !== null && Number(pattern.exec(name)?.[1] ?? keep) < keep;
    // Manifests first: an export whose manifest is gone is no longer offered, so no reader starts on files about to go.
    const manifests = names.filter(older(MANIFEST));
    const files = names.filter(older(EXPORT_FILE));
    const stale = [];
    for (const name of names.filter((name) => name.startsWith(TEMPORARY))) {
      const written = await stat(join(this.dir, name)).then((stats) => stats.mtimeMs, (error: unknown) => (isMissing(error) ? now : Promise.reject(error)));
      if (now - written > STALE_TEMPORARY_MS) stale.push(name);
    }
    for (const name of [...manifests, ...files, ...stale]) await rm(join(this.dir, name), { force: true });
  }

  private async sizes(): Promise<number[]> {
    const names = await readdir(this.dir).catch((error: unknown) => (isMissing(error) ? [] : Promise.reject(error)));
    return names.flatMap((name) => {
      const match = MANIFEST.exec(name);
      return match ? [Number(match[1])] : [];
    }).sort((a, b) => a - b);
  }
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
