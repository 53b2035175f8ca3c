import { Buffer } from 'node:buffer';
import { generateSigningKey, SCHEME_VERSION, scanStructured, verifyBatch, verifyBinary, verifyStructured } from '#plaza/dsse';
import { BATCH_LIMIT, eventTexts, formatMessage, formatOutcomes, sendMessages, signingKeyFromJwk, signMessages, toBinary } from './events.js';
import { checkServedEvent, formatChecks, type ServedEvent } from './events-verify.js';

const pair = generateSigningKey('Ed25519', 'kid-vendor-1');
const key = { keyid: pair.keyid, privateKey: pair.privateKey };
const keys = { [pair.keyid]: pair.publicKey };
const file = (name: string, text: string) => ({ name, bytes: Buffer.from(text, 'utf8') });
const event = (id: string, extra = '') =>
  `{"specversion":"1.0","id":"${id}","source":"urn:test:air:1","type":"org.plaza.air-quality-observation","time":"2026-11-20T10:00:00-05:00",` +
  `"datacontenttype":"application/json"${extra},"data":  {"stationId": "S-1", "pollutants": {"pm2_5": 10.25}}}`;

describe('plaza events sign', () => {
  it('signs a structured event without touching its bytes: the same text plus a dssematerial member, which verifies', async () => {
    const original = event('r-1');
    const [message] = signMessages(eventTexts([file('e.json', `\n${original}\n`)]), key, 'structured');
    expect(message!.headers['content-type']).toBe('application/cloudevents+json');
    const body = message!.body.toString('utf8');
    expect(body.replace(/,"dssematerial":"[A-Za-z0-9+/=]+"/, '')).toBe(original);
    const result = await verifyStructured(message!.body, keys);
    expect(result).toMatchObject({ ok: true, keyid: 'kid-vendor-1', scheme: SCHEME_VERSION });
    expect(formatMessage(message!)).toBe(`${body}\n`);
  });

  it('takes events from single-event files and batch files alike, and splits batch mode at the registry limit', async () => {
    const texts = eventTexts([file('one.json', event('a')), file('many.json', `[ ${event('b')} ,\n${event('c')} ]`)]);
    expect(texts.map((t) => scanStructured(t).attributes.id)).toEqual(['a', 'b', 'c']);
    const [batch] = signMessages(texts, key, 'batch');
    expect(batch!.headers['content-type']).toBe('application/cloudevents-batch+json');
    expect(batch!.events).toEqual(['a', 'b', 'c'].map((id) => ({ source: 'urn:test:air:1', id })));
    expect((await verifyBatch(batch!.body, keys)).map((r) => r.ok)).toEqual([true, true, true]);

    const many = Array.from({ length: BATCH_LIMIT * 2 + 5 }, (_, i) => Buffer.from(event(`e-${i}`)));
    expect(signMessages(many, key, 'batch').map((m) => m.events.length)).toEqual([BATCH_LIMIT, BATCH_LIMIT, 5]);
  });

  it('turns an event into binary mode (ce-* headers, the data as the body, non-ASCII percent-encoded) that verifies', async () => {
    const text = Buffer.from(event('r-2', ',"region":"Côte-des-Neiges","priority":3'));
    const [message] = signMessages([text], key, 'binary', ['region']);
    expect(message!.body.toString('utf8')).toBe('{"stationId": "S-1", "pollutants": {"pm2_5": 10.25}}');
    expect(message!.headers).toMatchObject({ 'ce-id': 'r-2', 'ce-region': 'C%C3%B4te-des-Neiges', 'ce-priority': '3', 'content-type': 'application/json' });
    const result = await verifyBinary(Object.entries(message!.headers), message!.body, keys);
    expect(result).toMatchObject({ ok: true, coverage: 'core+extensions', signedExtensions: ['region'] });
    if (result.ok) expect(result.event.attributes.region).toBe('Côte-des-Neiges');
    expect(formatMessage(message!)).toMatch(/^ce-specversion: 1\.0\n(.+\n)+\n\{"stationId"/);

    const base64 = toBinary(Buffer.from('{"specversion":"1.0","id":"b","source":"s","type":"t","data_base64":"AAEC/w=="}'));
    expect([...base64.body]).toEqual([0, 1, 2, 255]);
  });

  it('signs named extensions: changing one breaks the signature, changing an unsigned one does not', async () => {
    const [message] = signMessages([Buffer.from(event('r-3', ',"region":"north","note":"x"'))], key, 'structured', ['region']);
    const body = message!.body.toString('utf8');
    expect((await verifyStructured(body.replace('"north"', '"south"'), keys)).ok).toBe(false);
    expect((await verifyStructured(body.replace('"note":"x"', '"note":"y"'), keys)).ok).toBe(true);
  });

  it('refuses unreadable event files, naming the file, and keys that cannot sign as a registered key', () => {
    expect(() => eventTexts([file('dup.json', '{"id":"a","id":"b","source":"s","type":"t","specversion":"1.0"}')])).toThrow(/^dup\.json: .*duplicate/i);
    expect(() => eventTexts([file('empty.json', '[]')])).toThrow('empty.json: the batch is empty');
    expect(() => signingKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: pair.publicKey.x, kid: 'k' })).toThrow(/public key/);
    expect(() => signingKeyFromJwk({ ...pair.privateKey })).toThrow(/no kid/);
    expect(signingKeyFromJwk({ ...pair.privateKey, kid: 'thumbprint' }).keyid).toBe('thumbprint');
  });
});

/** A registry that answers from a script, recording what it was sent. */
function scripted(answers: (Response | Error)[]) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const fetchImpl = async (request: Request): Promise<Response> => {
    calls.push({ url: request.url, headers: Object.fromEntries(request.headers), body: Buffer.from(await request.arrayBuffer()).toString('utf8') });
    const next = answers.shift();
    if (!next) throw new Error('no more scripted answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, fetchImpl };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('plaza events send', () => {
  const messages = (mode: 'structured' | 'batch', ...ids: string[]) => signMessages(ids.map((id) => Buffer.from(event(id))), key, mode);

  it('reports each event from the single-event answers: accepted, duplicate and a problem with its code, check and pointers', async () => {
    const { calls, fetchImpl } = scripted([
      json(201, { status: 'accepted', source: 'urn:test:air:1', id: 'a', sequence: '41', receivedAt: '2026-11-20T15:00:01Z' }),
      json(200, { status: 'duplicate', source: 'urn:test:air:1', id: 'b', sequence: '7', receivedAt: '2026-11-20T15:00:01Z' }),
      json(422, { status: 422, code: 'exchange.data_invalid', check: 'standard', detail: 'data does not follow the standard', errors: [{ pointer: '/pollutants/pm2_5', detail: 'must be >= 0' }] }),
    ]);
    const outcomes = await sendMessages('http://registry.test/', 'plz_key', messages('structured', 'a', 'b', 'c'), { fetch: fetchImpl });
    expect(outcomes).toEqual([
      { source: 'urn:test:air:1', id: 'a', status: 'accepted', sequence: '41' },
      { source: 'urn:test:air:1', id: 'b', status: 'duplicate', sequence: '7' },
      { source: 'urn:test:air:1', id: 'c', status: 'rejected', code: 'exchange.data_invalid', check: 'standard', detail: 'data does not follow the standard', errors: [{ pointer: '/pollutants/pm2_5', detail: 'must be >= 0' }] },
    ]);
    expect(calls.map((c) => c.url)).toEqual(Array(3).fill('http://registry.test/api/v1/exchange/events'));
    expect(calls[0]!.headers).toMatchObject({ authorization: 'Bearer plz_key', 'content-type': 'application/cloudevents+json' });
    expect(formatOutcomes(outcomes)).toBe(
      'accepted  urn:test:air:1 a  sequence 41\n' +
        'duplicate urn:test:air:1 b  sequence 7\n' +
        'rejected  urn:test:air:1 c  exchange.data_invalid (standard): data does not follow the standard\n' +
        '          /pollutants/pm2_5 must be >= 0\n' +
        '3 events: 1 accepted, 1 duplicate, 1 rejected\n',
    );
  });

  it('maps batch results to their events by index, and a whole-request problem to every event of the batch', async () => {
    const { fetchImpl } = scripted([
      json(200, { accepted: 1, duplicates: 0, rejected: 1, results: [
        { index: 1, status: 'rejected', source: 'urn:test:air:1', id: 'y', code: 'exchange.key_unknown', check: 'signature', detail: 'no such key' },
        { index: 0, status: 'accepted', source: 'urn:test:air:1', id: 'x', sequence: '9' },
      ] }),
      json(413, { status: 413, code: 'request.body_too_large', detail: 'too large' }),
    ]);
    const outcomes = await sendMessages('http://registry.test', 'k', [...messages('batch', 'x', 'y'), ...messages('batch', 'z')], { fetch: fetchImpl });
    expect(outcomes.map((o) => [o.id, o.status, o.code ?? o.sequence])).toEqual([
      ['x', 'accepted', '9'],
      ['y', 'rejected', 'exchange.key_unknown'],
      ['z', 'rejected', 'request.body_too_large'],
    ]);
  });

  it('waits out a 429 or 503 for its Retry-After and sends the same bytes again; no answer at all counts as failed', async () => {
    const slept: number[] = [];
    const { calls, fetchImpl } = scripted([
      json(429, { code: 'exchange.quota_exceeded' }, { 'retry-after': '2' }),
      json(503, { code: 'service.database_unavailable' }, { 'retry-after': '1' }),
      json(201, { status: 'accepted', sequence: '1' }),
      new TypeError('fetch failed'),
    ]);
    const outcomes = await sendMessages('http://registry.test', 'k', messages('structured', 'a', 'b'), { fetch: fetchImpl, sleep: async (ms) => void slept.push(ms) });
    expect(slept).toEqual([2000, 1000]);
    expect(new Set(calls.slice(0, 3).map((c) => c.body)).size).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'failed']);
    expect(outcomes[1]!.detail).toMatch(/no answer from http:\/\/registry\.test\/api\/v1\/exchange\/events: fetch failed/);
  });

  it('leaves events failed (to send again), not rejected, when the registry is still busy after the last retry or down', async () => {
    const slept: number[] = [];
    const busy = () => json(429, { status: 429, code: 'exchange.quota_exceeded', detail: 'slow down' }, { 'retry-after': '1' });
    const { calls, fetchImpl } = scripted([
      busy(), busy(), busy(),
      json(503, { status: 503, code: 'service.database_unavailable', detail: 'database unavailable' }),
      json(500, { status: 500, code: 'internal', detail: 'internal error' }),
      json(401, { status: 401, code: 'auth.api_key_invalid', detail: 'unknown API key' }),
    ]);
    const outcomes = await sendMessages('http://registry.test', 'k', [...messages('batch', 'a', 'b'), ...messages('structured', 'c', 'd', 'e')], { fetch: fetchImpl, retries: 2, sleep: async (ms) => void slept.push(ms) });
    expect(slept).toEqual([1000, 1000]);
    expect(calls).toHaveLength(6);
    expect(outcomes.map((o) => [o.id, o.status, o.code])).toEqual([
      ['a', 'failed', 'exchange.quota_exceeded'],
      ['b', 'failed', 'exchange.quota_exceeded'],
      ['c', 'failed', 'service.database_unavailable'],
      ['d', 'failed', 'internal'],
      ['e', 'failed', 'auth.api_key_invalid'],
    ]);
  });

  it('posts to the dry run when asked', async () => {
    const { calls, fetchImpl } = scripted([json(200, { status: 'valid', source: 'urn:test:air:1', id: 'a' })]);
    const outcomes = await sendMessages('http://registry.test', 'k', messages('structured', 'a'), { fetch: fetchImpl, dryRun: true });
    expect(calls[0]!.url).toBe('http://registry.test/api/v1/exchange/events/dry-run');
    expect(outcomes[0]!.status).toBe('valid');
  });
});

describe('plaza events verify', () => {
  const receivedAt = '2026-11-20T15:00:01.123Z';
  const history = { kid: pair.keyid, organisation: 'airsense', jwk: pair.publicKey, validFrom: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: null as string | null };
  const lookup = (h: typeof history | null) => async () => h;
  const served = (mode: 'structured' | 'binary', id = 'r-9'): ServedEvent => {
    const [message] = signMessages([Buffer.from(event(id))], key, mode);
    const common = { sequence: '12', source: 'urn:test:air:1', id, type: 'org.plaza.air-quality-observation', time: '2026-11-20T10:00:00-05:00', receivedAt, scheme: SCHEME_VERSION, keyid: pair.keyid };
    return mode === 'binary'
      ? { ...common, mode, headers: Object.entries(message!.headers), bodyBase64: message!.body.toString('base64') }
      : { ...common, mode, event: message!.body.toString('utf8') };
  };

  it.each(['structured', 'binary'] as const)('verifies a %s event as served, naming the key and its organisation', async (mode) => {
    expect(await checkServedEvent(served(mode), lookup(history), 'airsense')).toEqual({ sequence: '12', source: 'urn:test:air:1', id: 'r-9', ok: true, kid: pair.keyid, organisation: 'airsense' });
  });

  it('catches a changed byte, a key revoked before receipt, another signer, a relabelled item and an unknown scheme', async () => {
    const item = served('structured');
    const tampered = { ...item, event: item.event!.replace('10.25', '10.26') };
    expect((await checkServedEvent(tampered, lookup(history))).problem).toMatch(/^core_mismatch/);
    expect((await checkServedEvent(item, lookup({ ...history, revokedAt: '2026-11-20T15:00:00Z' }))).problem).toBe(`${pair.keyid}: the key was revoked when the registry received the event`);
    expect((await checkServedEvent(item, lookup({ ...history, revokedAt: '2026-11-20T15:00:02Z' }))).ok).toBe(true);
    expect((await checkServedEvent(item, lookup(history), 'someone-else')).problem).toBe(`${pair.keyid}: the key belongs to airsense, not someone-else`);
    expect((await checkServedEvent(item, lookup(null))).problem).toBe(`${pair.keyid}: no such key in the registry`);
    expect((await checkServedEvent({ ...item, id: 'r-10' }, lookup(history))).problem).toBe('the item lists id "r-10", the signed event says "r-9"');
    expect((await checkServedEvent({ ...item, scheme: 'older' }, lookup(history))).problem).toMatch(/scheme "older"/);
    const checks = [await checkServedEvent(item, lookup(history)), await checkServedEvent(tampered, lookup(history))];
    expect(formatChecks(checks)).toMatch(/^ok   12 urn:test:air:1 r-9 {2}signed by airsense with kid-vendor-1\nFAIL 12 urn:test:air:1 r-9 {2}core_mismatch: .+\n2 events: 1 failed verification\n$/);
  });
});
