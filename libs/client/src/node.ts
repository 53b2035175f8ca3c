/**
 * @plaza/client/node: the typed client, libs/dsse's signing and verifying, and the two integrators' jobs: a
 * vendor's gateway (sign and send, with retries) and a city's consumer (read the feed, verify every event). These
 * use node:crypto and node:buffer, so they are kept out of the browser entry.
 */
export * from './index.js';
export {
  allAccepted, BATCH_LIMIT, eventTexts, sendEvents, sendMessages, signingKeyFromJwk, signMessages, toBinary,
  type EventFile, type EventMode, type EventOutcome, type EventStatus, type GatewayOptions, type SendOptions, type SignedMessage,
} from './gateway.js';
export {
  consumeFeed, keyHistories, verifiedJson, verifyServedEvent, verifyServedEvents,
  type ConsumedEvent, type ConsumedPage, type ConsumerOptions, type EventCheck, type ExpectedEvent, type KeyHistory, type ServedEvent,
} from './consumer.js';
export {
  sign, verify, signStructured, signBatch, signBinary, verifyStructured, verifyBatch, verifyBinary, generateSigningKey, SCHEME_VERSION, DsseError,
  type SigningKey, type VerificationResult, type VerifiedEvent, type CloudEventInput, type PublicKeys,
} from '../../dsse/src/index.js';
