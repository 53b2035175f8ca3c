import { exportJWK, FlattenedSign, generateKeyPair } from 'jose';
import { parseDetachedJws, verifyDetachedJws } from './detached-jws.js';

async function signer(alg: 'EdDSA' | 'ES256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const jwk = await exportJWK(publicKey);
  const sign = async (bytes: Uint8Array, header: Record<string, unknown> = { alg, kid: 'k1' }) => {
    const jws = await new FlattenedSign(bytes).setProtectedHeader(header as { alg: string }).sign(privateKey);
    return `${jws.protected}..${jws.signature}`;
  };
  return { jwk, sign };
}

describe('detached compact JWS over document bytes', () => {
  const bytes = Buffer.from('{"agreement":"a","version":1}', 'utf8');

  it.each(['EdDSA', 'ES256'] as const)('verifies a %s signature over exactly these bytes and no others', async (alg) => {
    const { jwk, sign } = await signer(alg);
    const jws = parseDetachedJws(await sign(bytes))!;
    expect(jws.header).toEqual({ alg, kid: 'k1' });
    expect(await verifyDetachedJws(jws, bytes, jwk, alg)).toBe(true);
    expect(await verifyDetachedJws(jws, Buffer.from('{"agreement":"a","version":2}'), jwk, alg)).toBe(false);
    expect(await verifyDetachedJws(jws, bytes, jwk, alg === 'EdDSA' ? 'ES256' : 'EdDSA')).toBe(false);
  });

  it('refuses other shapes: attached payload, missing kid, b64 or crit headers', async () => {
    const { sign } = await signer('EdDSA');
    const detached = await sign(bytes);
    const [head, , sig] = detached.split('.');
    expect(parseDetachedJws(`${head}.${Buffer.from(bytes).toString('base64url')}.${sig}`)).toBeNull();
    expect(parseDetachedJws('not a jws')).toBeNull();
    expect(parseDetachedJws(await sign(bytes, { alg: 'EdDSA' }))).toBeNull();
    expect(parseDetachedJws(await sign(bytes, { alg: 'EdDSA', kid: 'k1', b64: false, crit: ['b64'] }))).toBeNull();
  });
});
