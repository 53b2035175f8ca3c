import { Buffer } from 'node:buffer';
import type { JsonWebKey } from 'node:crypto';
import { type AttributeValue, scanBatch, scanStructured, signBatch, signBinary, signStructured, type SigningKey } from '../../dsse/src/index.js';
import { createRegistryClient, type Problem } from './client.js';
import type { components } from './registry-api.js';

/**
 * A vendor's gateway: sign events with libs/dsse (the CloudEvents Verifiability extension) and send them to the
 * registry's exchange. Events stay exact bytes from first to last: nothing is parsed into objects and written back,
 * so what is signed is byte for byte what the registry receives, and a retry sends the very same bytes.
 */

export type EventMode = 'structured' | 'binary' | 'batch';

/** The registry takes at most this many events in one batch request. */
export const BATCH_LIMIT = 1000;

export interface EventFile {
  name: string;
  bytes: Uint8Array;
}

/** A signed HTTP message ready to send: its headers, exact body, and the events it carries (for reports). */
export interface SignedMessage {
  mode: EventMode;
  headers: Record<string, string>;
  body: Buffer;
  events: { source: string; id: string }[];
}

/** A private JWK (as `plaza keys generate` writes it) as a libs/dsse signing key: the DSSE keyid is the registered kid. */
export function signingKeyFromJwk(jwk: JsonWebKey & { kid?: unknown }): SigningKey {
  if (typeof jwk.d !== 'string') throw new Error('the key file holds a public key; signing needs the private JWK');
  if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new Error('the private JWK has no kid (plaza keys generate sets it to the RFC 7638 thumbprint the registry knows)');
  return { keyid: jwk.kid, privateKey: jwk };
}

/**
 * The exact bytes of every event object in the files, in order. A file holds one event (a JSON object) or
 * several (a JSON array, as in batch mode). The strict scanner of libs/dsse reads each file, so invalid JSON or a
 * duplicate member is refused here, before anything is signed.
 */
export function eventTexts(files: EventFile[]): Buffer[] {
  const texts: Buffer[] = [];
  for (const file of files) {
    const bytes = Buffer.from(file.bytes);
    try {
      const first = bytes.toString('utf8').trimStart()[0];
      const events = first === '[' ? scanBatch(bytes) : [scanStructured(bytes)];
      if (events.length === 0) throw new Error('the batch is empty');
      for (const event of events) texts.push(bytes.subarray(event.range.start, event.range.end));
    } catch (error) {
      throw new Error(`${file.name}: ${(error as Error).message}`);
    }
  }
  return texts;
}

/**
 * Signs the events as messages of one mode: one per event (structured, binary) or batches of up to BATCH_LIMIT.
 * Two events with the same source and id are refused: the registry keeps one event per id, so the second could
 * only be a duplicate or a conflict.
 */
export function signMessages(texts: Uint8Array[], key: SigningKey, mode: EventMode, signedExtensions: string[] = []): SignedMessage[] {
  const options = { signedExtensions };
  const buffers = texts.map((text) => Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  const seen = new Set<string>();
  for (const text of buffers) {
    const { source, id } = identity(text);
    const both = JSON.stringify([source, id]);
    if (seen.has(both)) throw new Error(`two events have source ${source} and id ${id}: an event id is sent once`);
    seen.add(both);
  }
  if (mode === 'batch') {
    const messages: SignedMessage[] = [];
    for (let start = 0; start < buffers.length; start += BATCH_LIMIT) {
      const chunk = buffers.slice(start, start + BATCH_LIMIT);
      const body = signBatch(Buffer.concat([Buffer.from('['), ...chunk.flatMap((t, i) => (i === 0 ? [t] : [Buffer.from(','), t])), Buffer.from(']')]), key, options);
      messages.push({ mode, headers: { 'content-type': 'application/cloudevents-batch+json' }, body, events: chunk.map(identity) });
    }
    return messages;
  }
  return buffers.map((text) => {
    if (mode === 'structured') {
      return { mode, headers: { 'content-type': 'application/cloudevents+json' }, body: signStructured(text, key, options), events: [identity(text)] };
    }
    const { headers, body } = toBinary(text);
    return { mode, headers: signBinary(headers, body, key, options), body, events: [identity(text)] };
  });
}

function identity(text: Buffer): { source: string; id: string } {
  const { attributes } = scanStructured(text);
  return { source: String(attributes.source ?? ''), id: String(attributes.id ?? '') };
}

/** Header values travel percent-encoded outside printable ASCII (and for space, `"` and `%`), as the HTTP binding says. */
const headerValue = (value: AttributeValue): string => String(value).replace(/[^\x21\x23-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * A structured event as a binary-mode message: each attribute becomes a `ce-` header (datacontenttype the
 * Content-Type), and the body is the data: the raw text of `data` (from its first byte, without the whitespace
 * after the colon) or the decoded `data_base64`.
 */
export function toBinary(text: Buffer): { headers: [string, string][]; body: Buffer } {
  const event = scanStructured(text);
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(event.attributes)) {
    if (name === 'dssematerial') continue;
    headers.push(name === 'datacontenttype' ? ['content-type', String(value)] : [`ce-${name}`, headerValue(value)]);
  }
  if (event.dataEncoding !== 'json') return { headers, body: Buffer.from(event.data) };
  let start = event.dataRange!.start;
  while (JSON_WHITESPACE.has(text[start]!)) start++;
  return { headers, body: Buffer.from(text.subarray(start, event.dataRange!.end)) };
}

// ---------------------------------------------------------------------------------------------
// Sending

export type EventStatus = 'accepted' | 'duplicate' | 'valid' | 'rejected' | 'failed';

/**
 * The registry's answer about one event. `rejected`: the registry refused the event itself (a 4xx problem about its
 * bytes, signature, key, source or data); sending it again as it is cannot succeed. `failed`: no answer (network), an
 * unexpected one, or a refusal that is not about the event (429, 5xx, 401, 408), still so after the retries: the
 * event may succeed later, so keep it and send it again (a retry is safe, see `sendMessages`).
 */
export interface EventOutcome {
  source: string;
  id: string;
  status: EventStatus;
  sequence?: string;
  code?: string;
  check?: string;
  detail?: string;
  errors?: { pointer?: string; detail?: string; message?: string }[];
}

export interface SendOptions {
  dryRun?: boolean;
  fetch?: (request: Request) => Promise<Response>;
  /** How many times a 429 or 503 (with Retry-After) is retried before its events count as `failed` (5). */
  retries?: number;
  /** The longest wait for one Retry-After, in seconds (60): a longer one is waited this long, then retried. */
  maxWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the registry reports about an event, in a result or a problem. */
type Reported = Pick<EventOutcome, 'sequence' | 'code' | 'check' | 'detail' | 'errors'>;
type Answer = components['schemas']['EventAcceptedResponse'] | components['schemas']['BatchResponse'];

/**
 * POSTs each message to the registry's exchange (or its dry run) and returns one outcome per event, in order.
 * A 429 or 503 is retried after its Retry-After, with the same signed bytes: idempotent by event id, since the
 * registry answers an event it already holds with the same content as a `duplicate` (with its sequence then).
 * One still refused after the last retry (or without Retry-After), another 5xx, or no answer at all leaves its
 * events `failed`, never `rejected`: they are to be sent again, not dropped.
 */
export async function sendMessages(registry: string, apiKey: string, messages: SignedMessage[], options: SendOptions = {}): Promise<EventOutcome[]> {
  const client = createRegistryClient({ baseUrl: registry, apiKey, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const path = options.dryRun ? '/api/v1/exchange/events/dry-run' : '/api/v1/exchange/events';
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const outcomes: EventOutcome[] = [];
  for (const message of messages) {
    const each = (status: EventStatus, extra: Partial<EventOutcome>) => message.events.map((e) => ({ ...e, status, ...extra }));
    let answer: Awaited<ReturnType<typeof post>> | undefined;
    let failure = '';
    const post = () =>
      // The body is the signed bytes as they are; openapi-fetch would otherwise serialise it as JSON.
      client.POST(path, { body: message.body as unknown as string, bodySerializer: (body: unknown) => body as BodyInit, headers: message.headers });
    for (let attempt = 0; ; attempt++) {
      try {
        answer = await post();
      } catch (error) {
        failure = error instanceof SyntaxError ? 'the registry answered without JSON' : `no answer from ${new URL(path, `${registry.replace(/\/+$/u, '')}/`).toString()}: ${(error as Error).message}`;
        answer = undefined;
        break;
      }
      const wait = Number(answer.response.headers.get('retry-after') ?? NaN);
      if ((answer.response.status !== 429 && answer.response.status !== 503) || !Number.isFinite(wait) || attempt >= (options.retries ?? 5)) break;
      await sleep(Math.min(Math.max(wait, 0), options.maxWaitSeconds ?? 60) * 1000);
    }
    if (!answer) {
      outcomes.push(...each('failed', { detail: failure }));
      continue;
    }
    const { error, response } = answer;
    const data = answer.data as Answer | undefined;
    if (response.ok && data !== undefined) {
      if ('results' in data) {
        message.events.forEach((event, index) => {
          const result = data.results.find((r) => r.index === index);
          outcomes.push(result ? outcomeOf(event, result.status, result) : { ...event, status: 'failed', detail: `the registry's answer has no result for event ${index}` });
        });
      } else {
        outcomes.push(...each(data.status, data.sequence !== undefined ? { sequence: data.sequence } : {}));
      }
    } else if (typeof error === 'object' && error !== null) {
      const problem = error as Problem & Reported;
      const status = refusesTheEvents(response.status) ? 'rejected' : 'failed';
      outcomes.push(...message.events.map((e) => outcomeOf(e, status, { ...problem, detail: problem.detail ?? problem.title ?? `HTTP ${response.status}` })));
    } else {
      outcomes.push(...each('failed', { detail: `the registry answered ${response.status} without JSON` }));
    }
  }
  return outcomes;
}

/**
 * A problem about the events themselves (4xx), as opposed to the registry being busy or down (429, 5xx), the
 * request timing out (408) or the API key not being accepted (401): those are worth sending again later.
 */
const refusesTheEvents = (status: number): boolean => status >= 400 && status < 500 && ![401, 408, 429].includes(status);

function outcomeOf(event: { source: string; id: string }, status: EventStatus, from: Reported): EventOutcome {
  const outcome: EventOutcome = { ...event, status };
  for (const field of ['sequence', 'code', 'check', 'detail', 'errors'] as const) {
    if (from[field] !== undefined && from[field] !== null) (outcome as unknown as Record<string, unknown>)[field] = from[field];
  }
  return outcome;
}

/** True when every event was accepted, a duplicate of an accepted one, or valid (dry run). */
export const allAccepted = (outcomes: EventOutcome[]): boolean => outcomes.every((o) => o.status !== 'rejected' && o.status !== 'failed');

export interface GatewayOptions extends Omit<SendOptions, 'dryRun'> {
  /** The registry, e.g. `https://registry.example.org`. */
  registry: string;
  /** An API key of the vendor's organisation. */
  apiKey: string;
  /** The private key of a signing key registered by the organisation (`signingKeyFromJwk` for a JWK). */
  key: SigningKey;
  /** Batch mode (default, up to 1000 events a request), structured or binary (one request per event). */
  mode?: EventMode;
  /** Extension attributes to sign as well as the core ones. */
  signedExtensions?: string[];
}

/**
 * The vendor's gateway in one call: each event (exact JSON bytes, or a string of them) is signed and sent, in
 * batches by default; one outcome per event, in order. Sending the same events again is safe: they come back as
 * duplicates.
 */
export function sendEvents(events: (Uint8Array | string)[], options: GatewayOptions & { dryRun?: boolean }): Promise<EventOutcome[]> {
  const texts = events.map((event) => (typeof event === 'string' ? Buffer.from(event, 'utf8') : event));
  return sendMessages(options.registry, options.apiKey, signMessages(texts, options.key, options.mode ?? 'batch', options.signedExtensions), options);
}
