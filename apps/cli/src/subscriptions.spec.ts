import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubscription, formatSubscription, listSubscriptions, RegistryProblem, rewindSubscription, type Subscription } from './subscriptions.js';

/* The client against a stand-in registry on 127.0.0.1 that records what it is sent and answers what the test scripts. */

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: unknown;
}

let server: Server;
let registry: string;
let seen: Seen[] = [];
let answer: (request: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method!, url: req.url!, authorization: req.headers.authorization, body: text ? (JSON.parse(text) as unknown) : undefined };
      seen.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  seen = [];
});

const access = () => ({ registry, apiKey: 'plz_key' });

const subscription = (id: string, delivered = 0): Subscription => ({
  id, protocol: 'HTTP', sink: 'https://hooks.example.org/plaza', source: 'urn:city:air:1', types: null, filters: [],
  config: { batching: false, maxbatchsize: 100, requestrate: 600, allowedrate: null }, sinkcredential: true, state: 'active', stateReason: null,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', journalIndex: 7,
  delivery: { cursor: 'c-1', delivered, lastDeliveredSequence: delivered ? '42' : null, lastDeliveredAt: delivered ? '2026-01-01T00:01:00.000Z' : null, lag: 0, attempts: 0, lastError: null, nextAttemptAt: null },
});

describe('plaza subscriptions: the registry client', () => {
  it("creates a subscription in the Subscriptions draft's terms, sending only the settings given, with the API key", async () => {
    answer = () => ({ status: 201, body: subscription('s-1') });
    await createSubscription(access(), { sink: 'https://hooks.example.org/plaza', source: 'urn:city:air:1', types: ['t.a', 't.b'], token: 'tok', rate: 60 });
    await createSubscription(access(), { sink: 'https://hooks.example.org/other', batching: true, maxBatchSize: 10 });
    expect(seen).toEqual([
      {
        method: 'POST', url: '/api/v1/subscriptions', authorization: 'Bearer plz_key',
        body: { protocol: 'HTTP', sink: 'https://hooks.example.org/plaza', source: 'urn:city:air:1', types: ['t.a', 't.b'], sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: 'tok' }, config: { requestrate: 60 } },
      },
      { method: 'POST', url: '/api/v1/subscriptions', authorization: 'Bearer plz_key', body: { protocol: 'HTTP', sink: 'https://hooks.example.org/other', config: { batching: true, maxbatchsize: 10 } } },
    ]);
  });

  it("turns a problem into libs/client's RegistryProblem, carrying its status, code and detail", async () => {
    answer = () => ({ status: 400, body: { type: 'about:blank', title: 'Bad rewind', status: 400, detail: 'Give either `cursor` or `time`, not both, nor neither.', code: 'exchange.rewind_invalid' } });
    const refused = rewindSubscription(access(), 's 1', { time: 'never' });
    await expect(refused).rejects.toThrow(new RegistryProblem(400, { code: 'exchange.rewind_invalid', detail: 'Give either `cursor` or `time`, not both, nor neither.' }));
    await expect(refused).rejects.toMatchObject({ status: 400, problem: { code: 'exchange.rewind_invalid' } });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/subscriptions/s%201/rewind', body: { time: 'never' } });
  });

  it('lists every page, following nextCursor', async () => {
    answer = (request) => (request.url.includes('cursor=p2') ? { status: 200, body: { items: [subscription('s-2')], nextCursor: null } } : { status: 200, body: { items: [subscription('s-1')], nextCursor: 'p2' } });
    expect((await listSubscriptions(access())).map((s) => s.id)).toEqual(['s-1', 's-2']);
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/subscriptions?limit=100', '/api/v1/subscriptions?limit=100&cursor=p2']);
  });

  it('shows what a subscription has delivered and where it stands', () => {
    expect(formatSubscription(subscription('s-1', 3))).toContain('  delivered   3, last sequence 42 at 2026-01-01T00:01:00.000Z; waiting 0\n');
  });
});
