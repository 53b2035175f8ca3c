/**
 * Delivery end to end: subscriptions over real HTTP, a real webhook sink on 127.0.0.1, real signatures (the
 * registry's RFC 9421 signature over each request, the producer's DSSE signature over each event), on the embedded
 * database and on the PostgreSQL server.
 */
import { createPublicKey } from 'node:crypto';
import { verifyRequest } from '#plaza/http-signatures';
import { bearer, createOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { BATCH, binaryReading, exchangeScenario, post, reading, registerDsseKey, signed, signedAgreement, signedBatch, STRUCTURED, type ExchangeScenario } from './support/exchange-fixtures.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './support/webhook-receiver.js';

const DELIVERY_ENV = {
  PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
  PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
  PLAZA_DELIVERY_POLL_MS: '25',
  PLAZA_DELIVERY_BACKOFF_BASE_MS: '50',
  PLAZA_DELIVERY_BACKOFF_MAX_MS: '200',
  PLAZA_DELIVERY_MAX_ATTEMPTS: '4',
  PLAZA_PUBLIC_URL: 'https://registry.plaza.test',
};

interface Subscription {
  id: string;
  state: string;
  stateReason: string | null;
  config: { allowedrate: number | null };
  sinkcredential: boolean;
  delivery: { cursor: string; delivered: number; lag: number; attempts: number; lastError: string | null };
}

let t: TestApp;
let s: ExchangeScenario;
let sink: WebhookReceiver;

beforeAll(async () => {
  // Its own database on a server: other suites' registries there would otherwise take its subscriptions' leases.
  t = await startTestApp(DELIVERY_ENV, { ownDatabase: true });
  s = await exchangeScenario(t);
});
afterAll(() => t.close());
beforeEach(async () => {
  sink = await startWebhookReceiver();
});
afterEach(() => sink.close());

const subscribe = async (key: string, body: Record<string, unknown>, status = 201) =>
  (await t.http.post('/api/v1/subscriptions').set(bearer(key)).send({ protocol: 'HTTP', sink: sink.url, ...body }).expect(status)).body as Subscription;
const read = async (key: string, id: string) => (await t.http.get(`/api/v1/subscriptions/${id}`).set(bearer(key)).expect(200)).body as Subscription;
async function until(key: string, id: string, done: (s: Subscription) => boolean, timeoutMs = 10_000): Promise<Subscription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await read(key, id);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`subscription never reached the expected state: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
let counter = 0;
const nextId = (label: string) => `${label}-${++counter}-${Date.now()}`;
const submit = async (ids: string[]) => {
  for (const id of ids) await post(t, s.vendor.adminKey, STRUCTURED, await signed(reading(s.source, id), s.vendorKey)).expect(201);
};

async function deliveryKey() {
  const { keys } = (await t.http.get('/.well-known/delivery-jwks.json').expect(200)).body as { keys: { kid: string; x: string }[] };
  return { kid: keys[0]!.kid, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keys[0]!.x }, format: 'jwk' }) };
}
const verify = async (request: ReceivedRequest) => {
  const { kid, key } = await deliveryKey();
  return verifyRequest(request, { keys: (id) => (id === kid ? key : undefined), tag: 'plaza-delivery', now: Math.floor(Date.now() / 1000) });
};

describe('subscriptions and delivery', () => {
  it('runs the handshake before anything is sent, then delivers each structured event as its exact bytes, signed by the registry', async () => {
    const created = await subscribe(s.city.adminKey, { source: s.source, sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: 'sink-secret-1' } });
    expect(created).toMatchObject({ state: 'validating', sinkcredential: true });
    expect(JSON.stringify(created)).not.toContain('sink-secret-1');
    await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    const handshake = sink.requests[0]!;
    expect(handshake.method).toBe('OPTIONS');
    expect(handshake.headers['webhook-request-origin']).toBe('registry.plaza.test');
    expect(handshake.headers['webhook-request-rate']).toBe('600');
    expect(handshake.headers['webhook-request-callback']).toMatch(new RegExp(`^https://registry\\.plaza\\.test/api/v1/subscriptions/${created.id}/consent\\?secret=`));

    const texts = [reading(s.source, nextId('one')), reading(s.source, nextId('two'))];
    for (const text of texts) await post(t, s.vendor.adminKey, STRUCTURED, await signed(text, s.vendorKey)).expect(201);
    const deliveries = await sink.waitForDeliveries(2);
    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/cloudevents+json');
      expect(delivery.headers.authorization).toBe('Bearer sink-secret-1');
      expect(delivery.headers['webhook-request-origin']).toBe('registry.plaza.test');
      expect(await verify(delivery)).toMatchObject({ ok: true });
    }
    // Ed25519 signs deterministically: signing the same text again gives the bytes that were submitted.
    expect(deliveries.map((d) => d.body.toString())).toEqual(await Promise.all(texts.map(async (text) => String(await signed(text, s.vendorKey)))));
    expect((await until(s.city.adminKey, created.id, (x) => x.delivery.delivered === 2)).delivery).toMatchObject({ lag: 0, attempts: 0, lastError: null });
  });

  it('sends a received batch as one batch of the exact event bytes when batching is allowed, and a binary event alone with its ce-* headers, all covered by the signature', async () => {
    const created = await subscribe(s.city.adminKey, { source: s.source, config: { batching: true, maxbatchsize: 10 } });
    await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    const texts = [reading(s.source, nextId('b1')), reading(s.source, nextId('b2')), reading(s.source, nextId('b3'))];
    const batch = await signedBatch(texts, s.vendorKey);
    await post(t, s.vendor.adminKey, BATCH, batch).expect(200);
    const binary = binaryReading(s.source, nextId('bin'), s.vendorKey);
    await post(t, s.vendor.adminKey, binary.headers['content-type']!, binary.body, binary.headers).expect(201);
    const [first, second] = await sink.waitForDeliveries(2);
    expect(first!.headers['content-type']).toBe('application/cloudevents-batch+json');
    expect(first!.body.toString()).toBe(String(batch));
    expect(second!.body.equals(binary.body)).toBe(true);
    for (const [name, value] of Object.entries(binary.headers)) expect(second!.headers[name.toLowerCase()]).toBe(value);
    for (const delivery of [first!, second!]) expect(await verify(delivery)).toMatchObject({ ok: true });
    const tampered = { ...second!, headers: { ...second!.headers, 'ce-id': 'someone-else' } };
    expect(await verify(tampered)).toMatchObject({ ok: false });
  });

  it('retries a failing sink with back-off, moves on after a 2xx, and marks the subscription failing once the attempts are spent', async () => {
    let failures = 2;
    sink.answer = () => (failures-- > 0 ? { status: 503 } : { status: 204 });
    const created = await subscribe(s.city.adminKey, { source: s.source });
    await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    const [id] = [nextId('retry')];
    await submit([id!]);
    const deliveries = await sink.waitForDeliveries(3);
    expect(deliveries.map((d) => JSON.parse(d.body.toString()).id)).toEqual([id, id, id]);
    expect((await until(s.city.adminKey, created.id, (x) => x.delivery.delivered === 1)).delivery).toMatchObject({ attempts: 0, lastError: null });

    sink.answer = () => ({ status: 500 });
    await submit([nextId('doomed')]);
    const failing = await until(s.city.adminKey, created.id, (x) => x.state === 'failing');
    expect(failing.stateReason).toMatch(/gave up after 4 attempts: the sink answered 500/);
    const tries = sink.deliveries().length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.deliveries().length).toBe(tries);
    sink.answer = () => ({ status: 204 });
    await t.http.post(`/api/v1/subscriptions/${created.id}/resume`).set(bearer(s.city.adminKey)).expect(200);
    await until(s.city.adminKey, created.id, (x) => x.state === 'active' && x.delivery.delivered === 2);
  });

  it('waits as long as a 429 asks before sending again', async () => {
    let limited = true;
    sink.answer = () => (limited ? ((limited = false), { status: 429, headers: { 'retry-after': '1' } }) : { status: 204 });
    const created = await subscribe(s.city.adminKey, { source: s.source });
    await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    await submit([nextId('paced')]);
    const [refused, accepted] = await sink.waitForDeliveries(2);
    const gap = Number(accepted!.headers['x-received-at']) - Number(refused!.headers['x-received-at']);
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('ends the subscription on 410 Gone and never follows a redirect', async () => {
    const elsewhere = await startWebhookReceiver();
    try {
      sink.answer = () => ({ status: 307, headers: { location: elsewhere.url } });
      const created = await subscribe(s.city.adminKey, { source: s.source });
      await until(s.city.adminKey, created.id, (x) => x.state === 'active');
      await submit([nextId('moved')]);
      const redirected = await until(s.city.adminKey, created.id, (x) => x.delivery.attempts > 0);
      expect(redirected.delivery.lastError).toMatch(/307 \(redirects are never followed\)/);
      expect(elsewhere.deliveries()).toHaveLength(0);
      sink.answer = () => ({ status: 410 });
      const ended = await until(s.city.adminKey, created.id, (x) => x.state === 'ended');
      expect(ended.stateReason).toMatch(/410 Gone/);
    } finally {
      await elsewhere.close();
    }
  });

  it('rewinds to a point in time or to a cursor, and redelivers what follows', async () => {
    const created = await subscribe(s.city.adminKey, { source: s.source });
    await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = new Date().toISOString();
    const ids = [nextId('rw1'), nextId('rw2')];
    await submit(ids);
    await sink.waitForDeliveries(2);
    const afterFirst = (await t.http.get('/api/v1/exchange/events').query({ source: s.source, limit: 1000 }).set(bearer(s.city.adminKey)).expect(200)).body as {
      events: { id: string }[]; pollCursor: string;
    };
    await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(s.city.adminKey)).send({ time: before }).expect(200);
    const again = await sink.waitForDeliveries(4);
    expect(again.slice(2).map((d) => JSON.parse(d.body.toString()).id)).toEqual(ids);
    await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(s.city.adminKey)).send({ cursor: afterFirst.pollCursor }).expect(200);
    await submit([nextId('rw3')]);
    await sink.waitForDeliveries(5);
    await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(s.city.adminKey)).send({ cursor: afterFirst.pollCursor, time: before }).expect(400);
    await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(s.city.adminKey)).send({ cursor: 'not-a-cursor' }).expect(400);
    // ISO 8601 week dates are ISO, not RFC 3339: a clear 400, never a 500.
    expect((await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(s.city.adminKey)).send({ time: '2009-W53-7' }).expect(400)).body.code).toBe('exchange.rewind_invalid');
  });

  it('consents through the callback when the sink withholds consent from the OPTIONS answer, then never sends faster than the rate it allowed', async () => {
    // The first OPTIONS is answered at once without consent; later ones are held until the test has consented, so
    // the registry cannot give up on the validation (four attempts, a few hundred milliseconds) before it does.
    let consented!: () => void;
    const held = new Promise<void>((resolve) => (consented = resolve));
    sink.handshake = async (request) => {
      if (sink.requests.filter((r) => r.method === 'OPTIONS').indexOf(request) > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([held, new Promise((resolve) => (timer = setTimeout(resolve, 8_000)))]);
        clearTimeout(timer);
      }
      return { status: 200 };
    };
    const created = await subscribe(s.city.adminKey, { source: s.source, config: { requestrate: 120 } });
    const waiting = await until(s.city.adminKey, created.id, (x) => x.delivery.attempts > 0);
    expect(waiting.state).toBe('validating');
    expect(waiting.delivery.lastError).toMatch(/did not consent/);
    const callback = new URL(sink.requests.filter((r) => r.method === 'OPTIONS').at(-1)!.headers['webhook-request-callback']!);
    await t.http.get(callback.pathname).query({ secret: 'wrong' }).expect(404);
    await t.http.post(callback.pathname + callback.search).set('webhook-allowed-rate', '60').expect(200);
    consented();
    const active = await until(s.city.adminKey, created.id, (x) => x.state === 'active');
    expect(active.config.allowedrate).toBe(60);
    await t.http.get(callback.pathname + callback.search).expect(404);
    // 60 requests a minute allowed: never two within a second.
    await submit([nextId('paced-1'), nextId('paced-2')]);
    const [one, two] = await sink.waitForDeliveries(2);
    expect(Number(two!.headers['x-received-at']) - Number(one!.headers['x-received-at'])).toBeGreaterThanOrEqual(950);
  });

  it('stops delivering to a vendor, backlog included, as soon as its agreement is terminated', async () => {
    const own = await exchangeScenario(t);
    sink.answer = () => ({ status: 503 });
    const created = await subscribe(own.vendor.adminKey, { source: own.source });
    await until(own.vendor.adminKey, created.id, (x) => x.state === 'active');
    for (const id of [nextId('held1'), nextId('held2')]) await post(t, own.vendor.adminKey, STRUCTURED, await signed(reading(own.source, id), own.vendorKey)).expect(201);
    await sink.waitForDeliveries(1);
    await t.http.post(`/api/v1/agreements/${own.agreementId}/terminate`).set(bearer(own.city.adminKey)).send({ reason: 'The contract ended.' }).expect(200);
    const attempted = sink.deliveries().length;
    sink.answer = () => ({ status: 204 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(sink.deliveries().length).toBeLessThanOrEqual(attempted + 1);
    expect((await read(own.vendor.adminKey, created.id)).delivery.delivered).toBe(0);
  });

  it("never gives a source's new vendor what was received before its agreement, not even when it rewinds", async () => {
    const own = await exchangeScenario(t);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = new Date().toISOString();
    const predecessors = nextId('predecessor');
    await post(t, own.vendor.adminKey, STRUCTURED, await signed(reading(own.source, predecessors), own.vendorKey)).expect(201);
    await t.http.post(`/api/v1/agreements/${own.agreementId}/terminate`).set(bearer(own.city.adminKey)).send({ reason: 'A new vendor takes over.' }).expect(200);
    const successor = await createOrganisation(t, uniqueSlug('ex-successor'), 'vendor');
    await signedAgreement(t, { org: own.city, key: own.cityKey }, { org: successor, key: await registerDsseKey(t, successor) }, own.sourceId);

    const created = await subscribe(successor.adminKey, { source: own.source });
    await until(successor.adminKey, created.id, (x) => x.state === 'active');
    await t.http.post(`/api/v1/subscriptions/${created.id}/rewind`).set(bearer(successor.adminKey)).send({ time: before }).expect(200);
    const citys = nextId('city-own');
    await post(t, own.city.adminKey, STRUCTURED, await signed(reading(own.source, citys), own.cityKey)).expect(201);
    await sink.waitForDeliveries(1);
    await until(successor.adminKey, created.id, (x) => x.delivery.lag === 0);
    expect(sink.deliveries().map((d) => JSON.parse(d.body.toString()).id)).toEqual([citys]);
  });

  it('refuses a sink at an internal address in every form, plain http to a host not allow-listed, and credentials in the URL; nothing is stored', async () => {
    const refused = [
      'https://10.0.0.1/hook', 'https://172.16.5.4/hook', 'https://192.168.1.1/hook', 'https://127.0.0.2/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest',
      'https://100.64.0.1/hook', 'https://0.0.0.0/hook', 'https://224.0.0.1/hook', 'https://[fe80::1]/hook', 'https://[fd00::1]/hook', 'https://[::ffff:10.0.0.1]/hook',
      'https://[64:ff9b::a00:1]/hook', 'https://[fd00:ec2::254]/hook', 'https://metadata.google.internal/hook', 'http://example.org/hook', 'https://user:pw@example.org/hook',
    ];
    const before = (await t.http.get('/api/v1/subscriptions').set(bearer(s.city.adminKey)).expect(200)).body.items.length;
    for (const target of refused) {
      const problem = (await t.http.post('/api/v1/subscriptions').set(bearer(s.city.adminKey)).send({ protocol: 'HTTP', sink: target, source: s.source }).expect(422)).body;
      expect(problem.code).toBe('exchange.sink_invalid');
      expect(problem.detail).not.toContain('pw');
    }
    expect((await t.http.get('/api/v1/subscriptions').set(bearer(s.city.adminKey)).expect(200)).body.items.length).toBe(before);
  });

  it("keeps subscriptions to their organisation and to what it may read, with clear problems for bad input", async () => {
    const created = await subscribe(s.city.adminKey, { source: s.source });
    await t.http.get(`/api/v1/subscriptions/${created.id}`).set(bearer(s.vendor.adminKey)).expect(404);
    await t.http.post(`/api/v1/subscriptions/${created.id}/pause`).set(bearer(s.vendor.adminKey)).expect(404);
    await t.http.get('/api/v1/subscriptions/not-a-uuid').set(bearer(s.city.adminKey)).expect(404);
    const stranger = await exchangeScenario(t);
    expect((await subscribe(stranger.vendor.adminKey, { source: s.source }, 404)).toString()).toBeDefined();
    expect((await subscribe(s.city.adminKey, { source: s.source, filters: [{ sql: "type = 'x'" }] }, 422) as unknown as { code: string }).code).toBe('exchange.filter_unsupported');
    expect((await subscribe(s.vendor.adminKey, { source: s.source, types: ['org.plaza.noise'] }, 422) as unknown as { code: string }).code).toBe('exchange.type_not_readable');
    await t.http.post('/api/v1/subscriptions').set(bearer(s.city.adminKey)).send({ protocol: 'MQTT5', sink: sink.url }).expect(400);
    // A token a header could not carry is refused here, not left to fail every delivery.
    const badToken = (await t.http.post('/api/v1/subscriptions').set(bearer(s.city.adminKey))
      .send({ protocol: 'HTTP', sink: sink.url, sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: 'line\nbreak' } }).expect(400)).body;
    expect(JSON.stringify(badToken)).not.toContain('line\\nbreak');
    const paused = (await t.http.post(`/api/v1/subscriptions/${created.id}/pause`).set(bearer(s.city.adminKey)).expect(200)).body as Subscription;
    expect(paused.state).toBe('paused');
    await t.http.post(`/api/v1/subscriptions/${created.id}/pause`).set(bearer(s.city.adminKey)).expect(409);
    const deleted = (await t.http.delete(`/api/v1/subscriptions/${created.id}`).set(bearer(s.city.adminKey)).expect(200)).body as Subscription;
    expect(deleted.state).toBe('deleted');
    await t.http.get(`/api/v1/subscriptions/${created.id}`).set(bearer(s.city.adminKey)).expect(404);
  });
});

