import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../../apps/registry/src/platform/config/config.js';
import type { UnitOfWork } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { ExportBuilder } from '../../apps/registry/src/exports/export-builder.js';
import type { ExportedRecord, ExportRecords } from '../../apps/registry/src/exports/export-records.js';

const url = process.env.DATABASE_URL;

/**
 * Two export builders at once, on a server database: the builder whose lock's connection goes during its build (here
 * ended by the server) drops what it built, and the one that took the lock meanwhile publishes; the folder never goes
 * back. The registry around them is played by fakes (a journal of a given size, a register of one record).
 */
(url ? describe : describe.skip)('export builders sharing a folder', () => {
  let dir: string;
  let admin: pg.Client;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-export-builders-'));
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  const builder = (size: number, during: () => Promise<void> = async () => undefined) => {
    const config = { database: { mode: 'server', url, connectTimeoutMs: 5_000 }, exportDir: dir, exportIntervalMs: 0, publicUrl: 'https://registry.example' } as unknown as AppConfig;
    const journal = { size: async () => size } as unknown as UnitOfWork;
    const records = {
      sourceBatches: async function* () {},
      otherBatches: async function* (): AsyncGenerator<ExportedRecord[]> {
        await during();
        yield [{ kind: 'organisation', journalIndex: 0, record: { id: 'o' } }];
      },
    } as unknown as ExportRecords;
    return new ExportBuilder(config, journal, records);
  };

  /** Ends the builder lock's connection, as a server restart or a dropped network would, and waits until it has gone. */
  async function loseLock(): Promise<void> {
    const builders = "FROM pg_stat_activity WHERE application_name = 'plaza-exports' AND datname = current_database()";
    await admin.query(`SELECT pg_terminate_backend(pid) ${builders}`);
    while ((await admin.query(`SELECT 1 ${builders}`)).rowCount! > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('drops a build whose lock went during it, and builds again once it holds the lock again', async () => {
    const lost = builder(5, loseLock);
    const again = builder(5);
    try {
      expect(await lost.refresh()).toBeNull();
      expect(readdirSync(dir)).toEqual([]);
      expect((await again.refresh())?.journalSize).toBe(5);
    } finally {
      await Promise.all([lost.onApplicationShutdown(), again.onApplicationShutdown()]);
    }
  });

  it('publishes only what the builder holding the lock built, and never an older export', async () => {
    const second = builder(7);
    const first = builder(6, async () => {
      // The first builder's lock connection dies mid-build; the second takes the lock and publishes a newer export.
      await loseLock();
      expect((await second.refresh())?.journalSize).toBe(7);
    });
    try {
      expect(await first.refresh()).toBeNull();
      expect(readdirSync(dir).sort()).toEqual(['export-7.json', 'register-7.jsonl', 'sources-7.csv']);
    } finally {
      await Promise.all([first.onApplicationShutdown(), second.onApplicationShutdown()]);
    }
  });
});
