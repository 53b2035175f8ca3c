import type { ApiKeyRepository } from './api-key.repository.js';

/** What other features may ask of API keys: whether a member holds an active key, whether a key hash is already issued. Provided under API_KEY_DIRECTORY by the feature's module; the repository behind it stays inside the feature. */
export type ApiKeyDirectory = Pick<ApiKeyRepository, 'hasActiveKey' | 'existsWithHash'>;

export const API_KEY_DIRECTORY = Symbol('API_KEY_DIRECTORY');
