// The signing-keys feature's port: what other features may use. Everything else in this folder is internal.
export { SigningKeyModule } from './signing-key.module.js';
export { SIGNING_KEY_DIRECTORY, type SigningKeyDirectory } from './signing-key-directory.js';
export type { SigningKey } from './signing-key.entity.js';
export { type KeyStatus, keyStatusAt } from './key-status.js';
export { JwksResponse } from './signing-key.dto.js';
