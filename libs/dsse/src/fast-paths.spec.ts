import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { decodeBase64 } from './base64.js';
import { coreDigest, normalizeTime } from './canonical.js';
import { decodeMaterial, pae } from './envelope.js';
import { PAYLOAD_TYPE } from './index.js';

// The shortcuts taken for speed answer exactly what the long way answers.

/** decodeBase64 as it was before its fast path: the patterns, then the canonical re-encoding. */
function decodeByPatterns(text: string): Uint8Array | null {
  const standard = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const urlSafe = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
  if (standard.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    return bytes.toString('base64') === text ? bytes : null;
  }
  if (!urlSafe.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text.replace(/=+$/, '') ? bytes : null;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();

/** CORE_DIGEST spelled out, one Hash object a part. */
function coreDigestLongWay(attributes: Record<string, string>, data: Uint8Array): Buffer {
  const names = ['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time'];
  const parts = names.map((name) => {
    const value = attributes[name];
    return value === undefined || value === '' ? sha256('') : sha256(name === 'time' ? normalizeTime(value) : value);
  });
  return sha256(Buffer.concat([...parts, sha256(data)]));
}

describe('the fast paths agree with the long way', () => {
  it('decodeBase64 accepts and refuses what the patterns accept and refuse', () => {
    const base64ish = fc.string({ unit: fc.constantFrom(...'AQgw+/-_=8 \n.'.split('')), maxLength: 12 });
    const encoded = fc.uint8Array({ maxLength: 40 }).chain((bytes) =>
      fc.constantFrom(Buffer.from(bytes).toString('base64'), Buffer.from(bytes).toString('base64url'), `${Buffer.from(bytes).toString('base64url')}=`),
    );
    fc.assert(
      fc.property(fc.oneof(base64ish, encoded), (text) => {
        const fast = decodeBase64(text);
        const slow = decodeByPatterns(text);
        expect(fast === null ? null : Buffer.from(fast)).toEqual(slow === null ? null : Buffer.from(slow));
      }),
      { numRuns: 3000 },
    );
  });

  it('normalizeTime returns a time already normal as it is, and still refuses impossible ones in that form', () => {
    expect(normalizeTime('2026-05-13T09:49:12Z')).toBe('2026-05-13T09:49:12Z');
    expect(normalizeTime('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00Z');
    expect(normalizeTime('2024-02-29T23:59:59Z')).toBe('2024-02-29T23:59:59Z');
    expect(normalizeTime('2026-05-13t09:49:12z')).toBe('2026-05-13T09:49:12Z');
    for (const bad of ['2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-04-31T00:00:00Z', '2026-05-13T24:00:00Z', '2026-05-13T23:60:00Z', '2026-05-13T23:59:60Z']) {
      expect(() => normalizeTime(bad)).toThrow(expect.objectContaining({ code: 'invalid_time' }) as Error);
    }
  });

  it('the core digest is the same with the kept digests of repeating attributes, also after they are dropped', () => {
    const data = Buffer.from('{"a":1}');
    const attributes = (i: number) => ({
      id: `e-${i}`, source: `urn:source:${i % 300}`, specversion: '1.0', type: `org.example.t${i % 7}`, datacontenttype: 'application/json',
      dataschema: i % 2 ? 'https://example.org/s.json' : '', time: '2026-05-13T10:49:12.5+01:00',
    });
    // More distinct sources than are kept, twice over: some digests are taken from the map, some after it was emptied.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 700; i++) expect(coreDigest(attributes(i), data).equals(coreDigestLongWay(attributes(i), data))).toBe(true);
    }
  });

  it('the core digest is the same with the kept digests of times, when times repeat, run past what is kept, and spell a repeating attribute\'s text', () => {
    const data = Buffer.from('{"a":1}');
    const time = (i: number) => `2026-05-13T10:${String(i % 60).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}+01:00`;
    // A source whose text is a time: its digest is of the text, the time's of the normalised time.
    const attributes = (i: number) => ({ id: `e-${i}`, source: time(i % 5), specversion: '1.0', type: 't', time: time(i % 400) });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 900; i++) expect(coreDigest(attributes(i), data).equals(coreDigestLongWay(attributes(i), data))).toBe(true);
    }
    expect(() => coreDigest({ id: 'e', source: 's', specversion: '1.0', type: 't', time: '2026-02-29T00:00:00Z' }, data)).toThrow(expect.objectContaining({ code: 'invalid_time' }) as Error);
  });

  it('decodeMaterial reads a compact envelope as it reads the same envelope spelled otherwise, faults included', () => {
    const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
    const base64ish = fc.string({ unit: fc.constantFrom(...'AQgw+/-_=8'.split('')), maxLength: 48 });
    const core = fc.oneof(fc.uint8Array({ minLength: 31, maxLength: 33 }).map(b64), base64ish);
    const payload = fc.oneof(
      core.map((c) => b64(`{"core":"${c}"}`)),
      core.map((c) => b64(`{"core":"${c}","ext":"${c}","signedextattrs":[]}`)),
      base64ish,
    );
    const keyid = fc.string({ unit: fc.constantFrom(...'aZ09._:-"é\\'.split('')), maxLength: 10 });
    const type = fc.constantFrom(PAYLOAD_TYPE, 'application/other');
    const read = (material: string) => {
      try {
        const decoded = decodeMaterial(material);
        return { ...decoded, payload: Buffer.from(decoded.payload), core: Buffer.from(decoded.core), ...(decoded.ext ? { ext: Buffer.from(decoded.ext) } : {}) };
      } catch (error) {
        return { code: (error as { code: string }).code };
      }
    };
    fc.assert(
      fc.property(type, payload, keyid, base64ish, (payloadType, body, kid, sig) => {
        const envelope = { payloadType, payload: body, signatures: [{ keyid: kid, sig }] };
        // The long way: the same members spelled with whitespace, which the compact form's pattern never matches.
        expect(read(b64(JSON.stringify(envelope)))).toEqual(read(b64(JSON.stringify(envelope, null, 1))));
      }),
      { numRuns: 3000 },
    );
  });

  it('the PAE of the payload type is the one the DSSE v1 specification spells', () => {
    const body = Buffer.from('{"core":"x"}');
    for (const type of [PAYLOAD_TYPE, 'application/vnd.other+json', 'é']) {
      const spelled = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
      expect(pae(type, body).equals(spelled)).toBe(true);
    }
  });
});
