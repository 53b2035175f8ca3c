import type { SigningKeyRepository } from './signing-key.repository.js';

/** What other features may read of signing keys: a key by its kid. Provided under SIGNING_KEY_DIRECTORY by the feature's module; the repository behind it stays inside the feature. */
export type SigningKeyDirectory = Pick<SigningKeyRepository, 'findByKid'>;

export const SIGNING_KEY_DIRECTORY = Symbol('SIGNING_KEY_DIRECTORY');
