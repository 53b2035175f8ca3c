import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const main = join(repo, 'dist/apps/registry/src/main.js');

/** The bash block between the walkthrough markers of the README, exactly as a reader copies it. */
function walkthroughScript(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block) throw new Error('README has no walkthrough block');
  return block[1]!;
}

// The README's scenario is a fresh registry on its embedded database, started as `npm start` starts it.
(process.env.DATABASE_URL ? describe.skip : describe)('the README walkthrough, on a freshly started registry', () => {
  let dataDir: string;
  let registry: ChildProcess;
  let log = '';
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-readme-'));
    const { DATABASE_URL: _server, PLAZA_OPERATOR_KEY: _key, ...env } = process.env;
    registry = spawn(process.execPath, [main], { env: { ...env, PORT: '0', PLAZA_DATA_DIR: dataDir, PLAZA_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`registry did not start:\n${log}`)), 30_000);
      const read = (chunk: Buffer) => {
        log += chunk.toString('utf8');
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      };
      registry.stdout!.on('data', read);
      registry.stderr!.on('data', read);
      registry.on('exit', (code) => reject(new Error(`registry exited with ${code}:\n${log}`)));
    });
  });

  afterAll(async () => {
    registry.removeAllListeners('exit');
    const exited = new Promise((r) => registry.once('exit', r));
    registry.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes the first operator key to a file only its owner can read, and logs where but never the key', () => {
    const path = join(dataDir, 'operator-key');
    const key = readFileSync(path, 'utf8').trim();
    expect(key).toMatch(/^plz_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(log).toContain(path);
    expect(log).not.toContain(key.slice(13));
  });

  it('runs verbatim: a city, a vendor, a sensor, a signing key with proof of possession, a search near a point and the JWKS', async () => {
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      execFile('bash', ['-c', walkthroughScript()], { cwd: repo, env: { ...process.env, PLAZA: url, PLAZA_DATA_DIR: dataDir }, timeout: 60_000 }, (error, out, err) =>
        error ? fail(new Error(`${error.message}\n${out}\n${err}`)) : done({ stdout: out, stderr: err }),
      );
    });
    expect(stdout).toContain('"slug": "montreal"');
    expect(stdout).toContain('"status": "planned"');
    expect(stdout).toContain('"name": "Air station 12, Place d’Armes"');
    expect(stdout).toContain('"operator": "airsense"');
    const jwks = JSON.parse(stdout.slice(stdout.lastIndexOf('{\n  "keys"'))) as { keys: { kid: string; crv: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]!.crv).toBe('Ed25519');
    expect(stdout).toContain(`"kid": "${jwks.keys[0]!.kid}"`);
    // Nothing secret reached the log while the walkthrough ran.
    expect(log).not.toMatch(/Bearer|plz_[a-z0-9]{8}_[A-Za-z0-9_-]{43}/);
  });
});
