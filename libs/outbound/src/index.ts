/**
 * #plaza/outbound - the one HTTP client for URLs someone other than the operator chose (webhook sinks, callbacks).
 * See libs/outbound/README.md.
 */
export { classifyAddress } from './address.js';
export {
  OutboundClient,
  type OutboundPolicy,
  type OutboundRequest,
  type OutboundResponse,
  type UrlCheck,
} from './outbound-client.js';
export { OutboundError, type OutboundReason } from './outbound-error.js';
