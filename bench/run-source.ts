import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What a benchmark measured, for its results file: the commit checked out, the registry's files changed in the work
 * tree then (others may be editing), and when the registry that runs was built (the build, not the checkout, runs).
 */
export function runSource() {
  const repo = resolve(import.meta.dirname, '..', '..');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  return {
    commit: git('rev-parse', 'HEAD'),
    uncommitted: git('status', '--short', '--', 'apps/registry', 'libs').split('\n').filter(Boolean),
    registryBuiltAt: statSync(join(repo, 'dist', 'apps', 'registry', 'src', 'main.js')).mtime.toISOString(),
  };
}
