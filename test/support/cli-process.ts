/** The built `plaza` command (dist/apps/cli/src/main.js), as a vendor or a city runs it. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Found from the sources or from their build (benchmarks run the compiled test support). */
export const CLI = join(resolve(import.meta.dirname, '../..').replace(/\/dist$/, ''), 'dist/apps/cli/src/main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `plaza` to its end with these arguments and extra environment. */
export function plaza(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
