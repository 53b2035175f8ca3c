import { compactVerify, importJWK } from 'jose';
import { generateSigningKey, proveChallenge, publicPart } from './keys.js';

describe('plaza keys', () => {
  it.each(['EdDSA', 'ES256'] as const)('generates a %s key whose proof verifies with its public half only', async (alg) => {
    const jwk = await generateSigningKey(alg);
    expect(jwk.d).toBeDefined();
    expect(publicPart(jwk).d).toBeUndefined();
    const proof = await proveChallenge(jwk, 'plaza-signing-key-registration:x:nonce');
    const { payload } = await compactVerify(proof, await importJWK(publicPart(jwk), alg), { algorithms: [alg] });
    expect(new TextDecoder().decode(payload)).toBe('plaza-signing-key-registration:x:nonce');
  });
});
