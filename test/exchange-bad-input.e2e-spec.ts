import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { decodeBase64, PAYLOAD_TYPE, signBinary, signStructured } from '#plaza/dsse';
import { bearer, createOrganisation, createSource } from './support/fixtures.js';
import {
  AIR_TYPE, airSchema, BATCH, binaryReading, type DsseKey, exchangeScenario, type ExchangeScenario, nowSeconds, post, reading, readingData, registerDsseKey, signed, signedBatch, STRUCTURED,
} from './support/exchange-fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const HOUR = 3_600_000;
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64');
/** The event text with a `dssematerial` member of this value put first. */
const withMaterial = (text: string, material: string) => text.replace(/^\{/, `{"dssematerial":${JSON.stringify(material)},`);
/** A DSSE envelope (as `dssematerial`) around this payload, with made-up signature bytes: for faults found before any signature is checked. */
const envelope = (payload: string, payloadType = PAYLOAD_TYPE, keyid = 'k') => b64(JSON.stringify({ payloadType, payload: b64(payload), signatures: [{ keyid, sig: b64(Buffer.alloc(64, 7)) }] }));
const digest = b64(Buffer.alloc(32, 1));

/** The DSSE pre-authentication encoding, written out here so the test does not borrow the gateway's. */
const pae = (type: string, body: Buffer) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

/** Signs the event correctly, then swaps the ECDSA signature for its DER encoding (the form the scheme refuses). */
function derSigned(text: string, key: DsseKey): string {
  const good = signStructured(text, key).toString();
  const material = JSON.parse(good).dssematerial as string;
  const envelopeJson = JSON.parse(Buffer.from(material, 'base64').toString()) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  const message = pae(envelopeJson.payloadType, Buffer.from(decodeBase64(envelopeJson.payload)!));
  envelopeJson.signatures[0]!.sig = cryptoSign('sha256', message, { key: createPrivateKey({ key: key.privateKey, format: 'jwk' }), dsaEncoding: 'der' }).toString('base64');
  return good.replace(material, b64(JSON.stringify(envelopeJson)));
}

describe('the exchange refuses every bad input with its own code, stores nothing and never answers 500', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let personal: ExchangeScenario;
  const prefix = `bad-${Date.now().toString(36)}`;
  const id = (name: string) => `${prefix}-${name}`;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' });
    s = await exchangeScenario(t, { sourceStandards: [{ standard: 'air-quality-observation', major: 1 }, { standard: 'noise-level-observation', major: 1 }] });
    personal = await exchangeScenario(t, { personalInformation: true });
  });
  afterAll(() => t.close());

  const vendorPosts = (body: string | Buffer, contentType = STRUCTURED) => post(t, s.vendor.adminKey, contentType, body);
  const expectProblem = (res: Response, status: number, code: string, check?: string) => {
    expect({ status: res.status, code: res.body.code, check: res.body.check }).toEqual({ status, code, check });
    expect(res.headers['content-type']).toContain('application/problem+json');
  };

  describe('1. envelope', () => {
    it.each([
      ['not JSON', () => '{"specversion":"1.0",', 'exchange.body_unreadable'],
      ['not UTF-8', () => Buffer.from([0x7b, 0xff, 0x7d]), 'exchange.body_unreadable'],
      ['duplicate members', () => reading(s.source, id('dup')).replace('"specversion":"1.0"', '"specversion":"1.0","id":"other"'), 'exchange.duplicate_member'],
      ['duplicate members inside data', () => reading(s.source, id('dup-data'), { data: '{"stationId":"a","stationId":"b"}' }), 'exchange.duplicate_member'],
      ['JSON nested 10,000 levels deep', () => reading(s.source, id('deep'), { data: `${'['.repeat(10_000)}${']'.repeat(10_000)}` }), 'exchange.too_deep'],
      ['a missing id', () => reading(s.source, id('no-id'), { attributes: { id: undefined } }), 'exchange.attribute_missing'],
      ['an empty source', () => reading('', id('empty-source')), 'exchange.attribute_missing'],
      ['an uppercase extension name', () => reading(s.source, id('upper'), { attributes: { Region: '"north"' } }), 'exchange.attribute_name_invalid'],
      ['an extension name over 20 characters', () => reading(s.source, id('long-name'), { attributes: { abcdefghijklmnopqrstu: '"x"' } }), 'exchange.attribute_name_invalid'],
      ['an object-valued attribute', () => reading(s.source, id('object'), { attributes: { region: '{"a":1}' } }), 'exchange.attribute_invalid'],
      ['a NUL in an attribute', () => reading(s.source, id('nul-attr'), { attributes: { subject: '"a\\u0000b"' } }), 'exchange.attribute_invalid'],
      ['specversion 0.3', () => reading(s.source, id('v03'), { attributes: { specversion: '"0.3"' } }), 'exchange.specversion_unsupported'],
      ['time missing', () => reading(s.source, id('no-time'), { attributes: { time: undefined } }), 'exchange.time_missing'],
      ['time not RFC 3339', () => reading(s.source, id('bad-time'), { time: '2026-11-22 10:00:00' }), 'exchange.time_invalid'],
      ['time without an offset', () => reading(s.source, id('no-offset'), { time: '2026-11-22T10:00:00' }), 'exchange.time_invalid'],
      ['time not in whole seconds', () => reading(s.source, id('fraction'), { time: nowSeconds().replace('Z', '.250Z') }), 'exchange.time_not_whole_seconds'],
      ['time too far ahead', () => reading(s.source, id('ahead'), { time: nowSeconds(HOUR) }), 'exchange.time_out_of_bounds'],
      ['time too old', () => reading(s.source, id('old'), { time: nowSeconds(-8 * 24 * HOUR) }), 'exchange.time_out_of_bounds'],
    ])('%s', async (_name, body, code) => {
      const text = body();
      const res = await vendorPosts(typeof text === 'string' ? signedOrRaw(text) : text).expect(422);
      expectProblem(res, 422, code, 'envelope');
    });

    /** Signs what can be signed (a fault the signer would refuse to sign is sent as it is: the envelope check comes first). */
    function signedOrRaw(text: string): Buffer | string {
      try {
        return signed(text, s.vendorKey);
      } catch {
        return text;
      }
    }

    it('a repeated ce-* header in binary mode', async () => {
      const { headers, body } = binaryReading(s.source, id('repeat'), s.vendorKey);
      const res = await t.http.post('/api/v1/exchange/events').set(bearer(s.vendor.adminKey)).set(headers)
        // Node sends an array as the header repeated (superagent's types know that only for Cookie).
        .set('ce-id', [id('repeat'), id('repeat-2')] as unknown as string).send(body.toString()).expect(422);
      expectProblem(res, 422, 'exchange.repeated_header', 'envelope');
    });

    it('a binary-mode event without Content-Type, or with a header outside printable ASCII (a webhook could not carry it on)', async () => {
      const time = nowSeconds();
      const body = Buffer.from(readingData(time));
      const untyped = signBinary([['ce-specversion', '1.0'], ['ce-id', id('untyped')], ['ce-source', s.source], ['ce-type', AIR_TYPE], ['ce-time', time], ['ce-dataschema', airSchema()]], body, s.vendorKey);
      const res = await t.http.post('/api/v1/exchange/events').set(bearer(s.vendor.adminKey)).set(untyped).serialize((b: unknown) => b as string).send(body).expect(422);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expectProblem(res, 422, 'exchange.attribute_missing', 'envelope');
      const { headers, body: data } = binaryReading(s.source, id('latin1'), s.vendorKey);
      const raw = await post(t, s.vendor.adminKey, headers['content-type']!, data, { ...headers, 'ce-note': Buffer.from('caf\xe9', 'latin1').toString('latin1') }).expect(422);
      expectProblem(raw, 422, 'exchange.attribute_invalid', 'envelope');
    });
  });

  describe('2. signature', () => {
    const base = (name: string) => reading(s.source, id(name));
    it.each([
      ['missing dssematerial', () => base('unsigned'), 'exchange.signature_missing', 422],
      ['material that is not base64', () => withMaterial(base('not-b64'), '%%%not base64%%%'), 'exchange.material_malformed', 422],
      ['material that is not JSON', () => withMaterial(base('not-json'), b64('hello, not JSON')), 'exchange.material_malformed', 422],
      ['a payload that is not JSON', () => withMaterial(base('payload'), envelope('not JSON')), 'exchange.material_malformed', 422],
      ['an unknown payloadType', () => withMaterial(base('type'), envelope(JSON.stringify({ core: digest }), 'application/vnd.in-toto+json')), 'exchange.payload_type_unknown', 422],
      ['signedextattrs naming a core attribute', () => withMaterial(base('ext-core'), envelope(JSON.stringify({ core: digest, ext: digest, signedextattrs: ['id'] }))), 'exchange.signedextattrs_invalid', 422],
      ['signedextattrs repeating a name', () => withMaterial(base('ext-repeat'), envelope(JSON.stringify({ core: digest, ext: digest, signedextattrs: ['region', 'region'] }))), 'exchange.signedextattrs_invalid', 422],
      ['an unknown keyid', () => signed(base('unknown-key'), { ...s.vendorKey, keyid: 'not-a-registered-key' }), 'exchange.key_unknown', 422],
      ["a key of another organisation than the caller's", () => signed(base('foreign'), s.cityKey), 'exchange.key_of_another_organisation', 403],
      ['a signature over different bytes', () => signed(base('other-bytes'), s.vendorKey).toString().replace('9.7', '9.8'), 'exchange.content_mismatch', 422],
      ['a signed extension changed after signing', () => signed(reading(s.source, id('ext'), { attributes: { region: '"north"' } }), s.vendorKey, ['region']).toString().replace('"north"', '"south"'), 'exchange.content_mismatch', 422],
      ['a signature that does not verify', () => corruptSignature(signed(base('bad-sig'), s.vendorKey).toString()), 'exchange.signature_invalid', 422],
    ])('%s', async (_name, body, code, status) => {
      expectProblem(await vendorPosts(body()), status, code, 'signature');
    });

    /** Flips bits of the signature inside the material. */
    function corruptSignature(text: string): string {
      const material = JSON.parse(text).dssematerial as string;
      const envelopeJson = JSON.parse(Buffer.from(material, 'base64').toString());
      const sig = Buffer.from(envelopeJson.signatures[0].sig, 'base64');
      sig[10] ^= 0xff;
      envelopeJson.signatures[0].sig = sig.toString('base64');
      return text.replace(material, b64(JSON.stringify(envelopeJson)));
    }

    it('an ES256 signature in DER form', async () => {
      const key = await registerDsseKey(t, s.vendor, 'ES256');
      expectProblem(await vendorPosts(derSigned(base('der'), key)), 422, 'exchange.signature_der', 'signature');
    });

    it('a revoked key', async () => {
      const key = await registerDsseKey(t, s.vendor);
      await t.http.post(`/api/v1/organisations/${s.vendor.slug}/signing-keys/${key.keyid}/revoke`).set(bearer(s.vendor.adminKey)).send({ reason: 'key-compromise' }).expect(200);
      expectProblem(await vendorPosts(signed(base('revoked'), key)), 422, 'exchange.key_revoked', 'signature');
    });

    it('an expired key', async () => {
      const key = await registerDsseKey(t, s.vendor);
      // Time passes for the key: its validity ended an hour ago.
      await t.app.get(DataSource).query("UPDATE signing_keys SET valid_from = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE kid = $1", [key.keyid]);
      expectProblem(await vendorPosts(signed(base('expired'), key)), 422, 'exchange.key_expired', 'signature');
    });

    it('a key not valid yet', async () => {
      const key = await registerDsseKey(t, s.vendor, 'Ed25519', { validFrom: new Date(Date.now() + HOUR).toISOString() });
      expectProblem(await vendorPosts(signed(base('pending'), key)), 422, 'exchange.key_not_yet_valid', 'signature');
    });
  });

  describe('3. source and 4. agreement', () => {
    it('an unknown source', async () => {
      expectProblem(await vendorPosts(signed(reading(`${s.source}:unknown`, id('unknown-source')), s.vendorKey)), 404, 'exchange.source_unknown', 'source');
    });

    it('an inactive source', async () => {
      const planned = await createSource(t, s.city.adminKey, `urn:plaza:${s.city.slug}:planned:${prefix}`, { operator: s.vendor.slug });
      expectProblem(await vendorPosts(signed(reading(planned.ceSource, id('planned')), s.vendorKey)), 422, 'exchange.source_inactive', 'source');
    });

    it('a source with no agreement in force for the vendor', async () => {
      const other = await createSource(t, s.city.adminKey, `urn:plaza:${s.city.slug}:no-agreement:${prefix}`, { operator: s.vendor.slug });
      await t.http.post(`/api/v1/sources/${other.id}/status`).set(bearer(s.city.adminKey)).send({ status: 'active' }).expect(200);
      expectProblem(await vendorPosts(signed(reading(other.ceSource, id('no-agreement')), s.vendorKey)), 403, 'exchange.no_active_agreement', 'agreement');
    });

    it('a vendor that does not operate the source', async () => {
      const stranger = await createOrganisation(t, uniqueSlug('ex-stranger'), 'vendor');
      const key = await registerDsseKey(t, stranger);
      expectProblem(await post(t, stranger.adminKey, STRUCTURED, signed(reading(s.source, id('stranger')), key)), 403, 'exchange.not_source_operator', 'agreement');
    });

    it('an event type the agreement does not cover (though the source declares it)', async () => {
      const time = nowSeconds();
      const noise = reading(s.source, id('noise'), {
        attributes: { type: '"org.plaza.noise-level-observation"', dataschema: JSON.stringify('https://schemas.plaza.example/standards/noise-level-observation/1.0.0/schema.json') },
        data: `{"sensorId":"n-1","periodStart":"${time}","periodEnd":"${time}","location":{"type":"Point","coordinates":[4.35,50.85]},"laeq":47}`,
      });
      expectProblem(await vendorPosts(signed(noise, s.vendorKey)), 422, 'exchange.type_not_covered_by_agreement', 'agreement');
    });

    it("a time outside the agreement's validity window", async () => {
      expectProblem(await vendorPosts(signed(reading(s.source, id('before-agreement'), { time: nowSeconds(-2 * HOUR) }), s.vendorKey)), 422, 'exchange.time_outside_agreement', 'agreement');
    });

    it('personal information collected before its privacy record was approved, while later data is accepted', async () => {
      const early = await post(t, personal.vendor.adminKey, STRUCTURED, signed(reading(personal.source, id('before-record'), { time: nowSeconds(-30 * 60_000) }), personal.vendorKey));
      expectProblem(early, 422, 'exchange.privacy_record_required', 'agreement');
      await post(t, personal.vendor.adminKey, STRUCTURED, signed(reading(personal.source, `${prefix}-after-record`, { time: nowSeconds(2000) }), personal.vendorKey)).expect(201);
    });
  });

  describe('5. standard and 6. terms', () => {
    const schemaless = { dataschema: undefined };
    it.each([
      ['an unknown type', { type: '"org.plaza.nothing"' }, undefined, 'exchange.type_unknown'],
      ['no dataschema', schemaless, undefined, 'exchange.dataschema_missing'],
      ['a dataschema of an unpublished version', { dataschema: JSON.stringify(airSchema('1.2.0')) }, undefined, 'exchange.dataschema_unpublished'],
      ['a dataschema of another standard', { dataschema: JSON.stringify('https://schemas.plaza.example/standards/noise-level-observation/1.0.0/schema.json') }, undefined, 'exchange.dataschema_unpublished'],
      ['data that is not JSON', { datacontenttype: '"text/plain"' }, undefined, 'exchange.data_not_json'],
      ['a NUL in data', {}, '{"stationId":"a\\u0000b"}', 'exchange.data_nul_character'],
      ['a number beyond 2^53', {}, '{"stationId":"a","pollutants":{"pm2_5":9007199254740993}}', 'exchange.data_number_out_of_range'],
      ['an unpaired surrogate in a data string', {}, '{"stationId":"a\\ud800b"}', 'exchange.data_not_json'],
      ['an unpaired surrogate in a data member name', {}, '{"\\udead":1}', 'exchange.data_not_json'],
    ])('%s', async (_name, attributes, data, code) => {
      const text = reading(s.source, id(code), { attributes, ...(data ? { data } : {}) });
      expectProblem(await vendorPosts(signed(text, s.vendorKey)), 422, code, 'standard');
    });

    it('data invalid against the standard, with the JSON pointers of what failed', async () => {
      const res = await vendorPosts(signed(reading(s.source, id('invalid'), { data: readingData(nowSeconds()).replace('9.7', '-4') }), s.vendorKey));
      expectProblem(res, 422, 'exchange.data_invalid', 'standard');
      expect(res.body.errors).toEqual([{ pointer: '/data/pollutants/pm2_5', detail: expect.any(String) }]);
    });

    it('a standard the source does not declare (the owning city sending)', async () => {
      const time = nowSeconds();
      const traffic = reading(s.source, id('traffic'), {
        attributes: { type: '"org.plaza.traffic-flow-observation"', dataschema: JSON.stringify('https://schemas.plaza.example/standards/traffic-flow-observation/1.0.0/schema.json') },
        data: `{"roadSegmentId":"r-1","periodStart":"${time}","periodEnd":"${time}","location":{"type":"Point","coordinates":[2.35,48.85]},"vehicleClass":"bicycle","vehicleCount":0}`,
      });
      expectProblem(await post(t, s.city.adminKey, STRUCTURED, signed(traffic, s.cityKey)), 422, 'exchange.type_not_declared_by_source', 'standard');
    });

    it('refuses only the event of a batch whose data holds an unpaired surrogate, storing the valid one and a clean rejection (no 500)', async () => {
      const bad = reading(s.source, id('surrogate'), { data: readingData(nowSeconds(), ',"\\udead":1') });
      const good = reading(s.source, `ok-${prefix}-surrogate-neighbour`);
      const res = await vendorPosts(signedBatch([bad, good], s.vendorKey), BATCH).expect(200);
      expect(res.body.results).toEqual([
        expect.objectContaining({ index: 0, status: 'rejected', code: 'exchange.data_not_json', check: 'standard', errors: [{ pointer: '/data/\uFFFD', detail: expect.stringContaining('unpaired') }] }),
        expect.objectContaining({ index: 1, status: 'accepted' }),
      ]);
      const rejections = (await t.http.get('/api/v1/exchange/rejections').set(bearer(s.vendor.adminKey)).expect(200)).body.items as { id: string; errors: unknown }[];
      expect(rejections.find((r) => r.id === id('surrogate'))?.errors).toEqual([{ pointer: '/data/\uFFFD', detail: expect.any(String) }]);
    });

    it('binary-mode data with duplicate members, nested too deep, or missing', async () => {
      const duplicate = binaryReading(s.source, id('bin-dup'), s.vendorKey, nowSeconds(), '{"stationId":"a","stationId":"b"}');
      expectProblem(await post(t, s.vendor.adminKey, 'application/json', duplicate.body, duplicate.headers), 422, 'exchange.duplicate_member', 'standard');
      const deep = binaryReading(s.source, id('bin-deep'), s.vendorKey, nowSeconds(), `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
      expectProblem(await post(t, s.vendor.adminKey, 'application/json', deep.body, deep.headers), 422, 'exchange.too_deep', 'standard');
      const empty = binaryReading(s.source, id('bin-empty'), s.vendorKey, nowSeconds(), '');
      expectProblem(await post(t, s.vendor.adminKey, 'application/json', empty.body, empty.headers), 422, 'exchange.data_missing', 'standard');
    });

    it('a field the agreement does not allow, with its pointer', async () => {
      const res = await vendorPosts(signed(reading(s.source, id('field'), { data: readingData(nowSeconds(), ',"airQualityLevel":"good"') }), s.vendorKey));
      expectProblem(res, 422, 'exchange.field_not_allowed', 'terms');
      expect(res.body.errors).toEqual([{ pointer: '/data/airQualityLevel', detail: expect.any(String) }]);
    });
  });

  describe('the whole request', () => {
    it('a body over the size limit: 413 before any parsing', async () => {
      const res = await vendorPosts(`{${' '.repeat(t.config.exchangeBodyLimitBytes)}`).expect(413);
      expect(res.body.code).toBe('request.body_too_large');
    });

    it('a gzip bomb: compressed bodies are refused before they are read', async () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1_048_576));
      expect(bomb.length).toBeLessThan(t.config.exchangeBodyLimitBytes);
      const res = await post(t, s.vendor.adminKey, STRUCTURED, bomb, { 'content-encoding': 'gzip' }).expect(415);
      expect(res.body.code).toBe('exchange.content_encoding_unsupported');
    });

    it('a batch of more than 1000 events, an empty batch, an unreadable batch', async () => {
      const events = Array.from({ length: 1001 }, (_, n) => reading(s.source, id(`many-${n}`)));
      expect((await vendorPosts(signedBatch(events, s.vendorKey), BATCH).expect(413)).body.code).toBe('exchange.batch_too_large');
      expect((await vendorPosts('[]', BATCH).expect(422)).body.code).toBe('exchange.batch_empty');
      expect((await vendorPosts('[{"id":1,"id":2}]', BATCH).expect(422)).body.code).toBe('exchange.duplicate_member');
      expect((await vendorPosts('{"not":"an array"}', BATCH).expect(422)).body.code).toBe('exchange.body_unreadable');
    });

    it('a 4 MiB batch of empty objects: 413 batch_too_large, reading stopped at event 1001 (nothing after it is even parsed)', async () => {
      const count = Math.floor((t.config.exchangeBodyLimitBytes - 2) / 3);
      const res = await vendorPosts(`[${'{},'.repeat(count - 1)}{}]`, BATCH).expect(413);
      expect(res.body).toMatchObject({ code: 'exchange.batch_too_large', detail: expect.stringContaining('more than 1000') });
      // Were the rest read, the broken tail would make it unreadable (422).
      expect((await vendorPosts(`[${'{},'.repeat(1001)}not json`, BATCH).expect(413)).body.code).toBe('exchange.batch_too_large');
    });

    it('the operator may not submit', async () => {
      expect((await post(t, t.operatorKey, STRUCTURED, signed(reading(s.source, id('operator')), s.vendorKey)).expect(403)).body.code).toBe('auth.forbidden');
    });
  });

  it('stored none of the refused events', async () => {
    const [row] = (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM exchange_events WHERE ce_id LIKE $1', [`${prefix}-%`])) as { n: number }[];
    // Only the one event the suite sent to be accepted (personal information, timed after its record's approval).
    expect(row!.n).toBe(1);
  });
});
