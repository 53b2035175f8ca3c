import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { plaza } from './support/cli-process.js';
import { organisationBody } from './support/fixtures.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import type { ScratchDatabase } from './support/scratch-database.js';
import { createDatabase, uniqueSlug } from './support/test-app.js';

const ORIGIN = 'backup.plaza.test/log';
const NEW_ORIGIN = 'backup.plaza.test/log-2';

/**
 * Backup, restore and check with the built registry and the built `plaza` command, on the database the suite runs on
 * (embedded, or with DATABASE_URL a server database of its own): a restore of a newer backup checks clean against the
 * checkpoints saved before it, and a restore older than what the log published refuses to start until the operator
 * goes on as a new log.
 */
describe('backup and restore (plaza backup, plaza restore, plaza log check-restore)', () => {
  const operatorKey = generateApiKey().key;
  const work = mkdtempSync(join(tmpdir(), 'plaza-backup-'));
  const dataDir = join(work, 'data');
  let database: ScratchDatabase | undefined;
  let registry: RegistryProcess | undefined;
  let vkey = '';
  const where = () => ['--data-dir', dataDir, ...(database ? ['--database-url', database.url] : [])];

  const start = async (env: Record<string, string> = {}) => {
    registry = await startRegistry({
      PLAZA_DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      PLAZA_OPERATOR_KEY: operatorKey,
      PLAZA_LOG_ORIGIN: ORIGIN,
      PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
      PLAZA_CHECKPOINT_INTERVAL_MS: '0',
      PLAZA_EXPORT_INTERVAL_MS: '0',
      ...env,
    });
    return registry;
  };
  const stop = async () => {
    await registry?.stop();
    registry = undefined;
  };
  const grow = async () => {
    const res = await fetch(`${registry!.url}/api/v1/organisations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(organisationBody(uniqueSlug('backup'), 'city')),
    });
    expect(res.status).toBe(201);
  };
  /** The signed checkpoint as a resident saves it; signing it on request is what publishes it. */
  const saveCheckpoint = async (name: string) => {
    const res = await fetch(`${registry!.url}/log/checkpoint`);
    expect(res.status).toBe(200);
    const note = await res.text();
    writeFileSync(join(work, name), note);
    return Number(note.split('\n')[1]);
  };

  beforeAll(async () => {
    if (process.env.DATABASE_URL) database = await createDatabase(process.env.DATABASE_URL);
  });

  afterAll(async () => {
    await registry?.kill();
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Starting the built registry takes seconds, several on a busy machine: each step below starts it once or twice. */
  const STEP_MS = 180_000;
  let firstSize = 0;
  let secondSize = 0;

  it('backs up the database and the keys but not the published size, and refuses to copy an embedded database in use', async () => {
    await start();
    vkey = (await (await fetch(`${registry!.url}/log/key`)).text()).trim();
    await grow();
    firstSize = await saveCheckpoint('saved1.txt');
    if (!database) {
      // The embedded database is copied only while no registry holds it.
      const refused = await plaza(['backup', join(work, 'refused'), ...where()]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('stop it first');
      expect(existsSync(join(work, 'refused', 'plaza-backup.json'))).toBe(false);
    }
    await stop();
    const older = await plaza(['backup', join(work, 'older'), ...where()]);
    expect(older).toMatchObject({ code: 0 });
    // The keys travel with the backup; the published size does not.
    expect(readFileSync(join(work, 'older', 'data', 'log-signing-key.jwk'), 'utf8')).toBe(readFileSync(join(dataDir, 'log-signing-key.jwk'), 'utf8'));
    expect(existsSync(join(work, 'older', 'data', 'secrets.key'))).toBe(true);
    expect(existsSync(join(dataDir, 'log-published-size.json'))).toBe(true);
    expect(existsSync(join(work, 'older', 'data', 'log-published-size.json'))).toBe(false);

    await start();
    await grow();
    await grow();
    secondSize = await saveCheckpoint('saved2.txt');
    expect(secondSize).toBe(firstSize + 2);
    await stop();
    expect(await plaza(['backup', join(work, 'newer'), ...where()])).toMatchObject({ code: 0 });
  }, STEP_MS);

  it('refuses to start after a restore older than what the log published, saying what to do, with no stack trace', async () => {
    // An older restore: the database holds firstSize entries, the data folder remembers secondSize published.
    expect(await plaza(['restore', join(work, 'older'), ...where()])).toMatchObject({ code: 0 });
    const refusal = await start().then(
      () => null,
      (error: Error) => error.message,
    );
    expect(refusal).toContain(`the log published a checkpoint of ${secondSize} entries, but the database holds only ${firstSize}`);
    expect(refusal).toContain('PLAZA_LOG_ABANDONED_ORIGIN');
    expect(refusal).not.toMatch(/\n\s+at /);
    if (database) {
      // In cluster mode the primary checks before any worker starts, and stops the cluster.
      await expect(start({ PLAZA_WORKERS: '2' })).rejects.toThrow(`the log published a checkpoint of ${secondSize} entries`);
    }
  }, STEP_MS);

  it('starts after a newer restore with the same keys, and checks clean against the checkpoints saved before the backup', async () => {
    // The newer backup restores, and checks clean against both checkpoints saved before it.
    expect(await plaza(['restore', join(work, 'newer'), ...where()])).toMatchObject({ code: 0 });
    await start();
    expect((await (await fetch(`${registry!.url}/log/key`)).text()).trim()).toBe(vkey);
    const check = await plaza(['log', 'check-restore', '--url', registry!.url, '--vkey', vkey, '--checkpoint', join(work, 'saved1.txt'), '--checkpoint', join(work, 'saved2.txt')]);
    expect(check.stdout).toContain(`ok   the log verifies: ${ORIGIN}, ${secondSize} entries`);
    expect(check.stdout).toContain(`ok   it extends the checkpoint of ${firstSize} entries`);
    expect(check.stdout).toContain(`ok   it extends the checkpoint of ${secondSize} entries`);
    expect(check.code).toBe(0);
    // The restored registry goes on: a later change is signed over the restored tree.
    await grow();
    expect(await saveCheckpoint('saved3.txt')).toBe(secondSize + 1);
    if (database) {
      // A restore beneath the running registry is refused, and changes nothing: it goes on.
      const refused = await plaza(['restore', join(work, 'older'), ...where()]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('a registry is running on this database: stop every instance first');
      expect(await saveCheckpoint('saved3.txt')).toBe(secondSize + 1);
    }
    await stop();
  }, STEP_MS);

  it('goes on as a new log after an older restore only when the operator abandons the old one, and the check then says what was lost', async () => {
    expect(await plaza(['restore', join(work, 'older'), ...where()])).toMatchObject({ code: 0 });
    await expect(start()).rejects.toThrow('does not start');
    await start({ PLAZA_LOG_ORIGIN: NEW_ORIGIN, PLAZA_LOG_ABANDONED_ORIGIN: ORIGIN });
    expect(registry!.log()).toContain(`the log ${ORIGIN} was abandoned by the operator`);
    const lost = await plaza(['log', 'check-restore', '--url', registry!.url, '--vkey', vkey, '--checkpoint', join(work, 'saved2.txt')]);
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/FAIL .*saved2\.txt: consistency: the log has \d+ entries but had \d+ saved in/);

    // The first change after it is signed under the new origin, and the published size follows the new log.
    await grow();
    const note = await (await fetch(`${registry!.url}/log/checkpoint`)).text();
    expect(note.split('\n')[0]).toBe(NEW_ORIGIN);
    await stop();
    expect(JSON.parse(readFileSync(join(dataDir, 'log-published-size.json'), 'utf8'))).toMatchObject({ origin: NEW_ORIGIN });
    await start({ PLAZA_LOG_ORIGIN: NEW_ORIGIN });
    await stop();
  }, STEP_MS);
});
