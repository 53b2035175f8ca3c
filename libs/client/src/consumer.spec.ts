import { Buffer } from 'node:buffer';
import { generateSigningKey, SCHEME_VERSION, signStructured } from '../../dsse/src/index.js';
import { consumeFeed, type ServedEvent, verifiedJson, verifyServedEvent } from './consumer.js';

const pair = generateSigningKey('Ed25519', 'kid-vendor-1');
const history = async () => ({ kid: pair.keyid, organisation: 'airsense', jwk: pair.publicKey, validFrom: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: null });
const sign = (source: string, type: string) =>
  signStructured(Buffer.from(`{"specversion":"1.0","id":"r-1","source":"${source}","type":"${type}","time":"2026-11-20T10:00:00Z","datacontenttype":"application/json","data":{"pm2_5":10.25}}`), { keyid: pair.keyid, privateKey: pair.privateKey });
const signed = sign('urn:test:air:1', 'org.plaza.air-quality-observation');
/** A served item that lists what its bytes say (as an honest registry would), whatever those bytes are. */
const item = (over: Partial<ServedEvent> = {}, bytes = signed): ServedEvent => {
  const cloudEvent = JSON.parse(bytes.toString('utf8')) as Record<string, string>;
  return {
    sequence: '1', source: cloudEvent.source!, id: 'r-1', type: cloudEvent.type!, time: '2026-11-20T10:00:00Z', receivedAt: '2026-11-20T15:00:00Z',
    mode: 'structured', scheme: SCHEME_VERSION, keyid: pair.keyid, eventBase64: bytes.toString('base64'), cloudEvent, ...over,
  };
};

describe("the city's consumer", () => {
  it('verifies the exact bytes (eventBase64) and gives out only what they hold, whatever the convenience copy says', async () => {
    const forged = { ...(item().cloudEvent as Record<string, unknown>), data: { pm2_5: 99 } };
    const { check, verified } = await verifyServedEvent(item({ cloudEvent: forged }), history);
    expect(check).toMatchObject({ ok: true, kid: pair.keyid, organisation: 'airsense' });
    expect(verifiedJson(verified!)).toEqual({ pm2_5: 10.25 });
  });

  it('fails an event whose bytes changed, and gives out nothing of it', async () => {
    const tampered = Buffer.from(signed.toString('utf8').replace('10.25', '10.26')).toString('base64');
    const result = await verifyServedEvent(item({ eventBase64: tampered }), history);
    expect(result.check.ok).toBe(false);
    expect(result.check.problem).toMatch(/^core_mismatch/);
    expect(result.verified).toBeUndefined();
  });

  it('reads the text of a registry from before eventBase64 (event), and refuses an item with neither', async () => {
    expect((await verifyServedEvent(item({ eventBase64: undefined, event: signed.toString('utf8') }), history)).check.ok).toBe(true);
    expect((await verifyServedEvent(item({ eventBase64: undefined }), history)).check.problem).toMatch(/needs the event bytes/);
  });

  it("fails a validly signed event of another source or type mixed into the feed asked for, naming what it is signed for", async () => {
    const served = [item(), item({ sequence: '2' }, sign('urn:test:air:2', 'org.plaza.air-quality-observation')), item({ sequence: '3' }, sign('urn:test:air:1', 'org.plaza.noise-observation'))];
    const keys = { kid: pair.keyid, organisation: 'airsense', jwk: pair.publicKey, validFrom: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: null };
    const registry = async (request: Request) => {
      const body = request.url.includes('/signing-keys/') ? keys : { items: served, nextCursor: null, pollCursor: 'c-3' };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const pages = [];
    for await (const page of consumeFeed({ registry: 'http://registry.test', apiKey: 'k', source: 'urn:test:air:1', type: 'org.plaza.air-quality-observation', fetch: registry })) pages.push(page);
    const checks = pages.flatMap((p) => p.events.map((e) => [e.check.ok, e.check.problem, e.verified === undefined]));
    expect(checks).toEqual([
      [true, undefined, false],
      [false, 'the event is signed for source "urn:test:air:2", not the source asked for, "urn:test:air:1"', true],
      [false, 'the event is signed for type "org.plaza.noise-observation", not the type asked for, "org.plaza.air-quality-observation"', true],
    ]);
  });
});
