/**
 * The built registry (dist/apps/registry/src/main.js) as a child process on a free port, as an operator starts it:
 * for the exchange benchmark and the suites that crash and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..').replace(/\/dist$/, '');
/** This checkout's build of exit-with-parent.ts, also for a registry of another checkout (an older one may lack it). */
const exitWithParent = join(repo, 'dist/test/support/exit-with-parent.js');

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

/**
 * A TCP port nobody listens on at the moment, and that nobody else in this run will be handed before the caller
 * binds it. A port the kernel picks (listen on 0) could be picked again by the next listen on 0 in another suite
 * (in-process registries listen that way): a registry starting on it would then fail to bind while another suite's
 * registry answered its readiness probe. So the port comes from below the kernel's ephemeral range, in a band of
 * its own for each jest worker, and is bound once to check that it is free.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const below = Math.min(ephemeralLow, 32_768);
  // From 10,000 up, clear of the well-known services; a machine whose ephemeral range starts lower gets what is left.
  const from = below > 12_000 ? 10_000 : 1_024;
  const bands = 8;
  const band = Math.floor((below - from) / bands);
  if (band < 16) throw new Error(`the kernel's ephemeral ports start at ${ephemeralLow}, which leaves no room below them for test ports`);
  const start = from + (Number(process.env.JEST_WORKER_ID ?? 0) % bands) * band;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = start + randomInt(band);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${start}..${start + band - 1} after 50 tries`);
}

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
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
 * /health/ready answers 200. The child leads its own process group, so kill() reaches cluster workers too. Its stdin
 * is a pipe from this process, which it takes the closing of as a SIGTERM (exit-with-parent.ts): a registry is
 * stopped when this process dies, even by a SIGKILL. `root` is the checkout whose build runs (a benchmark may set
 * another beside this one).
 */
export async function startRegistry(env: Record<string, string>, port?: number, timeoutMs = 60_000, root = repo): Promise<RegistryProcess> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', exitWithParent, join(root, 'dist/apps/registry/src/main.js')], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(listenOn), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  // Held open, never written: its end is the registry's signal. It must not keep this process running either.
  (child.stdin as unknown as { unref(): void }).unref();
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  running.add(child.pid!);
  // 'close', not 'exit': it comes once the child's output is read to its end, so a start that fails says why.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => {
      running.delete(child.pid!);
      done({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${listenOn}`;

  const deadline = Date.now() + timeoutMs;
  let gone = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  void exited.then((how) => (gone = how));
  for (;;) {
    if (gone) throw new Error(`the registry exited (${gone.signal ?? `code ${gone.code}`}) while starting:\n${output}`);
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
