import { NonceCache } from './index.js';

describe('NonceCache', () => {
  it('remembers a nonce until its expiry, then accepts it again', () => {
    let now = 1000;
    const cache = new NonceCache({ now: () => now });
    expect(cache.seen('a', 1300)).toBe(false);
    now = 1300;
    expect(cache.seen('a', 1300)).toBe(true);
    now = 1301;
    expect(cache.seen('a', 1600)).toBe(false);
  });

  it('forgets expired nonces to make room when full', () => {
    let now = 1000;
    const cache = new NonceCache({ maxEntries: 1, now: () => now });
    expect(cache.seen('a', 1300)).toBe(false);
    now = 1301;
    expect(cache.seen('b', 1600)).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('refuses new nonces while it is full of live ones, rather than forget a live one', () => {
    let now = 1000;
    const cache = new NonceCache({ maxEntries: 2, now: () => now });
    expect(cache.seen('a', 1100)).toBe(false);
    expect(cache.seen('b', 1200)).toBe(false);
    expect(cache.seen('c', 1200)).toBe(true);
    now = 1101;
    expect(cache.seen('c', 1200)).toBe(false);
    expect(cache.seen('b', 1200)).toBe(true);
  });
});
