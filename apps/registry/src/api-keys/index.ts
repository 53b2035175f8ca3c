// The api-keys feature's port: what other features may use. Everything else in this folder is internal.
export { ApiKeyModule } from './api-key.module.js';
export { ApiKeyService } from './api-key.service.js';
export { apiKeyPrefix, generateApiKey, hashApiKey } from './api-key-secret.js';
