import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { decodeBase64 } from './base64.js';
import { coreDigest, normalizeTime } from './canonical.js';
import { pae } from './envelope.js';
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

  it('the PAE of the payload type is the one the DSSE v1 specification spells', () => {
    const body = Buffer.from('{"core":"x"}');
    for (const type of [PAYLOAD_TYPE, 'application/vnd.other+json', 'é']) {
      const spelled = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
      expect(pae(type, body).equals(spelled)).toBe(true);
    }
  });
});
