/**
 * Regenerates libs/client's types from the registry's own OpenAPI document, offline: `npm run client:generate`
 * (= `npm run build --silent && node dist/apps/registry/src/composition/client-types.main.js`), from the repository root.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CLIENT_TYPES_PATH, registryApiTypes } from './client-types.js';

async function main(): Promise<void> {
  const types = await registryApiTypes();
  const current = await readFile(CLIENT_TYPES_PATH, 'utf8').catch(() => null);
  if (current !== types) await writeFile(CLIENT_TYPES_PATH, types);
  console.log(`client:generate: ${CLIENT_TYPES_PATH} ${current === types ? 'unchanged' : 'written'}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
