import { Buffer } from 'node:buffer';
import type { JsonWebKey } from 'node:crypto';
import { type AttributeValue, scanBatch, scanStructured, signBatch, signBinary, signStructured, type SigningKey } from '#plaza/dsse';

/**
 * `plaza events sign|send`: a vendor's side of the exchange. Events are read from files as exact bytes and
 * signed with libs/dsse (the CloudEvents Verifiability extension); nothing is parsed into objects and written
 * back, so what is signed is byte for byte what the registry receives.
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

/** A private JWK as `plaza keys generate` writes it, as a libs/dsse signing key: the DSSE keyid is the registered kid. */
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

/** Signs the events as messages of one mode: one per event (structured, binary) or batches of up to BATCH_LIMIT. */
export function signMessages(texts: Buffer[], key: SigningKey, mode: EventMode, signedExtensions: string[] = []): SignedMessage[] {
  const options = { signedExtensions };
  if (mode === 'batch') {
    const messages: SignedMessage[] = [];
    for (let start = 0; start < texts.length; start += BATCH_LIMIT) {
      const chunk = texts.slice(start, start + BATCH_LIMIT);
      const body = signBatch(Buffer.concat([Buffer.from('['), ...chunk.flatMap((t, i) => (i === 0 ? [t] : [Buffer.from(','), t])), Buffer.from(']')]), key, options);
      messages.push({ mode, headers: { 'content-type': 'application/cloudevents-batch+json' }, body, events: chunk.map(identity) });
    }
    return messages;
  }
  return texts.map((text) => {
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

/** What `plaza events sign` prints: the body (structured, batch), or the headers, a blank line and the body (binary). */
export function formatMessage(message: SignedMessage): string {
  const body = message.body.toString('utf8');
  if (message.mode !== 'binary') return `${body}\n`;
  return `${Object.entries(message.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${body}\n`;
}

// ---------------------------------------------------------------------------------------------
// Sending

export type EventStatus = 'accepted' | 'duplicate' | 'valid' | 'rejected' | 'failed';

/** The registry's answer about one event. `failed`: no answer (network) or an unexpected one. */
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

export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body: Uint8Array }) => Promise<Response>;

export interface SendOptions {
  dryRun?: boolean;
  fetch?: Fetch;
  /** How many times a 429 or 503 (with Retry-After) is retried before the events count as failed. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Problem {
  code?: string;
  check?: string;
  detail?: string;
  title?: string;
  errors?: EventOutcome['errors'];
}

interface BatchAnswer {
  results: ({ index: number; status: EventStatus; sequence?: string } & Problem)[];
}

/**
 * POSTs each message to the registry's exchange (or its dry run) and returns one outcome per event, in order.
 * A 429 or 503 is retried after its Retry-After: the same signed bytes again, which the registry answers as
 * a duplicate if the first attempt was stored after all.
 */
export async function sendMessages(registry: string, apiKey: string, messages: SignedMessage[], options: SendOptions = {}): Promise<EventOutcome[]> {
  const url = new URL(options.dryRun ? '/api/v1/exchange/events/dry-run' : '/api/v1/exchange/events', registry).toString();
  const fetchImpl: Fetch = options.fetch ?? ((u, init) => fetch(u, { ...init, body: new Uint8Array(init.body) }));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const outcomes: EventOutcome[] = [];
  for (const message of messages) {
    const each = (status: EventStatus, extra: Partial<EventOutcome>) => message.events.map((e) => ({ ...e, status, ...extra }));
    let response: Response | undefined;
    let failure = '';
    for (let attempt = 0; ; attempt++) {
      try {
        response = await fetchImpl(url, { method: 'POST', headers: { ...message.headers, authorization: `Bearer ${apiKey}` }, body: message.body });
      } catch (error) {
        failure = `no answer from ${url}: ${(error as Error).message}`;
        response = undefined;
        break;
      }
      const wait = Number(response.headers.get('retry-after'));
      if ((response.status !== 429 && response.status !== 503) || !Number.isFinite(wait) || attempt >= (options.retries ?? 5)) break;
      await response.body?.cancel();
      await sleep(Math.min(wait, 60) * 1000);
    }
    if (!response) {
      outcomes.push(...each('failed', { detail: failure }));
      continue;
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      outcomes.push(...each('failed', { detail: `the registry answered ${response.status} without JSON` }));
      continue;
    }
    if (response.ok && message.mode === 'batch') {
      const results = (answer as BatchAnswer).results ?? [];
      message.events.forEach((event, index) => {
        const result = results.find((r) => r.index === index);
        outcomes.push(result ? outcomeOf(event, result.status, result) : { ...event, status: 'failed', detail: `the registry's answer has no result for event ${index}` });
      });
    } else if (response.ok) {
      const body = answer as { status: EventStatus; sequence?: string };
      outcomes.push(...each(body.status, body.sequence !== undefined ? { sequence: body.sequence } : {}));
    } else {
      const problem = answer as Problem;
      outcomes.push(...message.events.map((e) => outcomeOf(e, 'rejected', { ...problem, detail: problem.detail ?? problem.title ?? `HTTP ${response.status}` })));
    }
  }
  return outcomes;
}

function outcomeOf(event: { source: string; id: string }, status: EventStatus, from: Problem & { sequence?: string }): EventOutcome {
  const outcome: EventOutcome = { ...event, status };
  for (const field of ['sequence', 'code', 'check', 'detail', 'errors'] as const) {
    if (from[field] !== undefined && from[field] !== null) (outcome as unknown as Record<string, unknown>)[field] = from[field];
  }
  return outcome;
}

/** One line per event (with a line per schema or terms error), then a count by status. */
export function formatOutcomes(outcomes: EventOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    const tail =
      o.status === 'rejected' || o.status === 'failed'
        ? `${o.code ?? ''}${o.check ? ` (${o.check})` : ''}${o.detail ? `${o.code ? ': ' : ''}${o.detail}` : ''}`
        : o.sequence !== undefined
          ? `sequence ${o.sequence}`
          : '';
    lines.push(`${o.status.padEnd(9)} ${o.source} ${o.id}${tail ? `  ${tail}` : ''}`);
    for (const e of o.errors ?? []) lines.push(`          ${e.pointer ?? ''} ${e.detail ?? e.message ?? ''}`.trimEnd());
  }
  const counts = new Map<EventStatus, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  lines.push(`${outcomes.length} event${outcomes.length === 1 ? '' : 's'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** True when every event was accepted, a duplicate of an accepted one, or valid (dry run). */
export const allAccepted = (outcomes: EventOutcome[]): boolean => outcomes.every((o) => o.status !== 'rejected' && o.status !== 'failed');
