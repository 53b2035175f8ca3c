/**
 * Writes the generated standard types: `npm run standards:types`
 * (= `npm run build --silent && node dist/libs/standards/src/generate-types.main.js`).
 *
 * Usage: node dist/libs/standards/src/generate-types.main.js [standardsDir] [outDir]
 * Defaults, relative to the working directory (the repository root under npm):
 * `standards` and `libs/standards/src/generated`. Files in outDir that are no longer generated are removed.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateTypes } from './generate-types.js';

async function main(): Promise<void> {
  const standardsDir = resolve(process.argv[2] ?? 'standards');
  const outDir = resolve(process.argv[3] ?? join('libs', 'standards', 'src', 'generated'));
  const files = await generateTypes(standardsDir);
  await mkdir(outDir, { recursive: true });
  let written = 0;
  for (const [name, content] of files) {
    const path = join(outDir, name);
    const current = await readFile(path, 'utf8').catch(() => null);
    if (current !== content) {
      await writeFile(path, content);
      written++;
    }
  }
  let removed = 0;
  for (const name of await readdir(outDir)) {
    if (name.endsWith('.ts') && !files.has(name)) {
      await rm(join(outDir, name));
      removed++;
    }
  }
  console.log(`standards:types: ${files.size} files in ${outDir} (${written} written, ${removed} removed)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
