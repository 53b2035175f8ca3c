import { connect, type Socket } from 'node:net';
import { bearer } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** A client on a raw TCP socket: it sends bytes when the test says so and collects everything the registry answers. */
class RawClient {
  received = '';
  closedAt: number | undefined;
  error: NodeJS.ErrnoException | undefined;
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (this.received += chunk));
    socket.on('error', (error) => (this.error = error));
    socket.on('close', () => (this.closedAt = Date.now()));
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Resolves once `done` holds, or rejects after `ms`. */
  async until(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms; received so far: ${this.received.slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The status lines in what a connection received (a body may end right before the next one). */
const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

describe('connection timeouts', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_HEADERS_TIMEOUT_MS: '1000', PLAZA_REQUEST_TIMEOUT_MS: '2000' });
    await t.app.listen(0, '127.0.0.1');
    port = Number(new URL(await t.app.getUrl()).port);
  });
  afterAll(() => t.close());

  it('cuts off a body trickled one byte a second once the request timeout has passed, with a 408 problem', async () => {
    const client = await RawClient.open(port);
    const started = Date.now();
    const key = bearer(t.operatorKey).authorization;
    await client.write(`POST /api/v1/organisations HTTP/1.1\r\nHost: registry\r\nAuthorization: ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`);
    // One byte a second, for as long as the connection stays open (100 s if nothing cuts it off).
    const trickle = setInterval(() => {
      if (!client.closed) client.write('{').catch(() => undefined);
    }, 1_000);
    try {
      await client.until(() => client.closed, 8_000);
    } finally {
      clearInterval(trickle);
    }
    // 2 s of request timeout, checked every second.
    expect(client.closedAt! - started).toBeLessThan(4_500);
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.received).toMatch(/content-type: application\/problem\+json/i);
    expect(client.received).toContain('"code":"request.timeout"');
  });

  it('gives one answer only when a request refused on its headers then trickles its body past the request timeout', async () => {
    const client = await RawClient.open(port);
    await client.write('POST /api/v1/organisations HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n');
    await client.until(() => responses(client.received).length === 1, 5_000);
    const trickle = setInterval(() => {
      if (!client.closed) client.write('{').catch(() => undefined);
    }, 500);
    try {
      await client.until(() => client.closed, 8_000);
    } finally {
      clearInterval(trickle);
    }
    // The 401 was the answer; the timeout ends the connection without a second, unasked-for 408 on it.
    expect(responses(client.received)).toEqual(['HTTP/1.1 401']);
  });

  it('cuts off request headers trickled one line a second once the headers timeout has passed', async () => {
    const client = await RawClient.open(port);
    const started = Date.now();
    await client.write('GET /health/live HTTP/1.1\r\n');
    let line = 0;
    const trickle = setInterval(() => {
      if (!client.closed) client.write(`X-Slow-${line++}: 1\r\n`).catch(() => undefined);
    }, 300);
    try {
      await client.until(() => client.closed, 8_000);
    } finally {
      clearInterval(trickle);
    }
    expect(client.closedAt! - started).toBeLessThan(3_500);
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers a request that arrives in time, and keeps an idle connection only for the keep-alive timeout', async () => {
    const client = await RawClient.open(port);
    await client.write('GET /health/live HTTP/1.1\r\nHost: registry\r\n\r\n');
    await client.until(() => responses(client.received).length === 1, 2_000);
    expect(client.received).toMatch(/^HTTP\/1\.1 200 /);
    await client.until(() => client.closed, 7_000);
  });
});

describe('a body refused before it was read', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = Number(new URL(await t.app.getUrl()).port);
  });
  afterAll(() => t.close());

  it('is read to its end after the 413, so a client still sending is not reset and can use the connection again', async () => {
    const client = await RawClient.open(port);
    const size = 8 * 1_048_576;
    const key = bearer(t.operatorKey).authorization;
    await client.write(`POST /api/v1/organisations HTTP/1.1\r\nHost: registry\r\nAuthorization: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
    // The refusal comes on the headers alone...
    await client.until(() => client.received.includes('"code":"request.body_too_large"'), 5_000);
    expect(client.received).toMatch(/^HTTP\/1\.1 413 /);
    // ...and the client, still sending its body, is neither reset nor cut off,
    const chunk = Buffer.alloc(65_536, 'x');
    for (let sent = 0; sent < size; sent += chunk.length) await client.write(chunk);
    // and the connection then answers its next request.
    await client.write('GET /health/live HTTP/1.1\r\nHost: registry\r\n\r\n');
    await client.until(() => responses(client.received).length === 2, 5_000);
    expect(responses(client.received)).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
    expect(client.error).toBeUndefined();
    client.destroy();
  });

  it('closes the connection after the 413 when the declared body is beyond what the registry drains', async () => {
    const client = await RawClient.open(port);
    const key = bearer(t.operatorKey).authorization;
    await client.write(`POST /api/v1/organisations HTTP/1.1\r\nHost: registry\r\nAuthorization: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1_048_576}\r\n\r\n`);
    await client.until(() => client.closed, 5_000);
    expect(client.received).toMatch(/^HTTP\/1\.1 413 /);
  });
});
