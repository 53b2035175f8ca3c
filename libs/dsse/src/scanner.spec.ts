import { Buffer } from 'node:buffer';
import { createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { decodeBase64, DsseError, generateSigningKey, normalizeTime, readBinary, scanBatch, scanStructured, sign, verify } from './index.js';
import { pae, PAYLOAD_TYPE } from './envelope.js';
import { assertStrictJson } from './scanner.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof DsseError) return e.code;
    throw e;
  }
  return undefined;
};

describe('raw scanner', () => {
  it('yields attributes and the exact data bytes, from after the colon to the end of the value', () => {
    const body = '{"id":"1", "n": 3, "b": true, "x": null, "data" :  {"a" : [1, 2]}  }';
    const event = scanStructured(body);
    expect(event.attributes).toEqual({ id: '1', n: 3, b: true });
    expect(Buffer.from(event.data).toString()).toBe('  {"a" : [1, 2]}');
    expect(event.dataEncoding).toBe('json');
  });

  it('decodes data_base64 and refuses it beside data', () => {
    expect(Buffer.from(scanStructured('{"data_base64":"8J+koQ=="}').data).toString()).toBe('🤡');
    expect(code(() => scanStructured('{"data_base64":"8J+koQ"}'))).toBe('invalid_data_base64');
    expect(code(() => scanStructured('{"data":1,"data_base64":""}'))).toBe('invalid_event');
  });

  it('refuses duplicate members anywhere, including escaped spellings and inside data', () => {
    expect(code(() => scanStructured('{"id":"1","id":"2"}'))).toBe('duplicate_member');
    expect(code(() => scanStructured('{"id":"1","\\u0069d":"2"}'))).toBe('duplicate_member');
    expect(code(() => scanStructured('{"data":{"a":[{"k":1,"k":2}]}}'))).toBe('duplicate_member');
    expect(code(() => scanBatch('[{"id":"1"},{"id":"1","id":"1"}]'))).toBe('duplicate_member');
    expect(scanBatch('[{"id":"1"},{"id":"1"}]')).toHaveLength(2);
  });

  it('bounds nesting without recursion trouble (10,000 levels)', () => {
    expect(code(() => scanStructured(`{"data":${'['.repeat(10000)}${']'.repeat(10000)}}`))).toBe('too_deep');
    expect(code(() => scanStructured(`{"data":${'['.repeat(10)}${']'.repeat(10)}}`, { maxDepth: 5 }))).toBe('too_deep');
  });

  it.each([
    ['{"a":1,}'],
    ['{"a":01}'],
    ['{"a":"\u0001"}'],
    ['{"a":"\\x"}'],
    ['{"a":tru}'],
    ['{"a":1} x'],
    ["{'a':1}"],
    ['{"a" 1}'],
    [''],
  ])('refuses invalid JSON %j', (body) => {
    expect(code(() => scanStructured(body))).toBe('invalid_json');
  });

  it('refuses non-UTF-8, non-objects, structured attributes with object values and non-Integer numbers', () => {
    expect(code(() => scanStructured(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])))).toBe('not_utf8');
    expect(code(() => scanStructured('[]'))).toBe('invalid_event');
    expect(code(() => scanBatch('{}'))).toBe('invalid_event');
    expect(code(() => scanStructured('{"ext":{"a":1}}'))).toBe('invalid_attribute');
    expect(code(() => scanStructured('{"ext":9007199254740993}'))).toBe('invalid_attribute');
    expect(code(() => scanStructured('{"ext":1.5}'))).toBe('invalid_attribute');
    expect(code(() => scanStructured('{"ext":"\\ud800"}'))).toBe('invalid_attribute');
  });

  it('stops reading a batch as soon as an event past maxEvents begins, before reading the rest of the body', () => {
    expect(scanBatch('[{},{}]', { maxEvents: 2 })).toHaveLength(2);
    expect(code(() => scanBatch('[{},{},{}]', { maxEvents: 2 }))).toBe('too_many_events');
    // The third event is not even read: its broken JSON, and what follows, never reach the reader.
    expect(code(() => scanBatch('[{},{},{"id":', { maxEvents: 2 }))).toBe('too_many_events');
    expect(code(() => scanBatch('[{},{},{"id":'))).toBe('invalid_json');
  });

  it('gives batch events their own ranges in the body', () => {
    const body = '[ {"id":"a","data":1} , {"id":"b"} ]';
    const [a, b] = scanBatch(body);
    expect(body.slice(a!.range.start, a!.range.end)).toBe('{"id":"a","data":1}');
    expect(body.slice(b!.range.start, b!.range.end)).toBe('{"id":"b"}');
    expect(b!.dataEncoding).toBe('none');
  });
});

describe('binary mode headers', () => {
  it('maps ce-* headers and Content-Type, percent-decoding values', () => {
    const event = readBinary([['CE-ID', '1'], ['ce-subject', 'caf%C3%A9%20ok'], ['Content-Type', 'text/plain'], ['x-other', 'y']], 'hi');
    expect(event.attributes).toEqual({ id: '1', subject: 'café ok', datacontenttype: 'text/plain' });
  });
  it('refuses repeated ce-* headers in every header form', () => {
    expect(code(() => readBinary([['ce-id', '1'], ['Ce-Id', '2']], ''))).toBe('repeated_header');
    expect(code(() => readBinary(['ce-id', '1', 'ce-id', '1'], ''))).toBe('repeated_header');
    expect(code(() => readBinary({ 'ce-id': ['1', '2'] }, ''))).toBe('repeated_header');
    expect(code(() => readBinary([['content-type', 'a'], ['ce-datacontenttype', 'a']], ''))).toBe('repeated_header');
  });
});

describe('base64 and time', () => {
  it('accepts standard base64 with padding and URL-safe base64, nothing looser', () => {
    expect(Buffer.from(decodeBase64('+/8=')!)).toEqual(Buffer.from([0xfb, 0xff]));
    expect(Buffer.from(decodeBase64('-_8')!)).toEqual(Buffer.from([0xfb, 0xff]));
    expect(Buffer.from(decodeBase64('-_8=')!)).toEqual(Buffer.from([0xfb, 0xff]));
    // 'QQ' is valid URL-safe base64 without padding (the alphabets share their letters and digits)
    expect(Buffer.from(decodeBase64('QQ')!)).toEqual(Buffer.from('A'));
    for (const bad of ['+/8', '+_8=', 'AB C', 'QQ=', '+/9=', 'A===', 'QR==']) expect(decodeBase64(bad)).toBeNull();
  });
  it('normalises RFC 3339 to UTC seconds with Z', () => {
    expect(normalizeTime('2026-05-13T10:49:12.123456+01:00')).toBe('2026-05-13T09:49:12Z');
    expect(normalizeTime('2026-05-13T09:49:12.999Z')).toBe('2026-05-13T09:49:12Z');
    expect(normalizeTime('2026-05-13T09:49:12')).toBe('2026-05-13T09:49:12Z');
    expect(normalizeTime('2020-01-01T00:30:00+01:00')).toBe('2019-12-31T23:30:00Z');
    for (const bad of ['2026-02-30T00:00:00Z', '2026-05-13 09:49:12Z', '2026-05-13T24:00:00Z', '2016-12-31T23:59:60Z', 'yesterday', '0000-01-01T00:00:00+01:00']) {
      expect(code(() => normalizeTime(bad))).toBe('invalid_time');
    }
  });
});

describe('verification failures', () => {
  const ec = generateSigningKey('ES256', 'k1');
  const attributes = { specversion: '1.0', id: '1', source: 'urn:s', type: 't' };

  it('missing material, unknown keys, a resolver refusing a key, undecodable material', async () => {
    expect(await verify({ attributes }, {})).toMatchObject({ ok: false, code: 'missing_material', scheme: expect.stringContaining('d54e6bbc') });
    const dssematerial = sign({ attributes }, ec);
    expect(await verify({ attributes: { ...attributes, dssematerial } }, { other: ec.publicKey })).toMatchObject({ code: 'unknown_key' });
    expect(await verify({ attributes: { ...attributes, dssematerial } }, () => undefined)).toMatchObject({ code: 'unknown_key' });
    expect(await verify({ attributes: { ...attributes, dssematerial } }, new Map([['k1', ec.publicKey]]))).toMatchObject({ ok: true });
    expect(await verify({ attributes: { ...attributes, dssematerial: 'not base64!' } }, {})).toMatchObject({ code: 'malformed_material' });
    const notJson = Buffer.from('{"payloadType":1').toString('base64');
    expect(await verify({ attributes: { ...attributes, dssematerial: notJson } }, {})).toMatchObject({ code: 'malformed_material' });
    const other = Buffer.from(JSON.stringify({ payloadType: 'x', payload: '', signatures: [{ keyid: 'k1', sig: '' }] })).toString('base64');
    expect(await verify({ attributes: { ...attributes, dssematerial: other } }, {})).toMatchObject({ code: 'unknown_payload_type' });
  });

  it('accepts URL-safe material and refuses a DER-encoded ECDSA signature', async () => {
    const dssematerial = sign({ attributes }, ec);
    const envelope = JSON.parse(Buffer.from(dssematerial, 'base64').toString()) as { payload: string; signatures: { keyid: string; sig: string }[] };
    const urlSafe = { ...envelope, payload: Buffer.from(envelope.payload, 'base64').toString('base64url') };
    const material = Buffer.from(JSON.stringify(urlSafe)).toString('base64url');
    expect(await verify({ attributes: { ...attributes, dssematerial: material } }, { k1: ec.publicKey })).toMatchObject({ ok: true });
    const { createPrivateKey } = await import('node:crypto');
    const der = nodeSign('sha256', pae(PAYLOAD_TYPE, Buffer.from(envelope.payload, 'base64')), createPrivateKey({ key: ec.privateKey, format: 'jwk' }));
    const derEnvelope = { ...envelope, signatures: [{ keyid: 'k1', sig: der.toString('base64') }] };
    const derMaterial = Buffer.from(JSON.stringify(derEnvelope)).toString('base64');
    expect(await verify({ attributes: { ...attributes, dssematerial: derMaterial } }, { k1: ec.publicKey })).toMatchObject({ ok: false, code: 'signature_der' });
  });

  it('refuses keys other than Ed25519 and P-256, and bad signing input', async () => {
    const ed448 = generateKeyPairSync('ed448');
    const dssematerial = sign({ attributes }, ec);
    expect(await verify({ attributes: { ...attributes, dssematerial } }, { k1: createPublicKey(ed448.privateKey) })).toMatchObject({ code: 'unsupported_key' });
    expect(code(() => sign({ attributes }, { keyid: 'x', privateKey: ed448.privateKey }))).toBe('invalid_sign_input');
    expect(code(() => sign({ attributes: { ...attributes, id: '' } }, ec))).toBe('invalid_sign_input');
    expect(code(() => sign({ attributes }, ec, { signedExtensions: ['time'] }))).toBe('invalid_sign_input');
    expect(code(() => sign({ attributes: { ...attributes, time: 'now' } }, ec))).toBe('invalid_time');
  });

  it('reports an unparseable time on a signed event, and a non-string core attribute', async () => {
    const dssematerial = sign({ attributes }, ec);
    expect(await verify({ attributes: { ...attributes, time: 'later', dssematerial } }, { k1: ec.publicKey })).toMatchObject({ code: 'invalid_time', keyid: 'k1' });
    expect(await verify({ attributes: { ...attributes, id: 1, dssematerial } }, { k1: ec.publicKey })).toMatchObject({ code: 'invalid_attribute' });
  });
});

/**
 * Linearity is proven by counting work, not by timing: each body is built at 1, 2, 4 and 8 times a base size, and the
 * work the scanner reports may at most double (with 10% slack) each time the body doubles.
 */
describe('raw scanner does work linear in the body', () => {
  const event = (data: string, extra = '') => `{"specversion":"1.0","id":"1","source":"s","type":"t"${extra},"data":${data}}`;
  const structured: Record<string, (k: number) => string> = {
    'data: a wide object of {} members': (k) => event(`{${Array.from({ length: k }, (_, i) => `"m${i}":{}`).join(',')}}`),
    'data: deep nesting, repeated': (k) => event(`[${Array.from({ length: k / 50 }, () => '['.repeat(50) + ']'.repeat(50)).join(',')}]`),
    'data: many keys with long names': (k) => event(`{${Array.from({ length: k }, (_, i) => `"${'n'.repeat(40)}${i}":1`).join(',')}}`),
    'data: a long string': (k) => event(`"${'x'.repeat(k * 10)}"`),
    'data: many escapes': (k) => event(`"${'\\u0041\\n\\ud83d\\ude00'.repeat(k)}"`),
    'many extension attributes': (k) => event('1', Array.from({ length: k }, (_, i) => `,"e${i}":"${'v'.repeat(20)}"`).join('')),
    'a long escaped attribute': (k) => event('1', `,"subject":"${'\\u00e9'.repeat(k)}"`),
  };
  const workOf = (scan: (meter: { work: number }) => unknown) => {
    const meter = { work: 0 };
    scan(meter);
    return meter.work;
  };
  const expectLinear = (build: (k: number) => string, scan: (body: string, meter: { work: number }) => unknown) => {
    const base = 2000;
    const works = [1, 2, 4, 8].map((factor) => workOf((meter) => scan(build(base * factor), meter)));
    for (let step = 1; step < works.length; step++) expect(works[step]! / works[step - 1]!).toBeLessThanOrEqual(2.2);
    expect(works[3]! / Buffer.byteLength(build(base * 8))).toBeLessThan(4);
  };

  it.each(Object.entries(structured))('structured, on %s', (_shape, build) => {
    expectLinear(build, (body, meter) => scanStructured(body, { maxDepth: 64, meter }));
  });

  it.each(Object.entries(structured))('batch of 20 such events, on %s', (_shape, build) => {
    expectLinear((k) => `[${Array.from({ length: 20 }, () => build(k / 20)).join(',')}]`, (body, meter) => scanBatch(body, { maxDepth: 64, meter }));
  });

  it('batch, on many small events', () => {
    expectLinear((k) => `[${Array.from({ length: k / 10 }, (_, i) => event(`{"i":${i}}`)).join(',')}]`, (body, meter) => scanBatch(body, { maxDepth: 64, meter }));
  });

  it.each(Object.entries(structured))('strict JSON check, on %s', (_shape, build) => {
    expectLinear(build, (body, meter) => assertStrictJson(body, { maxDepth: 64, meter }));
  });
});
