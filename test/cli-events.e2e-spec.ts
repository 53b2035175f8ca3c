import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStructured } from '#plaza/dsse';
import { publicPart } from '../apps/cli/src/keys.js';
import { type ExchangeScenario, readingText, registerScenario } from './support/exchange-scenario.js';
import { plaza } from './support/cli-process.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('plaza events: a vendor signs and sends, a city reads back and verifies, through the real registry', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let dir: string;
  let url: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const vendorEnv = () => ({ PLAZA_API_KEY: s.vendor.apiKey });
  const sent = (...ids: string[]) => ids.map((id) => new RegExp(`^accepted  ${s.source} ${id}  sequence \\d+$`, 'm'));

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
    s = await registerScenario(url, t.operatorKey, 'cli');
    dir = mkdtempSync(join(tmpdir(), 'plaza-cli-events-'));
    file('vendor.jwk', JSON.stringify(s.vendor.jwk));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs without sending: the printed body verifies with the registered public key', async () => {
    const run = await plaza(['events', 'sign', '--key', join(dir, 'vendor.jwk'), file('sign-only.json', readingText(s.source, 'sign-only'))]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const result = await verifyStructured(run.stdout.trimEnd(), { [s.vendor.jwk.kid!]: publicPart(s.vendor.jwk) as never });
    expect(result).toMatchObject({ ok: true, keyid: s.vendor.jwk.kid });
  });

  it('sends in structured, batch and binary mode; the same events again are duplicates', async () => {
    const one = file('one.json', readingText(s.source, 'structured-1'));
    const batch = file('batch.json', `[${['batch-1', 'batch-2', 'batch-3'].map((id) => readingText(s.source, id)).join(',\n')}]`);
    const binary = file('binary.json', readingText(s.source, 'binary-1'));
    const key = ['--key', join(dir, 'vendor.jwk')];

    const structured = await plaza(['events', 'send', url, ...key, one], vendorEnv());
    expect(structured.code).toBe(0);
    for (const line of sent('structured-1')) expect(structured.stdout).toMatch(line);
    const batched = await plaza(['events', 'send', url, ...key, '--mode', 'batch', batch], vendorEnv());
    expect(batched.code).toBe(0);
    for (const line of sent('batch-1', 'batch-2', 'batch-3')) expect(batched.stdout).toMatch(line);
    expect(batched.stdout).toContain('3 events: 3 accepted');
    const bin = await plaza(['events', 'send', url, ...key, '--mode', 'binary', '--api-key', s.vendor.apiKey, binary]);
    expect(bin.code).toBe(0);
    for (const line of sent('binary-1')) expect(bin.stdout).toMatch(line);

    const again = await plaza(['events', 'send', url, ...key, '--mode', 'batch', one, batch], vendorEnv());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('4 events: 4 duplicate');
  });

  it('exits 1 on a rejection and prints its code and check; a dry run stores nothing', async () => {
    const extra = readingText(s.source, 'not-allowed').replace('"pollutants":', '"temperature":21.5,"pollutants":');
    const refused = await plaza(['events', 'send', url, '--key', join(dir, 'vendor.jwk'), file('refused.json', extra)], vendorEnv());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^rejected  ${s.source} not-allowed  exchange.field_not_allowed \\(terms\\)`, 'm'));

    const dry = await plaza(['events', 'send', url, '--key', join(dir, 'vendor.jwk'), '--dry-run', file('dry.json', readingText(s.source, 'dry-1'))], vendorEnv());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^valid     ${s.source} dry-1$`, 'm'));
    const listed = await fetch(`${url}/api/v1/exchange/events?source=${encodeURIComponent(s.source)}&limit=100`, { headers: { authorization: `Bearer ${s.city.apiKey}` } });
    const ids = ((await listed.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['structured-1', 'batch-1', 'binary-1']));
    expect(ids).not.toContain('dry-1');
    expect(ids).not.toContain('not-allowed');
  });

  it("lets the city verify every served event with the vendor's public key history, and refuses a non-party", async () => {
    const verified = await plaza(['events', 'verify', url, '--source', s.source, '--signer', s.vendor.slug], { PLAZA_API_KEY: s.city.apiKey });
    expect(verified.code).toBe(0);
    for (const id of ['structured-1', 'batch-1', 'batch-2', 'batch-3', 'binary-1']) {
      expect(verified.stdout).toMatch(new RegExp(`^ok   \\d+ ${s.source} ${id}  signed by ${s.vendor.slug} with ${s.vendor.jwk.kid}$`, 'm'));
    }
    expect(verified.stdout).toContain('5 events: every signature verifies');

    const wrongSigner = await plaza(['events', 'verify', url, '--source', s.source, '--signer', s.city.slug], { PLAZA_API_KEY: s.city.apiKey });
    expect(wrongSigner.code).toBe(1);
    expect(wrongSigner.stdout).toContain(`the key belongs to ${s.vendor.slug}, not ${s.city.slug}`);

    const outsider = await registerScenario(url, t.operatorKey, 'cli-outsider');
    const refused = await plaza(['events', 'verify', url, '--source', s.source], { PLAZA_API_KEY: outsider.vendor.apiKey });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/answered 404/);
  }, 60_000);
});
