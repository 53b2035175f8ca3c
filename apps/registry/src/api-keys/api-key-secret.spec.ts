import { OPERATOR_KEY_PATTERN } from '../platform/config/config.js';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key-secret.js';

describe('API key secrets', () => {
  it('generates keys of the documented shape whose prefix identifies them', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(OPERATOR_KEY_PATTERN);
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(apiKeyMatches(key, hash)).toBe(true);
  });
  it('rejects any other key against the stored hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
    expect(apiKeyMatches(`${a.key.slice(0, -1)}x`, a.hash)).toBe(false);
  });
  it('finds no prefix in a malformed key', () => {
    expect(apiKeyPrefix('plz_short_x')).toBeNull();
    expect(apiKeyPrefix('')).toBeNull();
  });
});
