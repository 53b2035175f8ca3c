import { exportJWK, generateKeyPair } from 'jose';
import { paddingTwin } from '../../../../test/support/fixtures.js';
import { parsePublicSigningKey } from './public-jwk.js';
import { SigningKeyErrorCode } from './signing-key-error.js';

async function publicJwk(alg: 'EdDSA' | 'ES256' | 'RS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { pub: (await exportJWK(publicKey)) as Record<string, unknown>, priv: (await exportJWK(privateKey)) as Record<string, unknown> };
}

async function codeOf(input: Record<string, unknown>): Promise<string> {
  return parsePublicSigningKey(input).then(
    () => 'accepted',
    (e: { code: string }) => e.code,
  );
}

describe('parsePublicSigningKey', () => {
  it('accepts Ed25519 and P-256 public keys and names them by their RFC 7638 thumbprint', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { pub } = await publicJwk(alg);
      const parsed = await parsePublicSigningKey(pub);
      expect(parsed.alg).toBe(alg);
      expect(parsed.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(parsed.jwk).toMatchObject({ kid: parsed.kid, alg, use: 'sig' });
    }
  });

  it.each(['EdDSA', 'ES256'] as const)('accepts every %s public key as a standard library exports it (its canonical spelling)', async (alg) => {
    for (let i = 0; i < 100; i++) {
      const { pub } = await publicJwk(alg);
      expect(await codeOf(pub)).toBe('accepted');
    }
  });

  it('computes the thumbprint of the RFC 8037 example key', async () => {
    // RFC 8037 appendix A.3: the thumbprint of its Ed25519 example public key.
    const parsed = await parsePublicSigningKey({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
    expect(parsed.kid).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it.each([
    ['the identity point', '0100000000000000000000000000000000000000000000000000000000000000'],
    ['a point of order 2', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['a point of order 4', '0000000000000000000000000000000000000000000000000000000000000080'],
    ['a point of order 8', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
    ['another point of order 8', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'],
    ['a non-canonical encoding', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ])('refuses %s as an Ed25519 key: signatures under it would prove nothing', async (_label, hex) => {
    expect(await codeOf({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') })).toBe(SigningKeyErrorCode.InvalidJwk);
  });

  it.each(['EdDSA', 'ES256'] as const)('refuses an %s key whose coordinate is spelled with non-zero padding bits: the same key under another thumbprint', async (alg) => {
    const { pub } = await publicJwk(alg);
    const canonicalKid = (await parsePublicSigningKey(pub)).kid;
    for (const member of alg === 'ES256' ? ['x', 'y'] : ['x']) {
      const twin = { ...pub, [member]: paddingTwin(pub[member] as string) };
      expect(Buffer.from(twin[member] as string, 'base64url')).toEqual(Buffer.from(pub[member] as string, 'base64url'));
      expect(await codeOf(twin)).toBe(SigningKeyErrorCode.InvalidJwk);
    }
    expect((await parsePublicSigningKey(pub)).kid).toBe(canonicalKid);
  });

  it('refuses a coordinate of the wrong length, with base64 padding or in the standard base64 alphabet', async () => {
    const ed = await publicJwk('EdDSA');
    const x = ed.pub.x as string;
    expect(await codeOf({ ...ed.pub, x: `${x}=` })).toBe(SigningKeyErrorCode.InvalidJwk);
    // A valid Ed25519 key whose base64url text has a '-', which standard base64 spells '+'.
    const urlSafe = 'eR0Zd5VFXb5OiKU2Q0gG2WZiXc3hFXQ8o-q5GaYJySw';
    expect(await codeOf({ kty: 'OKP', crv: 'Ed25519', x: urlSafe })).toBe('accepted');
    expect(await codeOf({ kty: 'OKP', crv: 'Ed25519', x: urlSafe.replace('-', '+') })).toBe(SigningKeyErrorCode.InvalidJwk);
    expect(await codeOf({ ...ed.pub, x: Buffer.alloc(33, 7).toString('base64url') })).toBe(SigningKeyErrorCode.InvalidJwk);
    expect(await codeOf({ ...ed.pub, x: x.slice(0, 42) })).toBe(SigningKeyErrorCode.InvalidJwk);
  });

  it('refuses private keys, RSA, a mismatched alg, a wrong kid and a point off the curve', async () => {
    const ed = await publicJwk('EdDSA');
    const ec = await publicJwk('ES256');
    const rsa = await publicJwk('RS256');
    expect(await codeOf(ed.priv)).toBe(SigningKeyErrorCode.PrivateKeyMaterial);
    expect(await codeOf(rsa.pub)).toBe(SigningKeyErrorCode.UnsupportedKeyType);
    expect(await codeOf({ ...ed.pub, crv: 'X25519' })).toBe(SigningKeyErrorCode.UnsupportedKeyType);
    expect(await codeOf({ ...ed.pub, alg: 'ES256' })).toBe(SigningKeyErrorCode.AlgorithmMismatch);
    expect(await codeOf({ ...ec.pub, alg: 'EdDSA' })).toBe(SigningKeyErrorCode.AlgorithmMismatch);
    expect(await codeOf({ ...ec.pub, kid: 'made-up' })).toBe(SigningKeyErrorCode.InvalidJwk);
    const y = Buffer.from(ec.pub.y as string, 'base64url');
    y[31] = y[31]! ^ 1;
    expect(await codeOf({ ...ec.pub, y: y.toString('base64url') })).toBe(SigningKeyErrorCode.InvalidJwk);
    expect(await codeOf({ ...ed.pub, x: 'AAAA' })).toBe(SigningKeyErrorCode.InvalidJwk);
  });
});
