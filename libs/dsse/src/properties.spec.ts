import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { percentEncode } from './binary.js';
import { decodeMaterial, generateSigningKey, sign, signBatch, signBinary, signStructured, verify, verifyBatch, verifyBinary, verifyStructured } from './index.js';
import type { AttributeValue, SigningKey } from './index.js';

const ed = generateSigningKey('Ed25519', 'vendor-ed');
const ec = generateSigningKey('ES256', 'vendor-ec');
const keys = { [ed.keyid]: ed.publicKey, [ec.keyid]: ec.publicKey };
const signers: SigningKey[] = [ed, ec];

const text = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
const instant = fc.integer({ min: 0, max: 253370764799 }).map((s) => s * 1000); // 1970 .. 9998 (room for offsets)
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** The same instant written with an offset of `minutes` and an arbitrary fraction of a second. */
function withOffset(ms: number, minutes: number, fraction: string): string {
  const local = new Date(ms + minutes * 60000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${local}${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
const offset = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });
const fraction = fc.constantFrom('', '.0', '.5', '.999999', '.123456789');

const extValue: fc.Arbitrary<AttributeValue> = fc.oneof(text, fc.boolean(), fc.integer({ min: -2147483648, max: 2147483647 }));
const eventArb = fc.record({
  id: text,
  source: text,
  type: text,
  subject: fc.option(text, { nil: undefined }),
  dataschema: fc.option(fc.webUrl(), { nil: undefined }),
  time: fc.option(instant.map(iso), { nil: undefined }),
  exts: fc.dictionary(fc.stringMatching(/^ext[a-z0-9]{1,6}$/), extValue, { maxKeys: 4 }),
  data: fc.jsonValue({ maxDepth: 3 }),
  indent: fc.constantFrom(0, 1, 2),
});
type Ev = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function attributesOf(e: Ev): Record<string, AttributeValue> {
  const a: Record<string, AttributeValue> = { specversion: '1.0', id: e.id, source: e.source, type: e.type, datacontenttype: 'application/json' };
  if (e.subject !== undefined) a.subject = e.subject;
  if (e.dataschema !== undefined) a.dataschema = e.dataschema;
  if (e.time !== undefined) a.time = e.time;
  return { ...a, ...e.exts };
}
const dataText = (e: Ev): string => JSON.stringify(e.data, null, e.indent) ?? 'null';
function structured(e: Ev): string {
  const members = Object.entries(attributesOf(e)).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{${members.join(', ')}, "data": ${dataText(e)}}`;
}

describe('property: sign-then-verify round trips', () => {
  it.each(signers.map((s) => [s.keyid, s] as const))('structured mode with %s', async (_id, key) => {
    await fc.assert(
      fc.asyncProperty(eventArb, async (e) => {
        const signedExtensions = Object.keys(e.exts).slice(0, 2);
        const result = await verifyStructured(signStructured(structured(e), key, { signedExtensions }), keys);
        expect(result).toMatchObject({ ok: true, keyid: key.keyid, signedExtensions });
      }),
      { numRuns: 50 },
    );
  });

  it.each(signers.map((s) => [s.keyid, s] as const))('batch mode with %s', async (_id, key) => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 0, maxLength: 5 }), async (events) => {
        const body = `[\n${events.map(structured).join(',\n')}\n]`;
        const results = await verifyBatch(signBatch(body, key, {}), keys);
        expect(results).toHaveLength(events.length);
        for (const r of results) expect(r).toMatchObject({ ok: true, keyid: key.keyid });
      }),
      { numRuns: 30 },
    );
  });

  it.each(signers.map((s) => [s.keyid, s] as const))('binary mode with %s', async (_id, key) => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.uint8Array({ maxLength: 64 }), async (e, body) => {
        const headers: [string, string][] = Object.entries(attributesOf(e)).map(([k, v]) =>
          k === 'datacontenttype' ? ['Content-Type', 'application/octet-stream'] : [`ce-${k}`, percentEncode(String(v))],
        );
        const signedExtensions = Object.keys(e.exts);
        const signed = signBinary(headers, body, key, { signedExtensions });
        const result = await verifyBinary(Object.entries(signed), body, keys);
        expect(result).toMatchObject({ ok: true, keyid: key.keyid, coverage: signedExtensions.length ? 'core+extensions' : 'core' });
      }),
      { numRuns: 50 },
    );
  });
});

describe('property: what the signature covers', () => {
  const COVERED = ['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time'] as const;

  it('any change to a covered attribute breaks verification', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.constantFrom(...COVERED), text, instant, async (e, name, replacement, other) => {
        const attributes = attributesOf(e);
        const key = signers[e.id.length % 2]!;
        const dssematerial = sign({ attributes, data: dataText(e) }, key);
        const value = name === 'time' ? iso(other) : replacement;
        fc.pre(name === 'time' ? attributes.time === undefined || value !== attributes.time : value !== attributes[name]);
        const changed = { ...attributes, [name]: value, dssematerial };
        expect(await verify({ attributes: changed, data: dataText(e) }, keys)).toMatchObject({ ok: false, code: 'core_mismatch' });
      }),
    );
  });

  it('any change to the data breaks verification', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat(), async (e, patch, at) => {
        const data = Buffer.from(dataText(e));
        const dssematerial = sign({ attributes: attributesOf(e), data }, ed);
        const changed = Buffer.concat([data.subarray(0, at % (data.length + 1)), patch, data.subarray(at % (data.length + 1))]);
        expect(await verify({ attributes: { ...attributesOf(e), dssematerial }, data: changed }, keys)).toMatchObject({ ok: false, code: 'core_mismatch' });
        // and whitespace after the colon counts in structured mode
        const body = signStructured(structured(e), ed);
        const spaced = Buffer.from(body.toString('utf8').replace('"data": ', '"data":  '));
        expect(await verifyStructured(spaced, keys)).toMatchObject({ ok: false, code: 'core_mismatch' });
      }),
    );
  });

  it('any change to a signed extension attribute breaks verification; an unsigned one does not', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, extValue, extValue, async (e, signedValue, unsignedValue) => {
        const attributes = { ...attributesOf(e), exts: 'signed', extu: 'unsigned' };
        const dssematerial = sign({ attributes, data: dataText(e) }, ec, { signedExtensions: ['exts'] });
        const event = (a: Record<string, AttributeValue>) => ({ attributes: { ...a, dssematerial }, data: dataText(e) });
        fc.pre(String(signedValue) !== 'signed');
        expect(await verify(event({ ...attributes, exts: signedValue }), keys)).toMatchObject({ ok: false, code: 'ext_mismatch' });
        const { exts: _removed, ...withoutSigned } = attributes;
        expect(await verify(event(withoutSigned), keys)).toMatchObject({ ok: false, code: 'ext_mismatch' });
        expect(await verify(event({ ...attributes, extu: unsignedValue }), keys)).toMatchObject({ ok: true, coverage: 'core+extensions' });
        const { extu: _gone, ...withoutUnsigned } = attributes;
        expect(await verify(event({ ...withoutUnsigned, extnew: unsignedValue }), keys)).toMatchObject({ ok: true });
      }),
    );
  });

  it('equal instants in different time zones (and sub-second fractions) sign the same', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, instant, offset, fraction, async (e, ms, minutes, frac) => {
        const zulu = { ...attributesOf(e), time: iso(ms) };
        const zoned = { ...zulu, time: withOffset(ms, minutes, frac) };
        const payload = (m: string): string => Buffer.from(decodeMaterial(m).payload).toString();
        const m1 = sign({ attributes: zulu, data: dataText(e) }, ed);
        expect(payload(sign({ attributes: zoned, data: dataText(e) }, ec))).toBe(payload(m1));
        expect(await verify({ attributes: { ...zoned, dssematerial: m1 }, data: dataText(e) }, keys)).toMatchObject({ ok: true });
      }),
    );
  });
});
