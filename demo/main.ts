/**
 * `npm run demo`: the registry in demo mode, on its own data folder (./.plaza-demo, or PLAZA_DEMO_DATA_DIR) and its
 * embedded database (a server only when PLAZA_DEMO_DATABASE_URL names one), seeded with the demo data set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../apps/registry/src/composition/app.js';
import { ConfigError, loadConfig } from '../apps/registry/src/platform/config/config.js';
import { OPERATOR_KEY_FILE } from '../apps/registry/src/operator/operator-bootstrap.js';
import { fetchHttp, seedDemo } from './seed.js';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PLAZA_DEMO: 'true' });
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const operatorKey = config.operatorKey ?? readFileSync(join(config.dataDir, OPERATOR_KEY_FILE), 'utf8').trim();
  const { writes } = await seedDemo(fetchHttp(`http://${config.host}:${config.port}`), { operatorKey });
  const where = config.database.mode === 'embedded' ? config.dataDir : 'the server named by PLAZA_DEMO_DATABASE_URL';
  process.stdout.write(
    `\nPlaza demo: ${writes > 0 ? `seeded the demo data (${writes} writes)` : 'the demo data was already there'}, in ${where}.\n` +
      `Open http://${config.host}:${config.port}/ for the public register (Ctrl+C to stop).\n\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`plaza demo: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
