import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundClient } from './outbound-client.js';
import { OutboundError } from './outbound-error.js';

interface TestServer {
  url: string;
  port: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[];
  connections: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: OutboundClient[] = [];

async function serve(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      server.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      respond(req, res);
    });
  });
  httpServer.on('connection', () => server.connections++);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    connections: 0,
    close: () => {
      httpServer.closeAllConnections();
      return new Promise((resolve) => httpServer.close(() => resolve()));
    },
  };
  servers.push(server);
  return server;
}

function client(policy: ConstructorParameters<typeof OutboundClient>[0]): OutboundClient {
  const made = new OutboundClient(policy);
  clients.push(made);
  return made;
}

const loopbackAllowed = { allowAddresses: ['127.0.0.1'] };

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('OutboundClient over real HTTP', () => {
  it('refuses 127.0.0.1 when it is not allow-listed, without connecting', async () => {
    const sink = await serve((_req, res) => res.end('ok'));
    const outbound = client({ allowPlainHttpHosts: ['127.0.0.1'] });

    const error = await failure(outbound.request(`${sink.url}/hook`, { method: 'POST' }));

    expect(error.reason).toBe('refused-address');
    expect(error.message).toBe(`127.0.0.1:${sink.port}: address 127.0.0.1 is refused (loopback)`);
    expect(sink.connections).toBe(0);
  });

  it('reaches 127.0.0.1 when it is allow-listed, sending the method, headers and body as given', async () => {
    const sink = await serve((_req, res) => {
      res.setHeader('X-Answer', ['first', 'second']);
      res.statusCode = 202;
      res.end('accepted');
    });
    const outbound = client(loopbackAllowed);
    const body = Buffer.from('{"a":1}');

    const response = await outbound.request(`${sink.url}/hook?x=1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Signature': 'sig' },
      body,
    });

    expect(response).toEqual({
      status: 202,
      headers: expect.objectContaining({ 'x-answer': 'first, second' }),
      body: Buffer.from('accepted'),
      truncated: false,
    });
    expect(sink.requests).toEqual([
      {
        method: 'PUT',
        url: '/hook?x=1',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'x-signature': 'sig',
          'content-length': String(body.length),
        }),
        body,
      },
    ]);
  });

  it('refuses a host name that resolves to loopback when it connects, though the URL passed the check', async () => {
    const sink = await serve((_req, res) => res.end('ok'));
    const outbound = client({ allowPlainHttpHosts: ['localhost'] });
    const url = `http://localhost:${sink.port}/hook`;

    expect(outbound.checkUrl(url).ok).toBe(true);
    const error = await failure(outbound.request(url, { method: 'POST' }));

    expect(error.reason).toBe('refused-address');
    expect(error.message).toMatch(
      new RegExp(`^localhost:${sink.port}: address (127\\.0\\.0\\.1|::1) is refused \\(loopback\\)$`),
    );
    expect(sink.connections).toBe(0);
  });

  it('returns a redirect as the response and never requests its Location', async () => {
    const elsewhere = await serve((_req, res) => res.end('should not be reached'));
    const sink = await serve((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/stolen` });
      res.end();
    });
    const outbound = client(loopbackAllowed);

    const response = await outbound.request(`${sink.url}/hook`, { method: 'POST' });

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${elsewhere.url}/stolen`);
    expect(elsewhere.connections).toBe(0);
  });

  it('keeps only maxResponseBytes of a longer body, flags it truncated and stops reading it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    chunk.write('start');
    let streamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (streamClosed = resolve));
    // An endless body: only the client closing the connection ends it.
    const sink = await serve((_req, res) => {
      const pour = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pour);
      res.on('close', streamClosed);
      pour();
    });
    const outbound = client({ ...loopbackAllowed, maxResponseBytes: 1000 });

    const response = await outbound.request(sink.url, { method: 'GET' });

    expect(response.truncated).toBe(true);
    expect(response.body).toEqual(chunk.subarray(0, 1000));
    await closed;
  });

  it('returns a body of exactly maxResponseBytes whole, not truncated', async () => {
    const sink = await serve((_req, res) => res.end(Buffer.alloc(1000, 'y')));
    const outbound = client({ ...loopbackAllowed, maxResponseBytes: 1000 });

    const response = await outbound.request(sink.url, { method: 'GET' });

    expect(response).toMatchObject({ truncated: false, body: Buffer.alloc(1000, 'y') });
  });

  it('gives up with a timeout when no answer comes in time', async () => {
    const sink = await serve(() => undefined);
    const outbound = client({ ...loopbackAllowed, timeoutMs: 10_000 });
    const started = Date.now();

    const error = await failure(outbound.request(`${sink.url}/hook?token=secret`, { method: 'POST', timeoutMs: 200 }));

    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(`127.0.0.1:${sink.port}: no complete answer within 200 ms`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('counts the timeout to the end of the body, so a trickling answer times out too', async () => {
    const sink = await serve((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(drip));
    });
    const outbound = client({ ...loopbackAllowed, timeoutMs: 300 });

    const error = await failure(outbound.request(sink.url, { method: 'GET' }));

    expect(error.reason).toBe('timeout');
  });

  it('ignores the proxy environment variables', async () => {
    const proxy = await serve((_req, res) => res.end('proxied'));
    const sink = await serve((_req, res) => res.end('direct'));
    const names = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'];
    const saved = names.map((name) => process.env[name]);
    names.forEach((name) => (process.env[name] = proxy.url));
    try {
      const response = await client(loopbackAllowed).request(`${sink.url}/hook`, { method: 'POST' });

      expect(response.body.toString()).toBe('direct');
      expect(proxy.connections).toBe(0);
    } finally {
      names.forEach((name, i) => (saved[i] === undefined ? delete process.env[name] : (process.env[name] = saved[i])));
    }
  });

  it('reuses one connection for consecutive requests to a sink', async () => {
    const sink = await serve((_req, res) => res.end('ok'));
    const outbound = client(loopbackAllowed);

    await outbound.request(sink.url, { method: 'POST', body: Buffer.from('1') });
    await outbound.request(sink.url, { method: 'POST', body: Buffer.from('2') });

    expect(sink.requests).toHaveLength(2);
    expect(sink.connections).toBe(1);
  });

  it('names only the host and a code when the connection fails, never the path or query', async () => {
    const sink = await serve((_req, res) => res.end('ok'));
    const { url, port } = sink;
    await sink.close();

    const outbound = client(loopbackAllowed);

    const error = await failure(outbound.request(`${url}/private/path?token=secret`, { method: 'POST' }));

    expect(error.reason).toBe('connection');
    expect(error.message).toBe(`127.0.0.1:${port}: the connection failed (ECONNREFUSED)`);
  });

  it('refuses, as an OutboundError that does not quote it, a header Node cannot send', async () => {
    const sink = await serve((_req, res) => res.end('ok'));
    const error = await failure(client(loopbackAllowed).request(sink.url, { method: 'POST', headers: { authorization: 'Bearer line\nbreak-secret' } }));

    expect(error.reason).toBe('refused-url');
    expect(error.message).not.toContain('secret');
  });

  it('reports a name that does not resolve as a DNS failure', async () => {
    const error = await failure(client({}).request('https://no-such-host.invalid/hook', { method: 'POST' }));

    expect(error.reason).toBe('dns');
    expect(error.message).toMatch(/^no-such-host\.invalid: the name does not resolve \(\w+\)$/);
  });
});

describe('OutboundClient.checkUrl', () => {
  it('requires https unless the host may use plain http', () => {
    const outbound = client({ allowPlainHttpHosts: ['sink.test'] });

    expect(outbound.checkUrl('https://example.com/hook').ok).toBe(true);
    expect(outbound.checkUrl('http://example.com/hook')).toEqual({
      ok: false,
      reason: 'refused-url',
      message: 'example.com: plain http is not allowed for this host, use https',
    });
    expect(outbound.checkUrl('http://SINK.test./hook').ok).toBe(true);
    expect(outbound.checkUrl('ftp://example.com/file')).toMatchObject({ ok: false, reason: 'refused-url' });
    expect(outbound.checkUrl('/relative/path')).toMatchObject({ ok: false, reason: 'refused-url' });
  });

  it('allows plain http to an allow-listed IP literal and to hosts listed for it only', () => {
    const outbound = client({ allowAddresses: ['127.0.0.0/8', '::1'], allowPlainHttpHosts: ['sink.test'] });

    expect(outbound.allowsPlainHttp('http://127.0.0.5:8080/')).toBe(true);
    expect(outbound.allowsPlainHttp('http://[::1]/')).toBe(true);
    expect(outbound.allowsPlainHttp('http://sink.test/')).toBe(true);
    expect(outbound.allowsPlainHttp('http://10.0.0.1/')).toBe(false);
    expect(outbound.allowsPlainHttp('http://localhost/')).toBe(false);
  });

  it('refuses a URL with user credentials, without repeating them', () => {
    const check = client({}).checkUrl('https://alice:hunter2@example.com/hook');

    expect(check).toEqual({
      ok: false,
      reason: 'refused-url',
      message: 'example.com: the URL carries user credentials',
    });
  });

  it.each([
    ['a private literal', 'https://10.0.0.1/hook', 'private'],
    ['loopback written in hex', 'https://0x7f.1/hook', 'loopback'],
    ['loopback written as one number', 'https://2130706433/hook', 'loopback'],
    ['an IPv4-mapped IPv6 literal', 'https://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['a NAT64 literal of a private address', 'https://[64:ff9b::a00:1]/hook', 'nat64:private'],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data/', 'cloud-metadata'],
    ['the IPv6 metadata address', 'https://[fd00:ec2::254]/latest/meta-data/', 'cloud-metadata'],
  ])('refuses %s in the URL without DNS', (_what, url, range) => {
    const check = client({}).checkUrl(url);

    expect(check).toMatchObject({ ok: false, reason: 'refused-address' });
    expect(!check.ok && check.message).toMatch(new RegExp(`is refused \\(${range}\\)$`));
  });

  it('refuses the GCP metadata host by name', () => {
    expect(client({}).checkUrl('https://metadata.google.internal./computeMetadata/v1/')).toEqual({
      ok: false,
      reason: 'refused-address',
      message: 'metadata.google.internal.: a cloud metadata service',
    });
  });

  it('accepts a public literal', () => {
    expect(client({}).checkUrl('https://93.184.216.34/hook').ok).toBe(true);
  });

  it('admits allow-listed addresses and ranges, IPv4-mapped forms judged as their IPv4 address', () => {
    const outbound = client({ allowAddresses: ['127.0.0.1', '10.1.0.0/16', '::1'] });

    expect(outbound.checkUrl('https://127.0.0.1/').ok).toBe(true);
    expect(outbound.checkUrl('https://[::ffff:127.0.0.1]/').ok).toBe(true);
    expect(outbound.checkUrl('https://10.1.200.3/').ok).toBe(true);
    expect(outbound.checkUrl('https://[::1]/').ok).toBe(true);
    expect(outbound.checkUrl('https://127.0.0.2/').ok).toBe(false);
    expect(outbound.checkUrl('https://10.2.0.1/').ok).toBe(false);
  });

  it('never admits a cloud metadata address, even inside an allow-listed range', () => {
    const outbound = client({ allowAddresses: ['169.254.0.0/16', '100.64.0.0/10'] });

    expect(outbound.checkUrl('https://169.254.10.10/').ok).toBe(true);
    expect(outbound.checkUrl('https://169.254.169.254/')).toMatchObject({ ok: false, reason: 'refused-address' });
    expect(outbound.checkUrl('https://100.100.100.200/')).toMatchObject({ ok: false, reason: 'refused-address' });
  });

  it.each(['example.com', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/', '0x7f.1'])(
    'rejects the allow-list entry %s when the client is made',
    (entry) => {
      expect(() => new OutboundClient({ allowAddresses: [entry] })).toThrow(TypeError);
    },
  );
});
