import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportFolder, type ExportManifest, STALE_TEMPORARY_MS } from './export-files.js';

const manifest = (journalSize: number): ExportManifest => ({
  journalSize, startedAt: '2026-01-01T00:00:00.000Z', builtAt: '2026-01-01T00:00:01.000Z', records: 1, sources: 1, bytes: { register: 2, sources: 3 },
});

describe('the export folder', () => {
  let dir: string;
  let folder: ExportFolder;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-exports-'));
    folder = new ExportFolder(join(dir, 'exports'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function build(size: number): Promise<Record<'register' | 'sources', string>> {
    const files = { register: await folder.temporary('register', size), sources: await folder.temporary('sources', size) };
    writeFileSync(files.register, '{}\n');
    writeFileSync(files.sources, 'id\n');
    return files;
  }

  it('offers nothing before the first export, even with a build under way', async () => {
    expect(await folder.latest()).toBeNull();
    await build(5);
    expect(await folder.latest()).toBeNull();
    expect(await folder.open('register')).toBeNull();
  });

  it('publishes an export under its journal size, and then only the newest, deleting the older and any leftover', async () => {
    await folder.publish(await build(5), manifest(5));
    expect(await folder.latest()).toEqual(manifest(5));
    const died = await build(6); // a build that died half way, a day ago
    const dayAgo = new Date(Date.now() - STALE_TEMPORARY_MS - 60_000);
    for (const path of Object.values(died)) utimesSync(path, dayAgo, dayAgo);
    await folder.publish(await build(9), manifest(9));
    expect(readdirSync(folder.dir).sort()).toEqual(['export-9.json', 'register-9.jsonl', 'sources-9.csv']);
    const opened = (await folder.open('sources'))!;
    expect(opened.manifest.journalSize).toBe(9);
    expect((await opened.handle.readFile()).toString()).toBe('id\n');
    await opened.handle.close();
  });

  it('orders exports by journal size, not by name', async () => {
    await folder.publish(await build(10), manifest(10));
    writeFileSync(join(folder.dir, 'export-9.json'), JSON.stringify(manifest(9)));
    expect((await folder.latest())!.journalSize).toBe(10);
  });

  it('never goes back: a build no newer than the latest is not published, and a prune keeps newer exports and builds under way', async () => {
    await folder.publish(await build(9), manifest(9));
    const under = await build(12); // another builder's, under way
    expect(await folder.publish(await build(9), manifest(9))).toBe(false);
    expect(await folder.publish(await build(7), manifest(7))).toBe(false);
    await folder.prune(5); // a slower builder that started from export 5
    expect(readdirSync(folder.dir).sort()).toEqual([...Object.values(under).map((path) => path.slice(folder.dir.length + 1)), 'export-9.json', 'register-9.jsonl', 'sources-9.csv'].sort());
    expect(await folder.publish(under, manifest(12))).toBe(true);
    expect(readdirSync(folder.dir).sort()).toEqual(['export-12.json', 'register-12.jsonl', 'sources-12.csv']);
  });
});
