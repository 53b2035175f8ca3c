/**
 * Why a request was not made or not answered. Stable: callers store and compare it.
 * - refused-url: not an absolute http(s) URL, plain http to a host not allowed it, user credentials in the URL
 * - refused-address: the host is, or resolves to, an address in a refused range, or names a cloud metadata service
 * - dns: the host name does not resolve
 * - timeout: no complete answer within the time allowed
 * - connection: the connection failed or broke (refused, reset, TLS, a malformed response)
 */
export type OutboundReason = 'refused-url' | 'refused-address' | 'dns' | 'timeout' | 'connection';

/**
 * A failed outbound request. The message names the host and the reason only (never the path, the query or a
 * header), so it may be shown to whoever owns the URL.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';

  constructor(
    readonly reason: OutboundReason,
    message: string,
  ) {
    super(message);
  }
}
