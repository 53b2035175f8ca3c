import { loadConfig } from '../platform/config/config.js';
import type { OrganisationDirectory } from '../organisations/index.js';
import type { JournalInWords } from '../public-site/index.js';
import type { SourceDirectory } from '../sources/index.js';
import type { JournalChanges } from '../transparency/index.js';
import { FeedService, tagPrefix } from './feeds.service.js';

describe('the feeds\' tag IRIs (RFC 4151)', () => {
  const began = new Date('2026-03-04T05:06:07Z');

  it('name the public URL\'s host, the day the journal began and the URL\'s path', () => {
    expect(tagPrefix('https://plaza.example', began)).toBe('tag:plaza.example,2026-03-04:');
    expect(tagPrefix('https://city.example:8443/plaza/register/', began)).toBe('tag:city.example,2026-03-04:plaza/register/');
  });
});

describe('the feeds service', () => {
  it('reads the day the journal began again after a failed read, instead of keeping the failure for the life of the process', async () => {
    let reads = 0;
    const journal = {
      began: async () => {
        reads += 1;
        if (reads === 1) throw new Error('the database is restarting');
        return new Date('2026-03-04T05:06:07Z');
      },
    } as unknown as JournalChanges;
    const service = new FeedService(loadConfig({}), journal, {} as JournalInWords, {} as OrganisationDirectory, {} as SourceDirectory);
    const began = () => (service as unknown as { journalBegan(): Promise<Date> }).journalBegan();
    await expect(began()).rejects.toThrow('restarting');
    await expect(began()).resolves.toEqual(new Date('2026-03-04T05:06:07Z'));
    await began();
    expect(reads).toBe(2);
  });
});
