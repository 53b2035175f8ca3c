import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { contentDigest, signRequest } from '#plaza/http-signatures';
import { EVENT_TYPE, type ExchangeScenario, readingText, registerScenario } from './support/exchange-scenario.js';
import { CLI, plaza } from './support/cli-process.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** `plaza events receive`, left running: the URL it listens on and every line it prints. */
interface RunningReceiver {
  url: string;
  lines: string[];
  refusals: string[];
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

async function startReceiving(args: string[]): Promise<RunningReceiver> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'events', 'receive', ...args]);
  const lines: string[] = [];
  const refusals: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const url = await new Promise<string>((resolved, failed) => {
    const errors: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      const listening = /^listening on (\S+);/.exec(line);
      if (listening) resolved(listening[1]!);
      else if (line.startsWith('refused: ')) refusals.push(line);
      else errors.push(line);
    });
    child.once('exit', (code) => failed(new Error(`plaza events receive exited ${code}: ${errors.join('\n')}`)));
  });
  return {
    url,
    lines,
    refusals,
    async waitForLines(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} lines; got ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return lines.slice(0, count);
    },
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

describe('plaza subscriptions and plaza events receive: from a subscription to verified delivered events, through the real registry', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let registry: string;
  let dir: string;
  let receiver: RunningReceiver;
  const cityEnv = () => ({ PLAZA_API_KEY: s.city.apiKey });

  beforeAll(async () => {
    // Its own database on a server: other suites' registries there would otherwise take its subscriptions' leases.
    t = await startTestApp({ PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1', PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1', PLAZA_DELIVERY_POLL_MS: '50' }, { ownDatabase: true });
    await t.app.listen(0, '127.0.0.1');
    registry = await t.app.getUrl();
    s = await registerScenario(registry, t.operatorKey, 'cli-delivery');
    dir = mkdtempSync(join(tmpdir(), 'plaza-cli-delivery-'));
    writeFileSync(join(dir, 'vendor.jwk'), JSON.stringify(s.vendor.jwk));
    receiver = await startReceiving(['--port', '0', '--registry', registry]);
  }, 60_000);
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verifiedLine = (id: string) => `ok   ${s.source} ${id} ${EVENT_TYPE}  signed by ${s.vendor.slug} with ${s.vendor.jwk.kid}`;
  let subscriptionId: string;
  let sentFrom: string;

  it("the city subscribes the receiver to its source; the vendor's three events arrive, each verified with the vendor's key", async () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const created = await plaza(['subscriptions', 'create', '--registry', registry, '--sink', receiver.url, '--source', s.source, '--json'], cityEnv());
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const subscription = JSON.parse(created.stdout) as { id: string; sink: string; source: string; state: string };
    expect(subscription).toMatchObject({ sink: receiver.url, source: s.source, state: 'validating' });
    subscriptionId = subscription.id;

    sentFrom = new Date(Date.now() - 1000).toISOString();
    const ids = ['d-1', 'd-2', 'd-3'];
    const files = ids.map((id) => {
      writeFileSync(join(dir, `${id}.json`), readingText(s.source, id));
      return join(dir, `${id}.json`);
    });
    const sent = await plaza(['events', 'send', registry, '--key', join(dir, 'vendor.jwk'), ...files], { PLAZA_API_KEY: s.vendor.apiKey });
    expect(sent.code).toBe(0);

    expect(await receiver.waitForLines(3)).toEqual(ids.map(verifiedLine));
    expect(receiver.refusals).toEqual([]);
  }, 60_000);

  it("refuses with a bare 401 a delivery signed with another key under the registry's delivery kid", async () => {
    const jwks = (await (await fetch(`${registry}/.well-known/delivery-jwks.json`)).json()) as { keys: { kid: string }[] };
    const body = Buffer.from(readingText(s.source, 'forged'));
    const headers = { 'content-type': 'application/cloudevents+json', 'content-digest': contentDigest(body) };
    const created = Math.floor(Date.now() / 1000);
    const signature = signRequest(
      { method: 'POST', url: receiver.url, headers, body },
      { key: generateKeyPairSync('ed25519').privateKey, keyid: jwks.keys[0]!.kid, created, expires: created + 300, nonce: 'forged-1', tag: 'plaza-delivery' },
    );
    const answer = await fetch(receiver.url, { method: 'POST', headers: { ...headers, ...signature, 'webhook-request-origin': 'localhost' }, body });
    expect(answer.status).toBe(401);
    expect(await answer.text()).toBe('');
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.refusals).toEqual([expect.stringContaining('the signature does not verify')]);
    expect(receiver.lines).toHaveLength(3);
  });

  it('lists the subscription as active with three events delivered', async () => {
    const listed = await plaza(['subscriptions', 'list', '--registry', registry], cityEnv());
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(new RegExp(`^${subscriptionId}  active      delivered 3  waiting 0  ${receiver.url.replace(/[.]/g, '\\.')}  ${s.source}$`, 'm'));
  });

  it('rewinds to a time before the events: the same three are delivered again and verify again', async () => {
    const rewound = await plaza(['subscriptions', 'rewind', subscriptionId, '--time', sentFrom, '--registry', registry], cityEnv());
    expect(rewound).toMatchObject({ code: 0, stderr: '' });
    expect(rewound.stdout).toContain(`subscription ${subscriptionId}  active`);
    expect((await receiver.waitForLines(6)).slice(3)).toEqual(['d-1', 'd-2', 'd-3'].map(verifiedLine));

    const got = await plaza(['subscriptions', 'get', subscriptionId, '--registry', registry, '--json'], cityEnv());
    expect((JSON.parse(got.stdout) as { delivery: { delivered: number } }).delivery.delivered).toBe(6);
  }, 60_000);

  it("prints the registry's problem detail and exits 1 on a refusal", async () => {
    const bad = await plaza(['subscriptions', 'rewind', subscriptionId, '--time', 'yesterday', '--registry', registry], cityEnv());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^plaza: .+/);
    const missing = await plaza(['subscriptions', 'get', '00000000-0000-4000-8000-000000000000', '--registry', registry], cityEnv());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^plaza: the registry answered 404: exchange\.subscription_not_found: .+\n$/);
  });

  it('deletes the subscription', async () => {
    const deleted = await plaza(['subscriptions', 'delete', subscriptionId, '--registry', registry], cityEnv());
    expect(deleted).toMatchObject({ code: 0, stderr: '' });
    expect(deleted.stdout).toContain(`subscription ${subscriptionId}  deleted`);
    expect((await plaza(['subscriptions', 'list', '--registry', registry], cityEnv())).stdout).not.toContain(`${subscriptionId}  active`);
  });
});
