import { ConfigError, loadConfig } from './config/config.js';
import { DataFolderLockedError } from '#plaza/database';
import { FolderError } from '#plaza/standards';
import { createApp } from './app.js';
import { StandardsImportError } from './standards/standard-error.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
}

main().catch((error: unknown) => {
  // Configuration and locking problems are the operator's to fix: say what, without a stack.
  if (error instanceof ConfigError || error instanceof DataFolderLockedError || error instanceof StandardsImportError || error instanceof FolderError) {
    process.stderr.write(`plaza: ${error.message}\n`);
  } else {
    process.stderr.write(`plaza: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
