import type { StoredEvent } from '../feed/feed.repository.js';

/** One delivery request: the events it carries, in feed order, and its content as received from their producers. */
export interface WebhookRequest {
  events: StoredEvent[];
  headers: Record<string, string>;
  body: Buffer;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The next request for a run of events, in the mode each arrived in, since converting modes would change what the
 * producer's signature covers: a binary event alone, as its body with its `ce-*` headers and Content-Type exactly as
 * received; a structured event (or an event of a received batch) as its exact bytes, alone, or, when the subscription
 * allows batching, with the structured events that follow it, up to the sink's batch size.
 */
export function nextRequest(events: readonly StoredEvent[], batching: boolean, maxBatchSize: number): WebhookRequest {
  const first = events[0]!;
  if (first.mode === 'binary') {
    const headers: Record<string, string> = {};
    for (const [name, value] of first.headers ?? []) headers[name.toLowerCase()] = value;
    return { events: [first], headers, body: first.received };
  }
  if (!batching) return { events: [first], headers: { 'content-type': 'application/cloudevents+json' }, body: first.received };
  const run: StoredEvent[] = [];
  for (const event of events) {
    if (event.mode === 'binary' || run.length === maxBatchSize) break;
    run.push(event);
  }
  const parts: Buffer[] = [OPEN];
  run.forEach((event, i) => parts.push(...(i === 0 ? [event.received] : [COMMA, event.received])));
  parts.push(CLOSE);
  return { events: run, headers: { 'content-type': 'application/cloudevents-batch+json' }, body: Buffer.concat(parts) };
}
