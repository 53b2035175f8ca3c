import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where `npm run build` puts the pages' scripts and styles (esbuild: the map with Leaflet, the log check with
 * libs/merkle, and the stylesheet): dist/public-site under the project's root, found from this file whether it runs
 * compiled (dist/...) or from source (tests).
 */
export function publicAssetsDir(): string {
  let dir = import.meta.dirname;
  while (!isProjectRoot(dir)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('public-site: cannot find the project root (package.json of plaza)');
    dir = parent;
  }
  return join(dir, 'dist', 'public-site');
}

function isProjectRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'plaza';
}
