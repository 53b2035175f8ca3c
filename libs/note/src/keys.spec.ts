import { Buffer } from 'node:buffer';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  decodeSignerKey,
  decodeVerifierKey,
  ed25519PrivateKey,
  ed25519Signer,
  ed25519Verifier,
  encodeSignerKey,
  encodeVerifierKey,
  isValidKeyName,
  keyId,
  noteVerifierFromKey,
  rawEd25519PublicKey,
  SignatureType,
} from './index.js';
import { reasonOf } from './test-support/refusals.js';

const newKey = () => generateKeyPairSync('ed25519');
const typed = (type: number, key: Uint8Array): string => Buffer.from([type, ...key]).toString('base64');
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
/** Another key id, one bit away. */
const otherId = (id: string): string => hex8((Number.parseInt(id, 16) ^ 1) >>> 0);
/** A vkey string with the key id computed for whatever type and key bytes it carries. */
const vkeyOf = (name: string, type: number, key: Uint8Array): string => `${name}+${hex8(keyId(name, type, key))}+${typed(type, key)}`;

const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter(isValidKeyName);

describe('key names', () => {
  it.each(['', 'two words', 'tab\there', 'no-break\u00a0space', 'ideographic\u3000space', 'next\u0085line', 'plus+sign', 'bell\u0007', 'lone\ud800'])(
    'refuses %j',
    (name) => expect(isValidKeyName(name)).toBe(false),
  );

  it.each(['example.com/log', 'PeterNeumann', 'oid/1.3.6.1.4.1', 'zürich.example/日志', 'emoji🙂'])('takes %j', (name) => {
    expect(isValidKeyName(name)).toBe(true);
  });
});

describe('verifier keys', () => {
  it('the key id is the first four bytes of SHA-256(name, newline, type, key), big-endian', () => {
    const key = rawEd25519PublicKey(newKey().publicKey);
    const digest = createHash('sha256').update(Buffer.concat([Buffer.from('log.example\n'), Buffer.from([0x01]), key])).digest();
    expect(keyId('log.example', SignatureType.Ed25519, key)).toBe(digest.readUInt32BE(0));
  });

  it('encodes and decodes any valid name and Ed25519 key, whatever \'+\' its base64 holds', () => {
    fc.assert(
      fc.property(nameArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(SignatureType.Ed25519, SignatureType.CosignatureV1), (name, key, type) => {
        const vkey = encodeVerifierKey(name, type, key);
        const decoded = decodeVerifierKey(vkey);
        expect([decoded.name, decoded.type, Buffer.from(decoded.publicKey).toString('hex')]).toEqual([name, type, Buffer.from(key).toString('hex')]);
        expect(decoded.keyId).toBe(keyId(name, type, key));
        expect(vkey.split('+')[1]).toMatch(/^[0-9a-f]{8}$/);
      }),
    );
  });

  it('takes the key id in upper case hexadecimal, as Go does', () => {
    const vkey = ed25519Signer('log.example', newKey().privateKey).verifierKey;
    const [name, id, key] = vkey.split(/\+(.*?)\+(.*)/s);
    expect(noteVerifierFromKey(`${name}+${id!.toUpperCase()}+${key}`).verifierKey).toBe(vkey);
  });

  it('refuses a verifier key whose key id does not match its name and key', () => {
    const vkey = ed25519Signer('log.example', newKey().privateKey).verifierKey;
    expect(reasonOf(() => decodeVerifierKey(vkey.replace(/\+([0-9a-f]{8})\+/, (_, id: string) => `+${otherId(id)}+`)))).toBe('invalid_key');
    expect(reasonOf(() => decodeVerifierKey(vkey.replace('log.example', 'log.example2')))).toBe('invalid_key');
  });

  it('refuses a note verifier of the wrong type or length, even with a matching key id', () => {
    const key = rawEd25519PublicKey(newKey().publicKey);
    expect(reasonOf(() => noteVerifierFromKey(vkeyOf('log.example', 0x04, key)))).toBe('invalid_key');
    expect(reasonOf(() => noteVerifierFromKey(vkeyOf('log.example', 0x02, key)))).toBe('invalid_key');
    expect(reasonOf(() => noteVerifierFromKey(vkeyOf('log.example', 0x01, key.subarray(0, 31))))).toBe('invalid_key');
    expect(reasonOf(() => noteVerifierFromKey(vkeyOf('log.example', 0x01, Buffer.concat([key, Buffer.from([0])]))))).toBe('invalid_key');
  });

  it.each([
    ['no key id or key', 'log.example'],
    ['no key', 'log.example+01234567'],
    ['a key id of 7 digits', 'log.example+0123456+AQ=='],
    ['a key id that is not hexadecimal', 'log.example+0123456g+AQ=='],
    ['a key that is not base64', 'log.example+01234567+not base64'],
    ['a type byte without a key', 'log.example+01234567+AQ=='],
  ])('refuses a verifier key with %s as malformed', (_, vkey) => {
    expect(reasonOf(() => decodeVerifierKey(vkey))).toBe('malformed');
  });

  it('refuses a verifier key whose name is empty or holds a space, and never reads a name with a plus', () => {
    const key = rawEd25519PublicKey(newKey().publicKey);
    expect(reasonOf(() => decodeVerifierKey(vkeyOf('log example', 0x01, key)))).toBe('invalid_name');
    expect(reasonOf(() => decodeVerifierKey(vkeyOf('', 0x01, key)))).toBe('invalid_name');
    // The first '+' ends the name: "log" is the name and "example" the key id, which is not hexadecimal.
    expect(reasonOf(() => decodeVerifierKey(vkeyOf('log+example', 0x01, key)))).toBe('malformed');
    expect(reasonOf(() => encodeVerifierKey('log+example', 0x01, key))).toBe('invalid_name');
  });
});

describe('signers and signer keys', () => {
  it('a signer\'s verifier key verifies what it signs, and Go\'s signer key string gives the same signer back', () => {
    const { privateKey, publicKey } = newKey();
    const signer = ed25519Signer('log.example', privateKey);
    const message = Buffer.from('hello\n');
    expect(noteVerifierFromKey(signer.verifierKey).verify(message, signer.sign(message))).toBe(true);
    expect(ed25519Verifier('log.example', publicKey).verifierKey).toBe(signer.verifierKey);
    const decoded = decodeSignerKey(encodeSignerKey('log.example', privateKey));
    expect([decoded.name, decoded.keyId]).toEqual(['log.example', signer.keyId]);
    expect(ed25519Signer(decoded.name, decoded.privateKey).verifierKey).toBe(signer.verifierKey);
  });

  it('refuses a key that is not an Ed25519 private key', () => {
    expect(reasonOf(() => ed25519Signer('log.example', newKey().publicKey))).toBe('invalid_key');
    expect(reasonOf(() => ed25519Signer('log.example', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey))).toBe('invalid_key');
    expect(reasonOf(() => ed25519Verifier('log.example', new Uint8Array(31)))).toBe('invalid_key');
  });

  it('refuses a signer name a note could not carry', () => {
    expect(reasonOf(() => ed25519Signer('log example', newKey().privateKey))).toBe('invalid_name');
  });

  it('refuses a signer key string with the wrong prefix, a key id that does not match, the wrong type or a short seed', () => {
    const skey = encodeSignerKey('log.example', newKey().privateKey);
    const [, id = ''] = /\+([0-9a-f]{8})\+/.exec(skey) ?? [];
    // The key is everything after the key id: its base64 may hold a '+' of its own.
    const seed = Buffer.from(skey.slice(skey.indexOf(`+${id}+`) + id.length + 2), 'base64').subarray(1);
    expect(reasonOf(() => decodeSignerKey(skey.replace('PRIVATE+KEY+', 'PUBLIC+KEY+')))).toBe('malformed');
    expect(reasonOf(() => decodeSignerKey(skey.replace(id, otherId(id))))).toBe('invalid_key');
    expect(reasonOf(() => decodeSignerKey(`PRIVATE+KEY+log.example+${id}+${typed(0x04, seed)}`))).toBe('invalid_key');
    expect(reasonOf(() => decodeSignerKey(`PRIVATE+KEY+log.example+${id}+${typed(0x01, seed.subarray(1))}`))).toBe('invalid_key');
    expect(reasonOf(() => ed25519PrivateKey(new Uint8Array(33)))).toBe('invalid_key');
  });
});
