import { percentEncode } from '#plaza/dsse';
import type { StoredEvent } from '../../feed/feed.repository.js';

/** One accepted event as a NATS message: where it goes, its exact bytes, its headers and its de-duplication id. */
export interface BrokerMessage {
  subject: string;
  data: Buffer;
  headers: [string, string][];
  msgID: string;
}

/** The NATS binding's structured mode: the event object's bytes as received, each event of a batch on its own. */
const STRUCTURED = 'application/cloudevents+json';

/**
 * The message for an event. The subject names the source by its registry id (a CloudEvents source holds dots, which
 * NATS reads as token separators). A binary event keeps every `ce-*` and Content-Type header it was received with,
 * names lowercased (HTTP names are case-insensitive; values are untouched), so its DSSE signature still verifies.
 * The message id is the source, a space (which a URI-reference cannot hold) and the id, percent-encoded as the HTTP
 * binding encodes header values (an id may hold CR, LF or edge spaces, which a NATS header cannot): JetStream drops a
 * republish of the same event within its duplicate window.
 */
export function brokerMessage(subjectPrefix: string, event: StoredEvent): BrokerMessage {
  const cloudEvent: [string, string][] =
    event.mode === 'binary' ? (event.headers ?? []).map(([name, value]) => [name.toLowerCase(), value]) : [['content-type', STRUCTURED]];
  return {
    subject: `${subjectPrefix}.${event.sourceId}`,
    data: event.received,
    headers: [...cloudEvent, ['plaza-sequence', event.sequence], ['plaza-received-at', event.receivedAt.toISOString()]],
    msgID: `${event.source} ${percentEncode(event.id)}`,
  };
}
