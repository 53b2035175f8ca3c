import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startTestApp } from './support/test-app.js';

describe('public URLs from configuration', () => {
  it('names PLAZA_PUBLIC_URL as the API server in the OpenAPI document, whatever Host or X-Forwarded-* the request carries', async () => {
    const t = await startTestApp({ PLAZA_PUBLIC_URL: 'https://registry.example.org/plaza/', PLAZA_TRUST_PROXY: '127.0.0.1' });
    try {
      const res = await t.http
        .get('/docs/openapi.json')
        .set('host', 'attacker.example')
        .set('x-forwarded-host', 'attacker.example')
        .set('x-forwarded-proto', 'http')
        .expect(200);
      expect(res.body.servers).toEqual([{ url: 'https://registry.example.org/plaza' }]);
      expect(res.text).not.toContain('attacker.example');
    } finally {
      await t.close();
    }
  });
});

describe("the transparency log's origin", () => {
  // One data folder (embedded) or one database of its own (server) that outlives each registry started on it.
  let dataDir: string;
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-origin-'));
    database = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
    env = { PLAZA_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  it('cannot change once a checkpoint is signed: a registry started with another PLAZA_LOG_ORIGIN refuses to start, naming the stored one', async () => {
    const first = await startTestApp({ ...env, PLAZA_LOG_ORIGIN: 'registry.example.org/log' });
    const { body } = await first.http.get('/api/v1/log/checkpoint').expect(200);
    expect(body.body).toMatch(/^registry\.example\.org\/log\n/);
    await first.close();

    await expect(startTestApp({ ...env, PLAZA_LOG_ORIGIN: 'registry.example.net/log' })).rejects.toThrow(
      'PLAZA_LOG_ORIGIN is "registry.example.net/log" but the log\'s checkpoints are signed with the origin "registry.example.org/log"',
    );

    const again = await startTestApp({ ...env, PLAZA_LOG_ORIGIN: 'registry.example.org/log' });
    await again.http.get('/api/v1/log/checkpoint').expect(200);
    await again.close();
    // Three embedded registries start one after another on one data folder; under a loaded CI box that exceeds the default.
  }, 180_000);
});
