import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const main = join(repo, 'dist/apps/registry/src/main.js');

/** The bash block between a pair of walkthrough markers of the README, exactly as a reader copies it. */
function walkthroughScript(marker: string): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`).exec(readme);
  if (!block) throw new Error(`README has no ${marker} block`);
  return block[1]!;
}

function runScript(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) => {
    execFile('bash', ['-c', script], { cwd: repo, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 10 * 1024 * 1024 }, (error, out, err) =>
      error ? fail(new Error(`${error.message}\n${out}\n${err}`)) : done(out),
    );
  });
}

// The README's scenario is a fresh registry on its embedded database, started as `npm start` starts it.
(process.env.DATABASE_URL ? describe.skip : describe)('the README walkthrough, on a freshly started registry', () => {
  let dataDir: string;
  let standardsDir: string;
  let typesDir: string;
  let registry: ChildProcess;
  let log = '';
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-readme-'));
    // The standards walkthrough exports into the folder the registry imports: a copy, so the clone stays untouched.
    standardsDir = mkdtempSync(join(tmpdir(), 'plaza-readme-standards-'));
    typesDir = mkdtempSync(join(tmpdir(), 'plaza-readme-types-'));
    cpSync(join(repo, 'standards'), standardsDir, { recursive: true });
    const { DATABASE_URL: _server, PLAZA_OPERATOR_KEY: _key, ...env } = process.env;
    registry = spawn(process.execPath, [main], { env: { ...env, PORT: '0', PLAZA_DATA_DIR: dataDir, PLAZA_STANDARDS_DIR: standardsDir, PLAZA_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    for (const dir of [dataDir, standardsDir, typesDir]) rmSync(dir, { recursive: true, force: true });
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
    const stdout = await runScript(walkthroughScript('walkthrough'), { PLAZA: url, PLAZA_DATA_DIR: dataDir });
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

  it('runs the standards walkthrough verbatim: a proposal reported, reviewed, voted, published, exported and typed', async () => {
    const stdout = await runScript(walkthroughScript('walkthrough-standards'), { PLAZA: url, PLAZA_DATA_DIR: dataDir, PLAZA_STANDARDS_DIR: standardsDir, TYPES_DIR: typesDir });
    expect(stdout).toContain('"compatible": true');
    expect(stdout).toMatch(/"checkedAgainst": \[\s*"1\.0\.0",\s*"1\.1\.0"\s*\]/);
    expect(stdout).toContain('"status": "accepted"');
    expect(stdout).toContain('"$id": "https://schemas.plaza.example/standards/noise-level-observation/1.2.0/schema.json"');
    expect(stdout).toContain(`wrote     ${standardsDir}/noise-level-observation/1.2.0`);
    expect(existsSync(join(standardsDir, 'noise-level-observation/1.2.0/examples/valid-with-la10.json'))).toBe(true);
    expect(readFileSync(join(typesDir, 'noise-level-observation-v1_2_0.ts'), 'utf8')).toMatch(/la10\?: number/);
    expect(stdout).toContain('"code": "proposal.version_contradicts_report"');
    expect(stdout).toMatch(/"detail": "against 1\.2\.0: [^"]*la10/);
  });

  it("runs the exchange walkthrough verbatim: a vendor's first signed event, accepted, read back and verified by the city", async () => {
    const stdout = await runScript(walkthroughScript('walkthrough-exchange'), { PLAZA: url, PLAZA_DATA_DIR: dataDir });
    const source = 'urn:plaza:sherbrooke:air:station-3';
    expect(stdout).toContain(`"ceSource": "${source}",\n  "status": "active"`);
    expect(stdout).toMatch(/^pending-signatures\nactive$/m);
    expect(stdout).toMatch(new RegExp(`^accepted  ${source} station-3-0001  sequence \\d+\n1 event: 1 accepted$`, 'm'));
    expect(stdout).toMatch(/"id": "station-3-0001",\n {2}"mode": "structured",\n {2}"scheme": "cloudevents-verifiability@d54e6bb/);
    const kid = /^ok {3}\d+ \S+ station-3-0001 {2}signed by capteurs-nord with (\S+)$/m.exec(stdout)?.[1];
    expect(kid).toBeDefined();
    expect(stdout.split('\n')).toContain(kid);
    expect(stdout).toContain('1 event: every signature verifies');
    expect(log).not.toMatch(/Bearer|plz_[a-z0-9]{8}_[A-Za-z0-9_-]{43}/);
  });
});
