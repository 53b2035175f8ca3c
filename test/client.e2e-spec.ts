import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRegistryClient, ok, RegistryProblem } from '#plaza/client';
import { consumeFeed, sendEvents, verifiedJson, verifyServedEvents } from '#plaza/client/node';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { type ExchangeScenario, readingText, registerScenario } from './support/exchange-scenario.js';
import { type RegistryProcess, startRegistry } from './support/registry-process.js';
import { SHARED_LOG_KEY } from './support/test-app.js';

const EXAMPLE = join(resolve(import.meta.dirname, '..'), 'dist/libs/client/examples/vendor-gateway.js');

/** Runs the example gateway (built) to its end with these readings. */
function gateway(readingsFile: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [EXAMPLE, readingsFile], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** libs/client against the built registry in its own process, on the embedded database or the server (DATABASE_URL). */
describe('libs/client: a vendor gateway sends, a city consumer verifies, against a real registry', () => {
  let registry: RegistryProcess;
  let s: ExchangeScenario;
  let dir: string;
  const at = (second: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000 + second * 1000).toISOString().replace('.000Z', 'Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-client-'));
    const operatorKey = generateApiKey().key;
    const server: Record<string, string> = process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY } : {};
    registry = await startRegistry({ ...server, PLAZA_DATA_DIR: join(dir, 'data'), PLAZA_OPERATOR_KEY: operatorKey, PLAZA_LOG_LEVEL: 'warn' });
    s = await registerScenario(registry.url, operatorKey, 'client');
    writeFileSync(join(dir, 'vendor.jwk'), JSON.stringify(s.vendor.jwk));
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the example gateway: readings go out signed and are accepted; the same file again is all duplicates', async () => {
    const readings = [0, 1, 2].map((i) => JSON.stringify({ station: 'station-1', at: at(i), lon: -73.559, lat: 45.5048, pm2_5: 10 + i }));
    writeFileSync(join(dir, 'readings.jsonl'), `${readings.join('\n')}\n`);
    const env = { PLAZA_REGISTRY: registry.url, PLAZA_API_KEY: s.vendor.apiKey, PLAZA_SIGNING_KEY: join(dir, 'vendor.jwk'), PLAZA_SOURCE: s.source };

    const first = await gateway(join(dir, 'readings.jsonl'), env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout.trimEnd().split('\n').map((line) => line.replace(/ sequence \d+$/u, ''))).toEqual([0, 1, 2].map((i) => `accepted station-1/${at(i)}`));
    const again = await gateway(join(dir, 'readings.jsonl'), env);
    expect(again.code).toBe(0);
    expect(again.stdout.trimEnd().split('\n').map((line) => line.split(' ')[0])).toEqual(['duplicate', 'duplicate', 'duplicate']);
  });

  it('reports a rejection per event with its stable code, beside the accepted events of the same batch', async () => {
    const outcomes = await sendEvents([readingText(s.source, 'fine'), readingText(s.source, 'extra').replace('"pollutants":', '"temperature":21.5,"pollutants":')], {
      registry: registry.url, apiKey: s.vendor.apiKey, key: s.vendor.signingKey,
    });
    expect(outcomes.map((o) => [o.id, o.status, o.code])).toEqual([['fine', 'accepted', undefined], ['extra', 'rejected', 'exchange.field_not_allowed']]);
  });

  it("lets the city read the feed and verify every event with the vendor's key history, parsing only the verified bytes", async () => {
    const pages = [];
    for await (const page of consumeFeed({ registry: registry.url, apiKey: s.city.apiKey, source: s.source, signer: s.vendor.slug, limit: 2 })) pages.push(page);
    const events = pages.flatMap((p) => p.events);
    expect(pages.length).toBeGreaterThan(1);
    expect(events.map((e) => e.check.id)).toEqual([0, 1, 2].map((i) => `station-1/${at(i)}`).concat('fine'));
    expect(events.every((e) => e.check.ok && e.check.organisation === s.vendor.slug)).toBe(true);
    expect(events[1]!.verified!.attributes.id).toBe(`station-1/${at(1)}`);
    expect(verifiedJson(events[1]!.verified!)).toMatchObject({ stationId: 'station-1', pollutants: { pm2_5: 11 } });
    expect(pages.at(-1)!.caughtUp).toBe(true);

    // From the last cursor, only what was accepted since.
    await sendEvents([readingText(s.source, 'later')], { registry: registry.url, apiKey: s.vendor.apiKey, key: s.vendor.signingKey });
    const since = [];
    for await (const page of consumeFeed({ registry: registry.url, apiKey: s.city.apiKey, source: s.source, cursor: pages.at(-1)!.cursor })) since.push(...page.events);
    expect(since.map((e) => [e.check.id, e.check.ok])).toEqual([['later', true]]);
  });

  it('fails every event whose key belongs to another organisation than the one required', async () => {
    const checks = await verifyServedEvents({ registry: registry.url, apiKey: s.city.apiKey, source: s.source, signer: s.city.slug });
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => !c.ok && c.problem!.endsWith(`the key belongs to ${s.vendor.slug}, not ${s.city.slug}`))).toBe(true);
  });

  it('gives typed reads, and a refusal as a RegistryProblem with its status and code', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const conformance = await ok(client.GET('/api/v1/sources/{id}/conformance', { params: { path: { id: s.sourceId } } }));
    expect(conformance).toMatchObject({ source: s.sourceId, ceSource: s.source, accepted: 5, rejected: 1, rejectedByCode: { 'exchange.field_not_allowed': 1 } });
    const refused = await ok(client.GET('/api/v1/exchange/events', { params: { query: { source: s.source } } })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RegistryProblem);
    expect((refused as RegistryProblem).status).toBe(401);
    expect((refused as RegistryProblem).problem.code).toEqual(expect.any(String));
  });
});
