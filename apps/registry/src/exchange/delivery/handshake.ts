import type { OutboundClient } from '#plaza/outbound';

export type HandshakeAnswer = { consent: true; allowedRate: number | null } | { consent: false; reason: string };

/**
 * The CloudEvents webhook abuse-protection handshake: an OPTIONS request to the sink naming the registry
 * (`WebHook-Request-Origin`), the rate it asks for and a callback by which the sink may consent later. Consent is only
 * ever read from `WebHook-Allowed-Origin` (this origin, or `*`), never from the status code; the allowed rate is
 * `WebHook-Allowed-Rate`, never more than was asked (absent: what was asked).
 */
export async function handshake(client: OutboundClient, sink: string, origin: string, requestedRate: number, callback: string): Promise<HandshakeAnswer> {
  const response = await client.request(sink, {
    method: 'OPTIONS',
    headers: { 'webhook-request-origin': origin, 'webhook-request-rate': String(requestedRate), 'webhook-request-callback': callback },
  });
  const allowed = response.headers['webhook-allowed-origin']?.trim();
  if (allowed !== origin && allowed !== '*') {
    return { consent: false, reason: `the sink did not consent to deliveries from ${origin} (OPTIONS answered ${response.status} without WebHook-Allowed-Origin); it may still consent through the callback` };
  }
  const rate = response.headers['webhook-allowed-rate'];
  return { consent: true, allowedRate: rate === undefined ? requestedRate : parseAllowedRate(rate, requestedRate) };
}

/** `WebHook-Allowed-Rate`: `*` (no limit: null) or a positive integer, never above what was asked; anything else: what was asked. */
export function parseAllowedRate(value: string, requested: number): number | null {
  const text = value.trim();
  if (text === '*') return null;
  return /^[1-9]\d{0,8}$/.test(text) ? Math.min(Number(text), requested) : requested;
}
