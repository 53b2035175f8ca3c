/** The components every Plaza delivery signature covers, before the request's `ce-*` headers. */
export const DELIVERY_COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest'] as const;

/** The longest validity a delivery signature may claim, in seconds. */
export const MAX_VALIDITY_SECONDS = 300;

/** How far ahead of the receiver's clock `created` may be, and how long after `expires` it still holds. */
export const CLOCK_SKEW_SECONDS = 5;

export const ALGORITHM = 'ed25519';
