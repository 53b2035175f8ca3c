import { calculateJwkThumbprint } from 'jose';
import { DEMO_KEYS } from '../../../../demo/keys.js';
import { DEMO_KEY_KIDS } from './demo-keys.js';

describe('demo signing keys', () => {
  it('lists exactly the thumbprints of the private keys the demo publishes in demo/keys.ts', async () => {
    const computed = await Promise.all(Object.values(DEMO_KEYS).map(({ kty, crv, x }) => calculateJwkThumbprint({ kty, crv, x }, 'sha256')));
    expect(computed.length).toBeGreaterThan(0);
    expect(new Set(computed)).toEqual(DEMO_KEY_KIDS);
  });
});
