/**
 * The built registry (dist/apps/registry/src/main.js) as a child process on a free port, as an operator starts it:
 * for the exchange benchmark and the suites that crash and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..').replace(/\/dist$/, '');
const main = join(repo, 'dist/apps/registry/src/main.js');

export interface RegistryProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code and signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the process and its workers at once (a crash), then waits for the exit. */
  kill(): Promise<void>;
}

/** A TCP port nobody listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Process groups of registries this process started and that have not exited. */
const running = new Set<number>();
// A test that times out while its registry starts loses the handle; the registry must not outlive the suite's process.
process.once('exit', () => {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts the registry with `env` (added to this process's environment, DATABASE_URL included) and resolves once
 * /health/ready answers 200. The child leads its own process group, so kill() reaches cluster workers too.
 */
export async function startRegistry(env: Record<string, string>, port?: number, timeoutMs = 60_000): Promise<RegistryProcess> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [main], {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(listenOn), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  running.add(child.pid!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      running.delete(child.pid!);
      done({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${listenOn}`;

  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the registry exited while starting:\n${output}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`the registry was not ready within ${timeoutMs} ms:\n${output}`);
    }
    const ready = await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port: listenOn,
    child,
    log: () => output,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!gone) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
