import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderLockedError, MIGRATIONS, openDatabase, type OpenDatabase } from '#plaza/database';
import { ENTITIES } from '../apps/registry/src/composition/entities.js';
import { loadConfig } from '../apps/registry/src/platform/config/config.js';
import { startRegistry } from './support/registry-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { describeOnServer, startTestApp, type TestApp } from './support/test-app.js';

const model = { entities: ENTITIES, migrations: MIGRATIONS };
const ignore = () => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the database', () => {
  let dataDir: string;
  let db: OpenDatabase;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-db-'));
    db = await openDatabase(loadConfig({ PLAZA_DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL }).database, model, ignore);
    await db.dataSource.query('CREATE TABLE IF NOT EXISTS isolation_probe (owner text NOT NULL)');
    await db.dataSource.query('DELETE FROM isolation_probe');
  });
  afterAll(async () => {
    await db.dataSource.query('DROP TABLE IF EXISTS isolation_probe');
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps transactions isolated: a concurrent one never sees, or commits, what another rolls back', async () => {
    let secondSaw: number | undefined;
    let firstInserted!: () => void;
    const inserted = new Promise<void>((resolve) => (firstInserted = resolve));
    const first = db.dataSource.transaction(async (m) => {
      await m.query("INSERT INTO isolation_probe (owner) VALUES ('first')");
      firstInserted();
      await sleep(300);
      throw new Error('roll the first back');
    });
    await inserted;
    const second = db.dataSource.transaction(async (m) => {
      secondSaw = Number((await m.query("SELECT count(*) AS n FROM isolation_probe WHERE owner = 'first'"))[0].n);
      await m.query("INSERT INTO isolation_probe (owner) VALUES ('second')");
    });
    await expect(first).rejects.toThrow('roll the first back');
    await second;
    expect(secondSaw).toBe(0);
    const rows: { owner: string }[] = await db.dataSource.query('SELECT owner FROM isolation_probe ORDER BY owner');
    expect(rows.map((r) => r.owner)).toEqual(['second']);
  });

  it('prepares each parameterised read once on its connection, never a write nor a statement without parameters', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const prepared = async () => ((await runner.query("SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'plaza\\_%'")) as { name: string; statement: string }[]);
      const before = (await prepared()).length;
      for (let i = 0; i < 3; i++) expect(await runner.query('SELECT owner FROM isolation_probe WHERE owner = $1', [`p${i}`])).toEqual([]);
      await runner.query('INSERT INTO isolation_probe (owner) SELECT $1 WHERE false', ['never']);
      await runner.query('WITH written AS (INSERT INTO isolation_probe (owner) SELECT $1 WHERE false RETURNING owner) SELECT owner FROM written', ['never']);
      await runner.query("SELECT owner FROM isolation_probe WHERE owner = 'none'");
      // A list's worth of placeholders: a new text for every length, not worth a name.
      const many = Array.from({ length: 30 }, (_, i) => `p${i}`);
      await runner.query(`SELECT owner FROM isolation_probe WHERE owner IN (${many.map((_, i) => `$${i + 1}`).join(', ')})`, many);
      const after = await prepared();
      expect(after).toHaveLength(before + 1);
      expect(after.map((p) => p.statement)).toContain('SELECT owner FROM isolation_probe WHERE owner = $1');
    } finally {
      await runner.release();
    }
  });

  // On the server only: a second embedded database would cost a whole start for a two-line switch.
  (process.env.DATABASE_URL ? it : it.skip)('prepares nothing when told not to (PLAZA_DB_PREPARED_READS=false, for a pooler in transaction mode)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plaza-unprepared-'));
    const unprepared = await openDatabase(loadConfig({ PLAZA_DATA_DIR: folder, DATABASE_URL: process.env.DATABASE_URL, PLAZA_DB_PREPARED_READS: 'false' }).database, model, ignore);
    try {
      const runner = unprepared.dataSource.createQueryRunner();
      await runner.connect();
      expect(await runner.query('SELECT $1::int AS x', [7])).toEqual([{ x: 7 }]);
      expect(await runner.query('SELECT name FROM pg_prepared_statements')).toEqual([]);
      await runner.release();
    } finally {
      await unprepared.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  // On the server only: the embedded database always has one connection, and no migration lock to hold it.
  (process.env.DATABASE_URL ? it : it.skip)('opens on a server with a pool of one connection (PLAZA_DB_POOL_SIZE=1): the migrations run on the lock\'s connection', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plaza-pool-of-one-'));
    const settings = loadConfig({ PLAZA_DATA_DIR: folder, DATABASE_URL: process.env.DATABASE_URL, PLAZA_DB_POOL_SIZE: '1', PLAZA_DB_CONNECT_TIMEOUT_MS: '2000' }).database;
    const single = await openDatabase(settings, model, ignore);
    try {
      expect(await single.dataSource.query('SELECT count(*)::int AS applied FROM migrations')).toEqual([{ applied: MIGRATIONS.length }]);
    } finally {
      await single.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  (process.env.DATABASE_URL ? it.skip : it)('refuses to open an embedded data folder another process holds', async () => {
    const settings = loadConfig({ PLAZA_DATA_DIR: dataDir }).database;
    await expect(openDatabase(settings, model, ignore)).rejects.toBeInstanceOf(DataFolderLockedError);
    await expect(startTestApp({ PLAZA_DATA_DIR: dataDir })).rejects.toThrow(/in use by another Plaza process/);
  });

  (process.env.DATABASE_URL ? it.skip : it)('restarts at once on its embedded data folder after the registry was killed with SIGKILL', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'plaza-killed-'));
    try {
      const first = await startRegistry({ PLAZA_DATA_DIR: folder, PLAZA_LOG_LEVEL: 'warn' });
      await first.kill();
      const second = await startRegistry({ PLAZA_DATA_DIR: folder, PLAZA_LOG_LEVEL: 'warn' });
      expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describeOnServer('losing the database server', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const url = new URL(process.env.DATABASE_URL!);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    t = await startTestApp({ DATABASE_URL: url.toString(), PLAZA_DB_CONNECT_TIMEOUT_MS: '1000', PLAZA_RETRY_AFTER_SECONDS: '7' });
  });
  afterAll(async () => {
    await proxy.start();
    await t.close();
    await proxy.cut();
  });

  it('answers 503 with Retry-After while the database is unreachable, and recovers by itself', async () => {
    await t.http.get('/api/v1/organisations').expect(200);
    await proxy.cut();

    const down = await t.http.get('/api/v1/organisations').expect(503);
    expect(down.headers['retry-after']).toBe('7');
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.body).toMatchObject({ code: 'service.database_unavailable', status: 503 });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|at .*\.js|SELECT/);
    expect((await t.http.get('/health/ready').expect(503)).body.ready).toBe(false);
    await t.http.get('/health/live').expect(200);

    await proxy.start();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await t.http.get('/api/v1/organisations')).status;
      if (status !== 200) await sleep(200);
    }
    expect(status).toBe(200);
    await t.http.get('/health/ready').expect(200);
  });
});
