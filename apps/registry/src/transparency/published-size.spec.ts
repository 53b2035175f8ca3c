import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeRoot, MemoryHashStore, MerkleTree } from '#plaza/merkle';
import type { AppConfig } from '../platform/config/config.js';
import { treeHasher } from '../platform/journal/merkle-node.repository.js';
import { LogRolledBackError, PUBLISHED_SIZE_FILE, PublishedSize } from './published-size.js';
import type { TransparencyRepository } from './transparency.repository.js';

/** A journal of `size` entries; `history` tells two histories apart. */
async function journal(size: number, history = 'a'): Promise<TransparencyRepository> {
  const store = new MemoryHashStore();
  const tree = new MerkleTree(treeHasher, store);
  await tree.appendEntries(Array.from({ length: size }, (_, i) => Buffer.from(`{"index":${i},"history":"${history}"}`)));
  return { treeSize: async () => tree.size, store: () => store, latestCheckpoint: async () => null } as unknown as TransparencyRepository;
}

describe('PublishedSize', () => {
  const ORIGIN = 'plaza.test/log';
  const config = (dataDir: string, more: Partial<AppConfig> = {}) => ({ dataDir, logOrigin: ORIGIN, logAbandonedOrigin: null, ...more }) as AppConfig;
  /** A data folder whose registry published the tree of `size` entries of `repository`. */
  const published = async (repository: TransparencyRepository, size: number) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-published-'));
    const root = Buffer.from(await computeRoot(repository.store(), treeHasher, size));
    await new PublishedSize(config(dataDir), repository).record(size, root);
    return dataDir;
  };

  it('starts on a journal that holds the published tree, grown or not', async () => {
    const dataDir = await published(await journal(5), 5);
    await expect(new PublishedSize(config(dataDir), await journal(5)).refuseRollback()).resolves.toBeUndefined();
    await expect(new PublishedSize(config(dataDir), await journal(9)).refuseRollback()).resolves.toBeUndefined();
  });

  it('refuses a journal shorter than the published size', async () => {
    const dataDir = await published(await journal(5), 5);
    await expect(new PublishedSize(config(dataDir), await journal(4)).refuseRollback()).rejects.toThrow(
      'the log published a checkpoint of 5 entries, but the database holds only 4',
    );
  });

  it('refuses a journal of another history at the published size, even a longer one', async () => {
    const dataDir = await published(await journal(5), 5);
    const other = new PublishedSize(config(dataDir), await journal(7, 'b'));
    await expect(other.refuseRollback()).rejects.toThrow(LogRolledBackError);
    await expect(other.refuseRollback()).rejects.toThrow("the database's tree of 5 entries is not the one the log published at that size");
  });

  it('goes on as a new log only when the operator abandons the published one, and then marks the new log', async () => {
    const dataDir = await published(await journal(5), 5);
    const shorter = await journal(3);
    await expect(new PublishedSize(config(dataDir, { logOrigin: 'plaza.test/log-2' }), shorter).refuseRollback()).rejects.toThrow(`PLAZA_LOG_ABANDONED_ORIGIN=${ORIGIN}`);
    const renewed = new PublishedSize(config(dataDir, { logOrigin: 'plaza.test/log-2', logAbandonedOrigin: ORIGIN }), shorter);
    await renewed.refuseRollback();
    await renewed.record(4, Buffer.alloc(32));
    expect(JSON.parse(readFileSync(join(dataDir, PUBLISHED_SIZE_FILE), 'utf8'))).toMatchObject({ origin: 'plaza.test/log-2', size: 4 });
  });

  it('never moves the mark down, and refuses a mark it did not write', async () => {
    const repository = await journal(5);
    const dataDir = await published(repository, 5);
    await new PublishedSize(config(dataDir), repository).record(3, Buffer.alloc(32));
    expect(JSON.parse(readFileSync(join(dataDir, PUBLISHED_SIZE_FILE), 'utf8'))).toMatchObject({ size: 5 });
    writeFileSync(join(dataDir, PUBLISHED_SIZE_FILE), 'not json');
    await expect(new PublishedSize(config(dataDir), repository).refuseRollback()).rejects.toThrow('does not hold the log');
  });
});
