import { Buffer } from 'node:buffer';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey } from '#plaza/dsse';
import { contentDigest, signRequest } from '#plaza/http-signatures';
import { type EventMode, signMessages } from './events.js';
import { formatReceived, type ReceivedEvent, type Receiver, type ReceiveOptions, startReceiver } from './events-receive.js';

/*
 * The receiver against a stand-in registry on 127.0.0.1 (its delivery JWKS and producers' keys) and deliveries
 * signed as the registry signs them (libs/http-signatures) over events signed as producers sign them (libs/dsse).
 */

const producer = generateSigningKey('Ed25519', 'kid-vendor');
const stranger = generateSigningKey('Ed25519', 'kid-stranger');
const edKey = (kid: string) => ({ kid, ...generateKeyPairSync('ed25519') });

let delivery = edKey('delivery-1');
let registry: Server;
let registryUrl: string;
let jwksReads = 0;

beforeAll(async () => {
  registry = createServer((req, res) => {
    if (req.url === '/.well-known/delivery-jwks.json') {
      jwksReads++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...delivery.publicKey.export({ format: 'jwk' }), kid: delivery.kid, alg: 'EdDSA', use: 'sig' }] }));
    } else if (req.url === `/api/v1/signing-keys/${producer.keyid}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kid: producer.keyid, organisation: 'vendor-co', jwk: producer.publicKey, validFrom: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: null }));
    } else {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
    }
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => registry.close(resolve)));

interface Running {
  receiver: Receiver;
  events: ReceivedEvent[];
  refusals: string[];
}

const running: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function receive(options: Partial<ReceiveOptions> = {}): Promise<Running> {
  const events: ReceivedEvent[] = [];
  const refusals: string[] = [];
  const receiver = await startReceiver({ registry: registryUrl, host: '127.0.0.1', port: 0, onEvent: (e) => events.push(e), onRefused: (r) => refusals.push(r), ...options });
  running.push(receiver);
  return { receiver, events, refusals };
}

const reading = (id: string) =>
  `{"specversion":"1.0","id":"${id}","source":"urn:test:air:1","type":"org.plaza.air-quality-observation","time":"2026-11-20T10:00:00Z","datacontenttype":"application/json","data":{"pm2_5":10.5}}`;

/** A producer-signed message of the mode, as the registry forwards it. */
function produced(mode: EventMode, ids: string[], key = producer): { headers: Record<string, string>; body: Buffer } {
  const [message] = signMessages(ids.map((id) => Buffer.from(reading(id))), { keyid: key.keyid, privateKey: key.privateKey }, mode);
  return { headers: message!.headers, body: message!.body };
}

interface Sent {
  /** The URL the registry signs: the registered sink. */
  signedUrl: string;
  /** Where the request actually goes (default: the signed URL). */
  to?: string;
  message?: { headers: Record<string, string>; body: Buffer };
  key?: { kid: string; privateKey: KeyObject };
  created?: number;
  nonce?: string;
  extra?: Record<string, string>;
}

/** POSTs a delivery signed as the registry signs one; answers the status and the body the sender is told. */
async function deliver(sent: Sent): Promise<{ status: number; body: string }> {
  const { headers, body } = sent.message ?? produced('structured', ['r-1']);
  const key = sent.key ?? delivery;
  const created = sent.created ?? Math.floor(Date.now() / 1000);
  const signed = { ...headers, 'content-digest': contentDigest(body) };
  const signature = signRequest({ method: 'POST', url: sent.signedUrl, headers: signed, body }, { key: key.privateKey, keyid: key.kid, created, expires: created + 300, nonce: sent.nonce ?? `n-${Math.random()}`, tag: 'plaza-delivery' });
  const response = await fetch(sent.to ?? sent.signedUrl, { method: 'POST', headers: { ...signed, ...signature, ...sent.extra }, body: new Uint8Array(body) });
  return { status: response.status, body: await response.text() };
}

describe('plaza events receive: the handshake', () => {
  it('consents to the origin that asks, at the rate it is told (any rate unless told)', async () => {
    const { receiver } = await receive();
    const answer = await fetch(receiver.url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'registry.example.org', 'webhook-request-rate': '600' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('webhook-allowed-origin')).toBe('registry.example.org');
    expect(answer.headers.get('webhook-allowed-rate')).toBe('*');

    const paced = await receive({ allowedRate: '120' });
    const slower = await fetch(paced.receiver.url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'registry.example.org' } });
    expect(slower.headers.get('webhook-allowed-rate')).toBe('120');
  });

  it('gives no consent to an origin other than the one expected, nor to a request naming none', async () => {
    const { receiver } = await receive({ expectOrigin: 'registry.example.org' });
    const other = await fetch(receiver.url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'elsewhere.example.org' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('webhook-allowed-origin')).toBeNull();
    expect((await fetch(receiver.url, { method: 'OPTIONS' })).status).toBe(400);
  });
});

describe('plaza events receive: deliveries', () => {
  it("takes a registry-signed delivery in each mode and reports every event as verified with its producer's key", async () => {
    const { receiver, events } = await receive();
    for (const [mode, ids] of [['structured', ['s-1']], ['batch', ['b-1', 'b-2']], ['binary', ['x-1']]] as const) {
      expect(await deliver({ signedUrl: receiver.url, message: produced(mode, [...ids]) })).toEqual({ status: 204, body: '' });
    }
    expect(events.map((e) => e.id)).toEqual(['s-1', 'b-1', 'b-2', 'x-1']);
    for (const e of events) expect(e).toEqual({ source: 'urn:test:air:1', id: e.id, type: 'org.plaza.air-quality-observation', verified: true, organisation: 'vendor-co', kid: 'kid-vendor' });
    expect(formatReceived(events[0]!)).toBe('ok   urn:test:air:1 s-1 org.plaza.air-quality-observation  signed by vendor-co with kid-vendor\n');
  });

  it('refuses with a bare 401 a replayed, a stale, a forged or an altered delivery, and keeps the reason to itself', async () => {
    const { receiver, events, refusals } = await receive();
    const first = { signedUrl: receiver.url, nonce: 'once' };
    expect((await deliver(first)).status).toBe(204);
    expect(await deliver(first)).toEqual({ status: 401, body: '' });
    expect(await deliver({ signedUrl: receiver.url, created: Math.floor(Date.now() / 1000) - 600 })).toEqual({ status: 401, body: '' });
    const forger = edKey(delivery.kid);
    expect(await deliver({ signedUrl: receiver.url, key: forger })).toEqual({ status: 401, body: '' });
    expect(await deliver({ signedUrl: receiver.url, extra: { 'ce-extra': 'added on the way' } })).toEqual({ status: 401, body: '' });
    expect(events).toHaveLength(1);
    expect(refusals).toEqual([
      expect.stringContaining('the nonce was seen before'),
      expect.stringContaining('the signature has expired'),
      expect.stringContaining('the signature does not verify'),
      expect.stringContaining('does not cover ce-extra'),
    ]);
  });

  it('rebuilds the target URI from the registered sink URL, not from the address it listens on', async () => {
    const behindProxy = await receive({ publicUrl: 'https://hooks.example.org/plaza' });
    expect(behindProxy.receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/plaza$/);
    const viaProxy = (signed: string) => ({ signedUrl: signed, to: `${behindProxy.receiver.url}?subscription=7` });
    expect((await deliver(viaProxy('https://hooks.example.org/plaza?subscription=7'))).status).toBe(204);

    const unaware = await receive({ path: '/plaza' });
    expect((await deliver({ signedUrl: 'https://hooks.example.org/plaza', to: unaware.receiver.url })).status).toBe(401);
    expect(unaware.refusals).toEqual([expect.stringContaining('the signature does not verify')]);
  });

  it('reads the delivery JWKS again for an unknown kid (a rotation), at most once in 10 seconds', async () => {
    let later = 0;
    const { receiver } = await receive({ now: () => Date.now() / 1000 + later });
    const before = jwksReads;
    delivery = edKey('delivery-2');
    expect((await deliver({ signedUrl: receiver.url })).status).toBe(401);
    expect(jwksReads).toBe(before);
    later = 11;
    expect((await deliver({ signedUrl: receiver.url })).status).toBe(204);
    expect(jwksReads).toBe(before + 1);
    expect((await deliver({ signedUrl: receiver.url, key: edKey('delivery-3') })).status).toBe(401);
    expect(jwksReads).toBe(before + 1);
  });

  it('requires the bearer token when it has one', async () => {
    const { receiver } = await receive({ token: 's3cret' });
    expect((await deliver({ signedUrl: receiver.url })).status).toBe(401);
    expect((await deliver({ signedUrl: receiver.url, extra: { authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect((await deliver({ signedUrl: receiver.url, extra: { authorization: 'Bearer s3cret' } })).status).toBe(204);
  });

  it('answers 422 and reports FAIL for an event whose producer signature does not verify, so the registry keeps it due', async () => {
    const { receiver, events } = await receive();
    expect((await deliver({ signedUrl: receiver.url, message: produced('structured', ['unknown-signer'], stranger) })).status).toBe(422);
    expect(events).toEqual([expect.objectContaining({ id: 'unknown-signer', verified: false })]);
    expect(formatReceived(events[0]!)).toMatch(/^FAIL urn:test:air:1 unknown-signer org\.plaza\.air-quality-observation  \S+/);
  });

  it('serves only its path and only OPTIONS and POST', async () => {
    const { receiver } = await receive({ path: '/hook' });
    expect((await deliver({ signedUrl: receiver.url.replace('/hook', '/other') })).status).toBe(404);
    expect((await fetch(receiver.url)).status).toBe(405);
  });

  it('does not start without the delivery keys', async () => {
    await expect(startReceiver({ registry: 'http://127.0.0.1:1', host: '127.0.0.1', port: 0, onEvent: () => undefined })).rejects.toThrow();
  });
});
