import { Buffer } from 'node:buffer';
import { type AttributeValue, DsseError, detectMode, normalizeTime, readBinary, scanBatch, scanStructured, type ScannedEvent } from '#plaza/dsse';
import { ExchangeError, ExchangeErrorCode, type Refusal } from '../exchange-error.js';
import { refusalOf } from './dsse-codes.js';

// Phase 1: the message's bytes become received events (binary, structured or batch mode), and check 1, the
// envelope, turns each into an enveloped event or a refusal. Nothing here touches the database.

export type Mode = 'binary' | 'structured' | 'batch';

/** A message as it arrived: Node's raw header list (repeats visible) and the body bytes. */
export interface RawMessage {
  rawHeaders: readonly string[];
  body: Buffer;
}

/** One event as the gateway received it, read from the raw bytes without re-serialising anything. */
export interface ReceivedEvent {
  /** Position in the batch (0 otherwise). */
  index: number;
  attributes: Readonly<Record<string, AttributeValue>>;
  /** The bytes the signature covers (see libs/dsse). */
  data: Uint8Array;
  /** `json`: the raw text of a structured `data` member, already read strictly with the whole body. */
  dataEncoding: 'json' | 'base64' | 'none' | 'binary';
  /** What is kept and served back: the event object's exact text (structured, batch) or the body (binary). */
  received: Buffer;
  /** Binary mode: the `ce-*` and Content-Type headers as received, in order. */
  headers?: [string, string][];
}

/** What reading a message gives: its events, or why its single event cannot be read (an unreadable batch is a problem, thrown). */
export type ReadMessage = { mode: Mode; events: ReceivedEvent[] } | { mode: Mode; unreadable: Refusal };

/** An event whose envelope passed: its identity and time, read once. */
export interface EnvelopedEvent extends ReceivedEvent {
  source: string;
  id: string;
  type: string;
  /** `time` exactly as sent, and the instant it names. */
  timeText: string;
  time: Date;
}

/** The envelope's time bounds around the receipt time. */
export interface TimeBounds {
  maxSkewSeconds: number;
  maxAgeSeconds: number;
}

export const MAX_BATCH = 1000;

/** The nesting the gateway reads (body and data alike); deeper JSON is refused before it is parsed. */
export const MAX_DEPTH = 64;

/**
 * Reads the events of a message. The headers are walked once: the first Content-Type decides the mode, and in binary
 * mode the `ce-*` and Content-Type headers are the event's attributes (kept as received, to serve back).
 */
export function readMessage(message: RawMessage): ReadMessage {
  let contentType: string | undefined;
  const headers: [string, string][] = [];
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'content-type') contentType ??= raw[i + 1];
    if (name.startsWith('ce-') || name === 'content-type') headers.push([raw[i]!, raw[i + 1]!]);
  }
  const mode = detectMode(contentType);
  try {
    if (mode === 'binary') return { mode, events: [readBinaryMessage(headers, message.body)] };
    if (mode === 'structured') return { mode, events: [readStructured(message.body)] };
    const events = readBatch(message.body);
    if (events.length === 0) throw new ExchangeError(ExchangeErrorCode.BatchEmpty, 'The batch holds no event.', { check: 'envelope' });
    return { mode, events };
  } catch (error) {
    if (!(error instanceof DsseError)) throw error;
    // Reading stopped at the first event past the bound: nothing beyond it was read.
    if (error.code === 'too_many_events') {
      throw new ExchangeError(ExchangeErrorCode.BatchTooLarge, `The batch holds more than ${MAX_BATCH} events; at most ${MAX_BATCH} are accepted in one request.`);
    }
    const refusal = readRefusal(error);
    if (mode === 'batch') throw ExchangeError.refusing(refusal);
    return { mode, unreadable: refusal };
  }
}

/** Why a body could not be read, as the envelope check reports it. */
export function readRefusal(error: unknown): Refusal {
  if (!(error instanceof DsseError)) throw error;
  return refusalOf(error, 'envelope');
}

const received = (body: Buffer) => (event: ScannedEvent): ReceivedEvent => ({
  index: event.index,
  attributes: event.attributes,
  data: event.data,
  dataEncoding: event.dataEncoding,
  received: body.subarray(event.range.start, event.range.end),
});

/** Reads a structured body: one event. Throws DsseError when the body is not one strict JSON event. */
export function readStructured(body: Buffer): ReceivedEvent {
  return received(body)(scanStructured(body, { maxDepth: MAX_DEPTH }));
}

/** Reads a batch body. Throws DsseError when the body is not a strict JSON array of event objects. */
export function readBatch(body: Buffer): ReceivedEvent[] {
  return scanBatch(body, { maxDepth: MAX_DEPTH, maxEvents: MAX_BATCH }).map(received(body));
}

/** Reads a binary-mode message from its `ce-*` and Content-Type headers as received (so repeats show). Throws DsseError on a repeat. */
function readBinaryMessage(headers: [string, string][], body: Buffer): ReceivedEvent {
  const event = readBinary(headers, body);
  return { index: 0, attributes: event.attributes, data: event.data, dataEncoding: 'binary', received: body, headers };
}

// CloudEvents: attribute names are lowercase letters and digits, at most 20 of them.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
const STRING_ATTRIBUTES: ReadonlySet<string> = new Set(['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time', 'dssematerial']);
// Bounds that keep an event's identity indexable: (source, id) is a unique key.
const MAX_BYTES: Record<string, number> = { id: 256, source: 512, type: 256 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const pointer = (name: string) => `/${name}`;

/**
 * Check 1, the envelope: attribute names, required attributes, no empty attribute, types and sizes, and `time` (required, RFC 3339,
 * whole seconds - the signature covers only seconds - and within the bounds around the receipt time).
 */
export function checkEnvelope(event: ReceivedEvent, receivedAt: Date, bounds: TimeBounds): EnvelopedEvent | Refusal {
  const refuse = (code: ExchangeErrorCode, detail: string, name?: string): Refusal => ({
    code, check: 'envelope', detail, ...(name !== undefined ? { errors: [{ pointer: pointer(name), detail }] } : {}),
  });
  const attributes = event.attributes;
  const names = Object.keys(attributes);
  for (const name of names) {
    if (!ATTRIBUTE_NAME.test(name)) return refuse(ExchangeErrorCode.AttributeNameInvalid, `"${printable(name)}" is not a CloudEvents attribute name (lowercase letters and digits, at most 20)`, name);
  }
  if (event.headers) {
    // Binary mode: what is stored is sent on to subscribers as it came, so it must be a message a webhook may carry.
    if (attributes.datacontenttype === undefined) {
      return refuse(ExchangeErrorCode.AttributeMissing, 'a binary-mode event needs a Content-Type (its datacontenttype): deliveries carry one, and adding it later would change what the signature covers', 'datacontenttype');
    }
    for (const [header, value] of event.headers) {
      if (!/^[\x20-\x7e]*$/.test(value)) {
        return refuse(ExchangeErrorCode.AttributeInvalid, `the ${printable(header.toLowerCase())} header holds characters outside printable ASCII: percent-encode them, as the HTTP binding requires`, header.toLowerCase().replace(/^ce-/, '').replace(/^content-type$/, 'datacontenttype'));
      }
    }
  }
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (value === undefined || value === '') return refuse(ExchangeErrorCode.AttributeMissing, `the required attribute "${name}" is missing or empty`, name);
  }
  for (const name of names) {
    const value = attributes[name]!;
    // CloudEvents: an attribute that is present is not empty. And the signature digests an empty attribute as an absent
    // one, so a relay could add `"subject": ""` to a signed event and it would still verify.
    if (value === '') return refuse(ExchangeErrorCode.AttributeEmpty, `the attribute "${name}" is present but empty: leave it out instead`, name);
    if (STRING_ATTRIBUTES.has(name) && typeof value !== 'string') return refuse(ExchangeErrorCode.AttributeInvalid, `"${name}" must be a string`, name);
    // PostgreSQL text cannot hold U+0000, and no attribute needs it.
    if (typeof value === 'string' && value.includes('\u0000')) return refuse(ExchangeErrorCode.AttributeInvalid, `"${name}" contains a NUL character (U+0000)`, name);
    const max = MAX_BYTES[name];
    if (max !== undefined && Buffer.byteLength(value as string) > max) return refuse(ExchangeErrorCode.AttributeInvalid, `"${name}" is longer than ${max} bytes`, name);
  }
  if (attributes.specversion !== '1.0') return refuse(ExchangeErrorCode.SpecversionUnsupported, `specversion must be "1.0", not "${printable(String(attributes.specversion))}"`, 'specversion');
  const timeText = attributes.time as string | undefined;
  if (timeText === undefined || timeText === '') return refuse(ExchangeErrorCode.TimeMissing, '"time" is required', 'time');
  const match = RFC3339.exec(timeText);
  let normalised: string | null = null;
  try {
    normalised = match ? normalizeTime(timeText) : null;
  } catch (error) {
    if (!(error instanceof DsseError)) throw error;
  }
  if (!match || normalised === null) return refuse(ExchangeErrorCode.TimeInvalid, `"time" is not an RFC 3339 timestamp with an offset: "${printable(timeText)}"`, 'time');
  if (match[1] !== undefined && /[1-9]/.test(match[1])) {
    return refuse(ExchangeErrorCode.TimeNotWholeSeconds, '"time" must be in whole seconds: the signature covers seconds only, so a fraction would be unsigned', 'time');
  }
  const time = new Date(normalised);
  const ahead = (time.getTime() - receivedAt.getTime()) / 1000;
  if (ahead > bounds.maxSkewSeconds) return refuse(ExchangeErrorCode.TimeOutOfBounds, `"time" is ${Math.round(ahead)} s ahead of the registry's clock (at most ${bounds.maxSkewSeconds} s)`, 'time');
  if (-ahead > bounds.maxAgeSeconds) return refuse(ExchangeErrorCode.TimeOutOfBounds, `"time" is ${Math.round(-ahead)} s old (at most ${bounds.maxAgeSeconds} s)`, 'time');
  // Spelled out rather than spread (a spread per event cost more than the rest of the check); the type makes sure
  // that every field of a received event is carried over.
  return {
    index: event.index, attributes, data: event.data, dataEncoding: event.dataEncoding, received: event.received, headers: event.headers,
    source: attributes.source as string, id: attributes.id as string, type: attributes.type as string, timeText, time,
  } satisfies { [K in keyof Required<EnvelopedEvent>]: EnvelopedEvent[K] };
}

// A UTF-16 surrogate without its pair: not Unicode text, so neither jsonb nor a consumer can take it.
export const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A value from a caller, fit to quote in a message and to store: no NUL, no unpaired surrogate, bounded. */
export function printable(value: string, max = 200): string {
  const clean = value.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
  // A cut between the two halves of a pair would leave the first half alone.
  return clean.length > max ? `${clean.slice(0, max).replace(LONE_SURROGATES, '\uFFFD')}…` : clean;
}
