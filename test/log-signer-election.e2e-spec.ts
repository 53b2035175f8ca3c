import { jest } from '@jest/globals';
import { noteVerifierFromKey, openCheckpoint } from '#plaza/note';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { LogSigner } from '../apps/registry/src/transparency/log-signer.js';
import { SignerElection } from '../apps/registry/src/transparency/signer-election.js';
import { createOrganisation } from './support/fixtures.js';
import { createDatabase, describeOnServer, SHARED_LOG_KEY, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { until } from './support/wait.js';

/**
 * Several instances on one database: one elected instance (a session advisory lock) signs the log's checkpoints, the
 * others serve the latest it stored. On the server only: the embedded database has a single process.
 */
describeOnServer('the checkpoint signer election', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  const apps: TestApp[] = [];
  // Instances of one registry share its log key and its operator's key; answers are not cached, to watch the lag.
  const operatorKey = generateApiKey().key;
  const start = async () => {
    const app = await startTestApp({
      DATABASE_URL: database.url, PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY, PLAZA_OPERATOR_KEY: operatorKey, PLAZA_CHECKPOINT_INTERVAL_MS: '100', PLAZA_PUBLIC_CACHE_MB: '0',
    });
    apps.push(app);
    return { ...app, operatorKey, signs: jest.spyOn(app.app.get(LogSigner), 'sign') };
  };
  type Instance = Awaited<ReturnType<typeof start>>;
  const servedSize = async (instance: Instance) => {
    const vkey = (await instance.http.get('/log/key').expect(200)).text.trim();
    return openCheckpoint((await instance.http.get('/log/checkpoint').expect(200)).text, [noteVerifierFromKey(vkey)]).checkpoint.size;
  };
  const treeSize = async (instance: Instance) => ((await instance.http.get('/api/v1/log/root').expect(200)).body as { treeSize: number }).treeSize;

  beforeAll(async () => {
    database = await createDatabase(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await database?.drop();
  });

  it('lets only the instance holding the lock sign, the others serve what it stored, and another take over when it stops', async () => {
    const first = await start();
    await until('the first instance is elected', () => first.app.get(SignerElection).elected());
    const second = await start();
    expect(await second.app.get(SignerElection).elected()).toBe(false);

    // A write through the second instance: it serves the latest stored checkpoint, and the first signs the new size
    // within its interval.
    await createOrganisation(second, uniqueSlug('election-a'), 'city');
    const grown = await treeSize(second);
    expect(await servedSize(second)).toBeLessThanOrEqual(grown);
    await until('the elected instance signed the new size', async () => (await servedSize(second)) === grown);
    expect(first.signs).toHaveBeenCalled();
    expect(second.signs).not.toHaveBeenCalled();

    // The first stops (its connection, and the lock with it, goes): the second takes over at its next tick.
    await first.close();
    await until('the second instance is elected', () => second.app.get(SignerElection).elected());
    await createOrganisation(second, uniqueSlug('election-b'), 'city');
    const later = await treeSize(second);
    expect(later).toBeGreaterThan(grown);
    // Now the signer, it signs on demand: a write is in the checkpoint read right after it.
    expect(await servedSize(second)).toBe(later);
    expect(second.signs).toHaveBeenCalled();
  });
});
