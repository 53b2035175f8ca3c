import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { decodeMaterial, PAYLOAD_TYPE, sign, verify, verifyBinary, verifyStructured } from './index.js';
import { encodeMaterial, pae } from './envelope.js';
import { signBytes } from './keys.js';

/*
 * The published test vectors of cloudevents/spec, cloudevents/extensions/verifiability.md at commit
 * d54e6bbc367755d227302d81e2969542cd7e8ecd ("Test Vectors" and "Verification Walkthrough").
 */

const int = (n: bigint): string => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
const X = 46950820868899156662930047687818585632848591499744589407958293238635476079160n;
const Y = 5640078356564379163099075877009565129882514886557779369047442380624545832820n;
const D = 97358161215184420915383655311931858321456579547487070936769975997791359926199n;
const jwk = { kty: 'EC', crv: 'P-256', x: int(X), y: int(Y) };
const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
const privateKey = createPrivateKey({ key: { ...jwk, d: int(D) }, format: 'jwk' });
const keys = { testkey: publicKey };

const MATERIAL = {
  case1:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiNXh6NS9WdG94TkpWWWFZeG1MZUw2eEw5STZDYXY5UDNnb2g2cXlDWUdmUT0iLCJzaWduYXR1cmVzIjpbeyJrZXlpZCI6InRlc3RrZXkiLCJzaWciOiJ3WWo4YlJQWFlDSUxyeXdzUDdXR1VCd1RKc25aSFlYTUhpWEZtWWh1QkdhOU1ocDdYNHZFN1FBYkhXbytXZitjTURBYjN6dXlwRjVVbVdwZGtJUGppUT09In1dfQ==',
  case3:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiZXlKamIzSmxJam9pZDB0RFlUaHpjVE5rZVdjdk1EQmFhVVJSZVM5aFdFRlpNWFJsY0ZGdWNrdE1ZVFo0VURCWk0wUXZVVDBpZlE9PSIsInNpZ25hdHVyZXMiOlt7ImtleWlkIjoidGVzdGtleSIsInNpZyI6IlVNcWlOWXA3U1FacTZNSGRtczRkbjJtc0hHaW5MSHZaYVVWM2doY2ovY241QmkzZDVqejBzZmhtOXBaODlDY09hK1dXdGpZNmNadmo3Yy90T1dzVFZnPT0ifV19',
  case5:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiZXlKamIzSmxJam9pY1VOVFpXbGFhMU1yYUVnNVYybERiR1p4Tm5Cc1puRlpUbFo1TW10MmVGZFNabTlDY2t4RmVtOUVhejBpZlE9PSIsInNpZ25hdHVyZXMiOlt7ImtleWlkIjoidGVzdGtleSIsInNpZyI6IkYyaXAweG1nSlgzdWdIWkM2dE1ycjdBMkVxYWkwOHJhR3JUd2R5aC9PR0RJSXJGN0J5TTJ5SVRMS3FOckYzZHpaR1IybzBDczlmRUJGZEx4Uk9VeUVRPT0ifV19',
  case6:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiZXlKamIzSmxJam9pVEZSblVVdElSMmhsWnpaVU5EaDRjRWRIY2pWNlRtdGthSEF5TW10bGJscERUM0ZwWTBaMFNUUlRRVDBpTENKbGVIUWlPaUpyVlRGUU9HSkVZVVZ1ZVU1b1oyeFhlbVJVU2s1SWFEYzNhMmhPVjFOYVpXSkNWWGgxWmxaTk1uQlZQU0lzSW5OcFoyNWxaR1Y0ZEdGMGRISnpJanBiSW1WNGRHRWlYWDA5Iiwic2lnbmF0dXJlcyI6W3sia2V5aWQiOiJ0ZXN0a2V5Iiwic2lnIjoibHBPcHNqUnZ2NFBDb05zQUlSRFl1MXphWlNBVkV2ajVSQzFGSk1yTDEyekJLa2IxTjhFSGlQc3FJMStId0V5V092SHU3eHE1aDBkN3BWWTRBdElOM3c9PSJ9XX0=',
  case7:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiZXlKamIzSmxJam9pVEZSblVVdElSMmhsWnpaVU5EaDRjRWRIY2pWNlRtdGthSEF5TW10bGJscERUM0ZwWTBaMFNUUlRRVDBpTENKbGVIUWlPaUpJUWpGd1pUUXpNVVp2VVZwU2MwcGllVXhPVFhFd1VXRkJkbkZRZEcxb1pHazRaRWhIVTJoaVNrRlZQU0lzSW5OcFoyNWxaR1Y0ZEdGMGRISnpJanBiSW1WNGRHRWlMQ0psZUhSaUlsMTkiLCJzaWduYXR1cmVzIjpbeyJrZXlpZCI6InRlc3RrZXkiLCJzaWciOiIyZzFVb0FRcHoxb1BqWlRQUlplK3l2THpaUU5FQ1pha2piWlZYaXpEd2RNbmVJSCsrLzUzdVhOMmJDU2tWSkltZndPaVl5S0JtNG12c01ISlhJVWh6Zz09In1dfQ==',
  walkthrough:
    'eyJwYXlsb2FkVHlwZSI6Imh0dHBzOi8vY2xvdWRldmVudHMuaW8vdmVyaWZpYWJpbGl0eS9kc3NlL3YwLjEiLCJwYXlsb2FkIjoiZXlKamIzSmxJam9pZG1wWWNraE9kQzlyTHpOeVUxTTVWMlZxZW1WUk9IWktOSE5WTVhWUmFDdEtOVEZXY1hKNU4xaHVUVDBpTENKbGVIUWlPaUpyVlRGUU9HSkVZVVZ1ZVU1b1oyeFhlbVJVU2s1SWFEYzNhMmhPVjFOYVpXSkNWWGgxWmxaTk1uQlZQU0lzSW5OcFoyNWxaR1Y0ZEdGMGRISnpJanBiSW1WNGRHRWlYWDA5Iiwic2lnbmF0dXJlcyI6W3sia2V5aWQiOiJ0ZXN0a2V5Iiwic2lnIjoiaEhtR09tZEUrWnA3RmpDUStTeHdiWUt6Y2tLa1VITHVPbGFHVUo5SGM5MUsydlh2R1gwM3ZNTFJpbW5RTWFQdWRtZm13alJiY09xYmQ3WTdTVFhueGc9PSJ9XX0=',
};

/** The published fault of 6a/6b and the walkthrough: the payload base64 ends `XX09` instead of `XX0=`. */
function repair(material: string): string {
  const envelope = Buffer.from(material, 'base64').toString('utf8');
  expect(envelope).toContain('XX09"');
  return Buffer.from(envelope.replace('XX09"', 'XX0="'), 'utf8').toString('base64');
}

/** A structured body from lines, indented with `indent` spaces per level (as the vectors print them, with ` : `). */
function body(members: [string, string][], data: string | null, indent: number, material?: string): string {
  const pad = ' '.repeat(indent);
  const lines = members.map(([k, v]) => `${pad}"${k}" : ${JSON.stringify(v)}`);
  if (data !== null) lines.push(`${pad}"data" : ${data}`);
  if (material) lines.push(`${pad}"dssematerial" : "${material}"`);
  return `{\n${lines.join(',\n')}\n}`;
}
const hello = (indent: number): string => `{\n${' '.repeat(indent * 2)}"hello" : "world"\n${' '.repeat(indent)}}`;

const BASE: [string, string][] = [
  ['specversion', '1.0'],
  ['id', '1'],
  ['source', 'example/uri'],
];
const case3 = (indent: number, time: string, material: string): string =>
  body([...BASE, ['subject', ''], ['type', 'example.type'], ['datacontenttype', 'application/json'], ['time', time]], hello(indent), indent, material);
const case6 = (indent: number, ext: [string, string][], material: string): string =>
  body([...BASE, ['type', 'example.type'], ['datacontenttype', 'application/json'], ...ext], hello(indent), indent, material);

describe('published test vectors (cloudevents/spec d54e6bbc)', () => {
  it('case 3 (zulu time) verifies as published, over the 2-space-indented text the vector was made from', async () => {
    const result = await verifyStructured(case3(2, '2020-06-18T17:24:53Z', MATERIAL.case3), keys);
    expect(result).toMatchObject({ ok: true, keyid: 'testkey', coverage: 'core', digests: { core: 'wKCa8sq3dyg/00ZiDQy/aXAY1tepQnrKLa6xP0Y3D/Q=' } });
  });

  it('case 3 does not verify over its printed (1-space-indented) input: the data bytes differ', async () => {
    const result = await verifyStructured(case3(1, '2020-06-18T17:24:53Z', MATERIAL.case3), keys);
    expect(result).toMatchObject({ ok: false, code: 'core_mismatch', keyid: 'testkey' });
  });

  it('case 4 (time with a zone) verifies with the same material as case 3', async () => {
    const result = await verifyStructured(case3(2, '2020-06-18T19:24:53+02:00', MATERIAL.case3), keys);
    expect(result.ok).toBe(true);
  });

  it('case 3 verifies in binary mode too, with the data bytes as the body', async () => {
    const headers: [string, string][] = [
      ['ce-specversion', '1.0'],
      ['ce-id', '1'],
      ['ce-source', 'example/uri'],
      ['ce-subject', ''],
      ['ce-type', 'example.type'],
      ['Content-Type', 'application/json'],
      ['ce-time', '2020-06-18T19:24:53+02:00'],
      ['ce-dssematerial', MATERIAL.case3],
    ];
    expect((await verifyBinary(headers, ` ${hello(2)}`, keys)).ok).toBe(true);
  });

  it('case 5 (data_base64) verifies as published, over the decoded bytes', async () => {
    const text = body(
      [...BASE, ['type', 'example.type.binary'], ['datacontenttype', 'application/octet-stream'], ['data_base64', '8J+koQ==']],
      null,
      1,
      MATERIAL.case5,
    );
    expect(await verifyStructured(text, keys)).toMatchObject({ ok: true, coverage: 'core' });
  });

  it('case 7 (two signed extensions) verifies as published', async () => {
    const result = await verifyStructured(case6(1, [['exta', 'value1'], ['extb', 'value2']], MATERIAL.case7), keys);
    expect(result).toMatchObject({ ok: true, coverage: 'core+extensions', signedExtensions: ['exta', 'extb'] });
    if (result.ok) expect(result.event.attributes).toMatchObject({ exta: 'value1', extb: 'value2' });
  });

  it('cases 6a, 6b and the walkthrough fail as published: their payload base64 is corrupt', async () => {
    for (const text of [
      case6(1, [['exta', 'value1']], MATERIAL.case6),
      case6(1, [['exta', 'value1'], ['extb', 'value2']], MATERIAL.case6),
      walkthrough(MATERIAL.walkthrough),
    ]) {
      expect(await verifyStructured(text, keys)).toMatchObject({ ok: false, code: 'malformed_payload' });
    }
  });

  it('case 6a verifies once its payload base64 is repaired', async () => {
    const result = await verifyStructured(case6(1, [['exta', 'value1']], repair(MATERIAL.case6)), keys);
    expect(result).toMatchObject({ ok: true, coverage: 'core+extensions', signedExtensions: ['exta'] });
  });

  it('case 6b verifies once repaired; the unsigned extb is dropped in strict mode and marked in passthrough', async () => {
    const text = case6(1, [['exta', 'value1'], ['extb', 'value2']], repair(MATERIAL.case6));
    const strict = await verifyStructured(text, keys);
    expect(strict.ok && strict.event.attributes).toEqual({
      specversion: '1.0',
      id: '1',
      source: 'example/uri',
      type: 'example.type',
      datacontenttype: 'application/json',
      exta: 'value1',
    });
    const passthrough = await verifyStructured(text, keys, { present: 'passthrough' });
    expect(passthrough.ok && passthrough.event.unverified).toMatchObject({ extb: 'value2' });
  });

  it('the walkthrough verifies once repaired (data `{"hello": "world"}` after a space)', async () => {
    const result = await verifyStructured(walkthrough(repair(MATERIAL.walkthrough)), keys);
    expect(result).toMatchObject({ ok: true, digests: { core: 'vjXrHNt/k/3rSS9WejzeQ8vJ4sU1uQh+J51Vqry7XnM=', ext: 'kU1P8bDaEnyNhglWzdTJNHh77khNWSZebBUxufVM2pU=' } });
  });

  it('cases 1 and 2 carry the older raw 32-byte payload and are refused by this scheme version', async () => {
    const text = body([...BASE, ['type', 'example.type'], ['datacontenttype', 'application/json']], hello(2), 2, MATERIAL.case1);
    expect(await verifyStructured(text, keys)).toMatchObject({ ok: false, code: 'malformed_payload' });
  });

  it('signing the vector events reproduces the published payloads byte for byte', () => {
    const payloadOf = (material: string): string => Buffer.from(decodeMaterial(material).payload).toString('utf8');
    const event3 = { attributes: { specversion: '1.0', id: '1', source: 'example/uri', type: 'example.type', datacontenttype: 'application/json', time: '2020-06-18T19:24:53+02:00' }, data: ` ${hello(2)}` };
    expect(payloadOf(sign(event3, { keyid: 'testkey', privateKey }))).toBe(payloadOf(MATERIAL.case3));
    const event7 = { attributes: { ...event3.attributes, time: '', exta: 'value1', extb: 'value2' }, data: ` ${hello(1)}` };
    expect(payloadOf(sign(event7, { keyid: 'testkey', privateKey }, { signedExtensions: ['exta', 'extb'] }))).toBe(payloadOf(MATERIAL.case7));
    const event5 = { attributes: { specversion: '1.0', id: '1', source: 'example/uri', type: 'example.type.binary', datacontenttype: 'application/octet-stream' }, data: Buffer.from('8J+koQ==', 'base64') };
    expect(payloadOf(sign(event5, { keyid: 'testkey', privateKey }))).toBe(payloadOf(MATERIAL.case5));
  });

  describe('case 8: signedextattrs defence in depth (validly signed payloads)', () => {
    const digest = Buffer.alloc(32, 7).toString('base64');
    const cases: [string, Record<string, unknown>, string][] = [
      ['8a duplicate entries', { core: digest, ext: digest, signedextattrs: ['exta', 'exta'] }, 'invalid_signedextattrs'],
      ['8b a context attribute', { core: digest, ext: digest, signedextattrs: ['exta', 'id'] }, 'invalid_signedextattrs'],
      ['8c dssematerial', { core: digest, ext: digest, signedextattrs: ['dssematerial'] }, 'invalid_signedextattrs'],
      ['8d signedextattrs without ext', { core: digest, signedextattrs: ['exta'] }, 'malformed_payload'],
      ['8e ext without signedextattrs', { core: digest, ext: digest }, 'malformed_payload'],
    ];
    it.each(cases)('%s is discarded', async (_name, payload, code) => {
      const bytes = Buffer.from(JSON.stringify(payload));
      const material = encodeMaterial(bytes, [{ keyid: 'testkey', sig: signBytes(privateKey, pae(PAYLOAD_TYPE, bytes)) }]);
      const event = { attributes: { specversion: '1.0', id: '1', source: 'example/uri', type: 'example.type', exta: 'v', dssematerial: material } };
      expect(await verify(event, keys)).toMatchObject({ ok: false, code });
    });

    it('8f an extension value of an unsupported type is discarded', async () => {
      const attributes = { specversion: '1.0', id: '1', source: 'example/uri', type: 'example.type', exta: 'not base64!' };
      const material = sign({ attributes: { ...attributes, exta: 'AAAA' } }, { keyid: 'testkey', privateKey }, { signedExtensions: ['exta'], extensionTypes: { exta: 'binary' } });
      const result = await verify({ attributes: { ...attributes, dssematerial: material } }, keys, { extensionTypes: { exta: 'binary' } });
      expect(result).toMatchObject({ ok: false, code: 'unsupported_extension_type' });
    });
  });
});

function walkthrough(material: string): string {
  return `{\n  "specversion": "1.0",\n  "id": "1",\n  "source": "example/uri",\n  "type": "example.type",\n  "datacontenttype": "application/json",\n  "exta": "value1",\n  "dssematerial": "${material}",\n  "data": {"hello": "world"}\n}`;
}
