/**
 * DEMO SIGNING KEYS ONLY. These Ed25519 private keys (JWK) are published on purpose, so that `npm run demo` can sign
 * agreements and events. Never use them for anything else: every Plaza registry not running the demo refuses to register
 * them (signing_key.demo_key; their thumbprints are in apps/registry/src/signing-keys/demo-keys.ts).
 */
export const DEMO_KEYS: Record<string, { kid: string; kty: 'OKP'; crv: 'Ed25519'; x: string; d: string }> = {
  montreal: { kid: 'Q9YF4pyY2mvQRrS9tUibbnsseePwHQmDe0d6s_NECus', kty: 'OKP', crv: 'Ed25519', x: 'eR0Zd5VFXb5OiKU2Q0gG2WZiXc3hFXQ8o-q5GaYJySw', d: 'dEOsz287j6nts1nGujyK0DUDpGBT6kjPLD8-vmLE7VU' },
  laval: { kid: 'HnZEgo09nTaFCCRdA69BaEwcZOHAdIJw5u5batHmA6g', kty: 'OKP', crv: 'Ed25519', x: 'TbbTWTON19r6lKgZIpbhcjyQcYGXf5J0SeiWe7FMFHM', d: 'UnVS4jRjfoW91rTr_bXRBz7tJZsAL4DxIe6AHHXnE-k' },
  longueuil: { kid: 'E-OfGTwq9OACaF7IErsPSnv03UbFZ-bNKc2Gp3DHLDI', kty: 'OKP', crv: 'Ed25519', x: 'd-q7YefvoA2jqsYxC4eguXfVvOytIoSXE1qyohBzwiA', d: 'aBXvnuj5U4hneaXAUMawSSl_hQiLxgSnHr5mkmqucfs' },
  airsense: { kid: 'BpP2w0ke8VjVltr_7JlYD3ozkdm20oSEltaKJjJQhH4', kty: 'OKP', crv: 'Ed25519', x: 'NcTp42w4pdbgzCtZuf21Wm4DB8FDgTtX5BaHlPDOFME', d: 'ZbbGhysaeSq8R97PuR_5nOUQYRHNcmBZ67_9cew1bZk' },
  urbanflow: { kid: 'Z7hvm6W7eNmFfJL5qtiwdYFzgjYTvutE36VbCXem_v4', kty: 'OKP', crv: 'Ed25519', x: 'aEuO8eKvj9gwrMztjQlBaB1xgdJumT-vRRkcKh_oE10', d: 'p32JeDQY1jjF7FsdBzoPgpYYWxdO4mQih2qGX-snSK4' },
  parkwise: { kid: '-NFDnUaz8Ma68MAagWVGfieA4n3DWHaOvFcNbMk9pPw', kty: 'OKP', crv: 'Ed25519', x: 'AoweIUI9OxlYyMSxqmissFhhz2ieNs0uptDq3Lc3LTY', d: '-b2f1r5fdidm-cBz58CAMdRu-QnSIDYdtbto4UyzHcI' },
  sonora: { kid: 'tZiQt6bGk36mrG37Nd1xOE4LPmweIjI6ibpYmJInG1E', kty: 'OKP', crv: 'Ed25519', x: 'ulq5-i2l9stJgnatTrd4n7RFkrq7tr2dkwexMrk7sYk', d: 'qwirnM5q0ofiI_C0G66bBAS8Bn2jG0MGSHi_z7zuaio' },
};
