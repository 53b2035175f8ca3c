import { consistencyRanges, inclusionRanges, splitPoint, subtreesOf } from './index.js';

describe('layout', () => {
  it('splits at the largest power of two strictly below n', () => {
    expect([2, 3, 4, 5, 8, 9, 1000, 1024, 1025].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8, 512, 512, 1024]);
  });

  it('decomposes a tree into complete subtrees, one per set bit of its size', () => {
    expect(subtreesOf({ start: 0, end: 0 })).toEqual([]);
    expect(subtreesOf({ start: 0, end: 13 })).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(subtreesOf({ start: 8, end: 16 })).toEqual([{ level: 3, index: 1 }]);
    for (let n = 1; n <= 300; n++) {
      const levels = subtreesOf({ start: 0, end: n }).map((id) => id.level);
      expect(levels.reduce((sum, level) => sum + 2 ** level, 0)).toBe(n);
      expect(levels).toEqual([...levels].sort((a, b) => b - a));
      expect(new Set(levels).size).toBe(levels.length);
    }
  });

  it('works beyond 32-bit sizes', () => {
    const size = 2 ** 40 + 5;
    expect(subtreesOf({ start: 0, end: size })).toEqual([
      { level: 40, index: 0 },
      { level: 2, index: 2 ** 38 },
      { level: 0, index: 2 ** 40 + 4 },
    ]);
    expect(inclusionRanges(size - 1, size)).toEqual([
      { start: 2 ** 40, end: 2 ** 40 + 4 },
      { start: 0, end: 2 ** 40 },
    ]);
  });

  it('rejects impossible requests', () => {
    expect(() => inclusionRanges(3, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(-1, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(0, Number.NaN)).toThrow(RangeError);
    expect(() => consistencyRanges(4, 3)).toThrow(RangeError);
    expect(() => consistencyRanges(1, 2 ** 60)).toThrow(RangeError);
    expect(consistencyRanges(0, 9)).toEqual([]);
    expect(consistencyRanges(9, 9)).toEqual([]);
  });
});
