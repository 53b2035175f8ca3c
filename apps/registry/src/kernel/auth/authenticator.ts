import type { Principal } from './principal.js';

/**
 * What the kernel needs to turn an Authorization header into a principal. The api-keys feature provides it under
 * AUTHENTICATOR; the kernel knows only this interface.
 */
export interface Authenticator {
  /** The principal behind the header; throws AuthError (invalid key) when there is none. */
  authenticate(authorization: string): Promise<Principal>;
}

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
