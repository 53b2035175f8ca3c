import { latestJournalIndex, mapLimited } from './export-records.js';

describe('the journal index of an exported record', () => {
  it('is the record own index when it has no parts', () => {
    expect(latestJournalIndex({ id: 'a', journalIndex: 7, name: { en: 'x', fr: 'y' } })).toBe(7);
  });

  it('is the latest index of any part of a composite record', () => {
    const agreement = { id: 'a', versions: [{ journalIndex: 3, signatures: [{ journalIndex: 9 }, { journalIndex: 5 }] }, { journalIndex: 8, signatures: [] }] };
    expect(latestJournalIndex(agreement)).toBe(9);
  });

  it('skips parts never journaled, and is null for a record with no index at all', () => {
    expect(latestJournalIndex({ journalIndex: null, versions: [{ journalIndex: 2 }, { journalIndex: null }] })).toBe(2);
    expect(latestJournalIndex({ id: 'a', journalIndex: null })).toBeNull();
  });
});

describe('reading records whole, a few at a time', () => {
  it('keeps at most the limit of reads under way, and the results in order', async () => {
    let running = 0;
    let most = 0;
    const read = async (n: number) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, n % 3));
      running--;
      return n * 2;
    };
    const items = Array.from({ length: 100 }, (_, n) => n);
    expect(await mapLimited(items, 4, read)).toEqual(items.map((n) => n * 2));
    expect(most).toBe(4);
    expect(await mapLimited([], 4, read)).toEqual([]);
  });
});
