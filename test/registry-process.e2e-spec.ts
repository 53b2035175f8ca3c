import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ScratchDatabase } from './support/scratch-database.js';
import { createDatabase } from './support/test-app.js';
import { until } from './support/wait.js';

const repo = resolve(import.meta.dirname, '..');

/** Whether `pid` is a live process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** The built registry as test/support/registry-process.ts starts it for the suites and the benchmarks. */
describe('a registry started for a suite or a benchmark', () => {
  let dir: string;
  let database: ScratchDatabase | undefined;
  let starter: ChildProcess | undefined;
  let registry: { pid: number; url: string } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-registry-process-'));
    if (process.env.DATABASE_URL) database = await createDatabase(process.env.DATABASE_URL);
  });
  afterAll(async () => {
    starter?.kill('SIGKILL');
    // Should the test fail, the registry it left running goes with its process group.
    if (registry && alive(registry.pid)) process.kill(-registry.pid, 'SIGKILL');
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops itself once the process that started it is killed by SIGKILL, which runs none of that process\'s exit hooks', async () => {
    const env = { ...(database ? { DATABASE_URL: database.url } : {}), PLAZA_DATA_DIR: join(dir, 'data'), PLAZA_LOG_LEVEL: 'warn' };
    const script = `
      const { startRegistry } = await import(${JSON.stringify(join(repo, 'dist/test/support/registry-process.js'))});
      const registry = await startRegistry(${JSON.stringify(env)});
      console.log(JSON.stringify({ pid: registry.child.pid, url: registry.url }));
      setInterval(() => undefined, 60_000);`;
    starter = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await Promise.race([
      (async () => {
        for await (const text of createInterface({ input: starter!.stdout! })) return [text];
        return [];
      })(),
      new Promise<never>((_, fail) => starter!.once('exit', (code, signal) => fail(new Error(`the starter exited (${signal ?? code}) before its registry was ready`)))),
    ]);
    registry = JSON.parse(line!) as { pid: number; url: string };
    expect(alive(registry.pid)).toBe(true);
    expect((await fetch(`${registry.url}/health/live`)).status).toBe(200);

    starter.kill('SIGKILL');
    await until('the registry exiting after its starter was killed', () => !alive(registry!.pid), 60_000);
    await expect(fetch(`${registry.url}/health/live`)).rejects.toThrow();
  });
});
