import type { SigningKey } from './signing-key.entity.js';

export type KeyStatus = 'pending' | 'active' | 'expired' | 'revoked';

/** A key's status at an instant of the registry's clock (never a time a signer claims). */
export function keyStatusAt(key: Pick<SigningKey, 'validFrom' | 'expiresAt' | 'revokedAt'>, at: Date): KeyStatus {
  if (key.revokedAt && key.revokedAt <= at) return 'revoked';
  if (key.expiresAt && key.expiresAt <= at) return 'expired';
  if (key.validFrom > at) return 'pending';
  return 'active';
}
