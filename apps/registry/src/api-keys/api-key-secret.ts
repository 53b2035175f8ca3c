import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^plz_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface NewApiKey {
  /** The whole key, shown once to its holder and never stored. */
  key: string;
  /** `plz_` and eight characters: identifies the key in lists and logs. */
  prefix: string;
  hash: Buffer;
}

/** A key is 256 random bits, so one SHA-256 is enough to store it: there is nothing to brute-force. */
export function generateApiKey(): NewApiKey {
  const id = [...randomBytes(8)].map((b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
  const key = `plz_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `plz_${id}`, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  return match ? `plz_${match[1]}` : null;
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(key);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
