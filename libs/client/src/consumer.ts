import { Buffer } from 'node:buffer';
import type { JsonWebKey } from 'node:crypto';
import { type CloudEventInput, decodeBase64, readBinary, SCHEME_VERSION, scanStructured, verify, type VerifiedEvent } from '../../dsse/src/index.js';
import { createRegistryClient, ok, type RegistryClient } from './client.js';
import type { components } from './registry-api.js';

/**
 * A city's consumer (or any party to an agreement): read a source's events from the registry's feed and check each
 * producer's signature itself, over the exact bytes the registry kept, with the signing key's public history. The
 * event's bytes are not taken on the registry's word: a changed byte, an event signed for another source or type
 * than the one asked for, or an item whose listed attributes differ from the signed ones is reported, and only the
 * verified bytes are ever parsed (never the feed's convenience copy of the event object). The key histories do come
 * from the registry: which organisation a key belongs to and when it was valid or revoked is its word (pin `signer`
 * to narrow it), as are the receipt time and which events the feed holds (one it withholds is not noticed here).
 */

/** An item of GET /api/v1/exchange/events. */
export type ServedEvent = components['schemas']['ServedEvent'];

/** The public history of a signing key (GET /api/v1/signing-keys/{kid}), as far as verifying needs it. */
export interface KeyHistory {
  kid: string;
  organisation: string;
  jwk: JsonWebKey;
  validFrom: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface EventCheck {
  sequence: string;
  source: string;
  id: string;
  ok: boolean;
  kid?: string;
  organisation?: string;
  problem?: string;
}

/** One served event, judged: the check, and for a verified event what its signature covers (and nothing else). */
export interface ConsumedEvent {
  check: EventCheck;
  /** Present when the check is ok: the signed attributes and the data bytes, from the verified bytes only. */
  verified?: VerifiedEvent;
}

/** A page of the feed, judged, and the cursor to read on from (the next page, or the poll position at the end). */
export interface ConsumedPage {
  events: ConsumedEvent[];
  cursor: string;
  /** True when the feed had no more events now: wait before reading on from `cursor`. */
  caughtUp: boolean;
}

export interface ConsumerOptions {
  /** The registry, e.g. `https://registry.example.org`. */
  registry: string;
  /** An API key of the source's city or of a party to an agreement covering it. */
  apiKey: string;
  /** The CloudEvents source to read. */
  source: string;
  /** Only events of this type. */
  type?: string;
  /** The organisation (slug) whose keys must have signed, e.g. the source's operator. */
  signer?: string;
  /** Where to start: a cursor from an earlier page (the beginning by default). */
  cursor?: string;
  /** Events a page (100). */
  limit?: number;
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * The feed from `cursor` on, a page at a time, every event verified. Stops when the feed is caught up; keep the last
 * page's cursor and call again later to read what was accepted since.
 */
export async function* consumeFeed(options: ConsumerOptions): AsyncGenerator<ConsumedPage> {
  const authed = createRegistryClient({ baseUrl: options.registry, apiKey: options.apiKey, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const history = keyHistories(createRegistryClient({ baseUrl: options.registry, ...(options.fetch ? { fetch: options.fetch } : {}) }));
  let cursor = options.cursor;
  for (;;) {
    const page = await ok(authed.GET('/api/v1/exchange/events', { params: { query: { source: options.source, limit: options.limit ?? 100, ...(options.type ? { type: options.type } : {}), ...(cursor ? { cursor } : {}) } } }));
    const events: ConsumedEvent[] = [];
    const expected = { source: options.source, ...(options.type ? { type: options.type } : {}), ...(options.signer !== undefined ? { signer: options.signer } : {}) };
    for (const item of page.items) events.push(await verifyServedEvent(item, history, expected));
    cursor = page.nextCursor ?? page.pollCursor;
    yield { events, cursor, caughtUp: page.nextCursor === null };
    if (page.nextCursor === null) return;
  }
}

/** Every event of a source up to now, verified; one check per event, in sequence order. */
export async function verifyServedEvents(options: ConsumerOptions): Promise<EventCheck[]> {
  const checks: EventCheck[] = [];
  for await (const page of consumeFeed(options)) checks.push(...page.events.map((e) => e.check));
  return checks;
}

/** Key histories by kid from the registry's public key records, each read once (a missing key is null). */
export function keyHistories(client: RegistryClient): (kid: string) => Promise<KeyHistory | null> {
  const keys = new Map<string, Promise<KeyHistory | null>>();
  return (kid) => {
    if (!keys.has(kid)) keys.set(kid, ok(client.GET('/api/v1/signing-keys/{kid}', { params: { path: { kid } } })).then((key) => key as KeyHistory, () => null));
    return keys.get(kid)!;
  };
}

/** What a served event must be: signed for this source (and type), by a key of this organisation. */
export interface ExpectedEvent {
  source?: string;
  type?: string;
  signer?: string;
}

/**
 * Verifies one served event against the public history of the key that signed it, and against what was asked for:
 * a validly signed event of another source or type, mixed into the feed, fails too.
 */
export async function verifyServedEvent(item: ServedEvent, history: (kid: string) => Promise<KeyHistory | null>, expected: ExpectedEvent = {}): Promise<ConsumedEvent> {
  const { signer } = expected;
  const base = { sequence: item.sequence, source: item.source, id: item.id };
  const failed = (problem: string, extra: Partial<EventCheck> = {}): ConsumedEvent => ({ check: { ...base, ok: false, ...extra, problem } });
  if (item.scheme !== SCHEME_VERSION) return failed(`signed under scheme ${JSON.stringify(item.scheme)}, which this verifier does not implement (${SCHEME_VERSION})`);
  let event: CloudEventInput;
  try {
    event = receivedEvent(item);
  } catch (error) {
    return failed(`the served bytes cannot be read: ${(error as Error).message}`);
  }

  const refused: string[] = [];
  const accepted = new Map<string, KeyHistory>();
  const receivedAt = Date.parse(item.receivedAt);
  const result = await verify(event, async (kid) => {
    const key = await history(kid);
    const problem = !key
      ? 'no such key in the registry'
      : signer !== undefined && key.organisation !== signer
        ? `the key belongs to ${key.organisation}, not ${signer}`
        : keyProblemAt(key, receivedAt);
    if (problem) {
      refused.push(`${kid}: ${problem}`);
      return undefined;
    }
    accepted.set(kid, key!);
    return key!.jwk;
  });
  if (!result.ok) return failed(result.code === 'unknown_key' && refused.length > 0 ? refused.join('; ') : `${result.code}: ${result.message}`);
  const key = accepted.get(result.keyid)!;
  const signed = result.event.attributes;
  const signedBy = { kid: key.kid, organisation: key.organisation };
  for (const name of ['source', 'type'] as const) {
    const asked = expected[name];
    if (asked !== undefined && String(signed[name]) !== asked) return failed(`the event is signed for ${name} ${JSON.stringify(signed[name])}, not the ${name} asked for, ${JSON.stringify(asked)}`, signedBy);
  }
  for (const name of ['source', 'id', 'type', 'time'] as const) {
    if (String(signed[name]) !== item[name]) return failed(`the item lists ${name} ${JSON.stringify(item[name])}, the signed event says ${JSON.stringify(signed[name])}`, signedBy);
  }
  return { check: { ...base, ok: true, ...signedBy }, verified: result.event };
}

function keyProblemAt(key: KeyHistory, at: number): string | null {
  if (Number.isNaN(at)) return 'the item has no receipt time to judge the key by';
  if (Date.parse(key.validFrom) > at) return 'the key was not valid yet when the registry received the event';
  if (key.expiresAt && Date.parse(key.expiresAt) <= at) return 'the key had expired when the registry received the event';
  if (key.revokedAt && Date.parse(key.revokedAt) <= at) return 'the key was revoked when the registry received the event';
  return null;
}

/**
 * The event exactly as the registry received it: a binary message's headers and body, or a structured event's
 * bytes (`eventBase64`; a registry from before it served them gives the text, `event`). The feed's parsed
 * `cloudEvent` is for reading only and is never used here.
 */
function receivedEvent(item: ServedEvent): CloudEventInput {
  if (item.mode === 'binary') {
    if (!item.headers || item.bodyBase64 === undefined) throw new Error('a binary-mode item needs headers and bodyBase64');
    const body = decodeBase64(item.bodyBase64);
    if (!body) throw new Error('bodyBase64 is not base64');
    return readBinary(item.headers as [string, string][], body);
  }
  if (typeof item.eventBase64 === 'string') {
    const bytes = decodeBase64(item.eventBase64);
    if (!bytes) throw new Error('eventBase64 is not base64');
    return scanStructured(bytes);
  }
  if (typeof item.event !== 'string') throw new Error('a structured or batch item needs the event bytes (eventBase64)');
  return scanStructured(Buffer.from(item.event, 'utf8'));
}

/** A verified event's data parsed as JSON: only the verified bytes are read. */
export function verifiedJson(event: VerifiedEvent): unknown {
  return JSON.parse(Buffer.from(event.data).toString('utf8'));
}
