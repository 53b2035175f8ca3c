export { openDatabase, type DatabaseSettings, type OpenDatabase } from './open-database.js';
export { EmbeddedPostgres, DataFolderLockedError } from './embedded-postgres.js';
export { isDatabaseUnavailable } from './unavailable.js';
export { keepsPreparedStatements } from './preparing-client.js';
export { MIGRATIONS } from './migrations/index.js';
export { backfillTransparencyLog } from './migrations/1795700000000-transparency-log.js';
export { lockFolder, FolderLockedError } from './folder-lock.js';
