import { createHash } from 'node:crypto';
import { bearerMatches } from './metrics.js';

describe('bearerMatches (the metrics token)', () => {
  const token = 'metrics-token-0123456789abcdef-0123456789';
  const digest = createHash('sha256').update(token).digest();

  it('takes the token as a bearer credential, the scheme in any case', () => {
    expect(bearerMatches(`Bearer ${token}`, digest)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, digest)).toBe(true);
  });

  it('refuses no header, another scheme, the bare token, a prefix or an extension of it, and a second credential', () => {
    for (const header of [undefined, '', `Basic ${token}`, token, `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, `Bearer ${token} ${token}`, 'Bearer ']) {
      expect(bearerMatches(header, digest)).toBe(false);
    }
  });
});
