import { Buffer } from 'node:buffer';
import { generateSigningKey, SCHEME_VERSION, signStructured } from '../../dsse/src/index.js';
import { type ServedEvent, verifiedJson, verifyServedEvent } from './consumer.js';

const pair = generateSigningKey('Ed25519', 'kid-vendor-1');
const history = async () => ({ kid: pair.keyid, organisation: 'airsense', jwk: pair.publicKey, validFrom: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: null });
const text = '{"specversion":"1.0","id":"r-1","source":"urn:test:air:1","type":"org.plaza.air-quality-observation","time":"2026-11-20T10:00:00Z","datacontenttype":"application/json","data":{"pm2_5":10.25}}';
const signed = signStructured(Buffer.from(text), { keyid: pair.keyid, privateKey: pair.privateKey });
const item = (over: Partial<ServedEvent> = {}): ServedEvent => ({
  sequence: '1', source: 'urn:test:air:1', id: 'r-1', type: 'org.plaza.air-quality-observation', time: '2026-11-20T10:00:00Z', receivedAt: '2026-11-20T15:00:00Z',
  mode: 'structured', scheme: SCHEME_VERSION, keyid: pair.keyid, eventBase64: signed.toString('base64'), cloudEvent: JSON.parse(signed.toString('utf8')) as Record<string, unknown>, ...over,
});

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
});
