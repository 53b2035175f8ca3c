import { Buffer } from 'node:buffer';
import { type AttributeValue, DsseError, type DsseErrorCode, normalizeTime, readBinary, scanBatch, scanStructured, type ScannedEvent } from '#plaza/dsse';
import { ExchangeErrorCode, type Refusal } from './exchange-error.js';

export type Mode = 'binary' | 'structured' | 'batch';

/** One event as the gateway received it, read from the raw bytes without re-serialising anything. */
export interface ReceivedEvent {
  /** Position in the batch (0 otherwise). */
  index: number;
  mode: Mode;
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
const MAX_DEPTH = 64;

const READ_CODES: Partial<Record<DsseErrorCode, ExchangeErrorCode>> = {
  duplicate_member: ExchangeErrorCode.DuplicateMember,
  too_deep: ExchangeErrorCode.TooDeep,
  repeated_header: ExchangeErrorCode.RepeatedHeader,
  invalid_attribute: ExchangeErrorCode.AttributeInvalid,
  invalid_data_base64: ExchangeErrorCode.AttributeInvalid,
};

/** Why a body (or data) could not be read, as the envelope check reports it. */
export function readRefusal(error: unknown): Refusal {
  if (!(error instanceof DsseError)) throw error;
  return { code: READ_CODES[error.code] ?? ExchangeErrorCode.BodyUnreadable, check: 'envelope', detail: error.message };
}

const fromScanned = (mode: Mode, body: Buffer) => (event: ScannedEvent): ReceivedEvent => ({
  index: event.index,
  mode,
  attributes: event.attributes,
  data: event.data,
  dataEncoding: event.dataEncoding,
  received: body.subarray(event.range.start, event.range.end),
});

/** Reads a structured body: one event. Throws DsseError when the body is not one strict JSON event. */
export function readStructured(body: Buffer): ReceivedEvent {
  return fromScanned('structured', body)(scanStructured(body, { maxDepth: MAX_DEPTH }));
}

/** Reads a batch body. Throws DsseError when the body is not a strict JSON array of event objects. */
export function readBatch(body: Buffer): ReceivedEvent[] {
  return scanBatch(body, { maxDepth: MAX_DEPTH, maxEvents: MAX_BATCH }).map(fromScanned('batch', body));
}

/** Reads a binary-mode message from Node's raw header list (so repeated headers show). Throws DsseError on a repeat. */
export function readBinaryMessage(rawHeaders: readonly string[], body: Buffer): ReceivedEvent {
  const event = readBinary(rawHeaders, body);
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name.startsWith('ce-') || name === 'content-type') headers.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  }
  return { index: 0, mode: 'binary', attributes: event.attributes, data: event.data, dataEncoding: 'binary', received: body, headers };
}

// CloudEvents: attribute names are lowercase letters and digits, at most 20 of them.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
const STRING_ATTRIBUTES = ['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time', 'dssematerial'];
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
  for (const name of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) return refuse(ExchangeErrorCode.AttributeNameInvalid, `"${printable(name)}" is not a CloudEvents attribute name (lowercase letters and digits, at most 20)`, name);
  }
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (value === undefined || value === '') return refuse(ExchangeErrorCode.AttributeMissing, `the required attribute "${name}" is missing or empty`, name);
  }
  for (const [name, value] of Object.entries(attributes)) {
    // CloudEvents: an attribute that is present is not empty. And the signature digests an empty attribute as an absent
    // one, so a relay could add `"subject": ""` to a signed event and it would still verify.
    if (value === '') return refuse(ExchangeErrorCode.AttributeEmpty, `the attribute "${name}" is present but empty: leave it out instead`, name);
    if (STRING_ATTRIBUTES.includes(name) && typeof value !== 'string') return refuse(ExchangeErrorCode.AttributeInvalid, `"${name}" must be a string`, name);
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
  return { ...event, source: attributes.source as string, id: attributes.id as string, type: attributes.type as string, timeText, time };
}

// A UTF-16 surrogate without its pair: not Unicode text, so neither jsonb nor a consumer can take it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** A value from a caller, fit to quote in a message and to store: no NUL, no unpaired surrogate, bounded. */
export function printable(value: string, max = 200): string {
  const clean = value.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
  // A cut between the two halves of a pair would leave the first half alone.
  return clean.length > max ? `${clean.slice(0, max).replace(LONE_SURROGATES, '\uFFFD')}…` : clean;
}

const JSON_MEDIA = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$/i;

/** The event's `data` as a JSON value, or why it cannot be validated (check 5). Strict: no duplicates, no depth bomb, no NUL, no unsafe numbers. */
export function readData(event: ReceivedEvent): { value: unknown } | Refusal {
  const refuse = (code: ExchangeErrorCode, detail: string, errors?: { pointer: string; detail: string }[]): Refusal => ({ code, check: 'standard', detail, ...(errors ? { errors } : {}) });
  const contentType = event.attributes.datacontenttype;
  if (typeof contentType === 'string' && !JSON_MEDIA.test(contentType.trim())) {
    return refuse(ExchangeErrorCode.DataNotJson, `datacontenttype "${printable(contentType)}" is not JSON; standards describe JSON data`);
  }
  if (event.dataEncoding === 'none' || (event.dataEncoding === 'binary' && event.data.length === 0)) return refuse(ExchangeErrorCode.DataMissing, 'the event has no data');
  const bytes = Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength);
  if (event.dataEncoding !== 'json') {
    // The one strict JSON reader (grammar, duplicate members, depth) is the dsse scanner: data bytes go through it as
    // the `data` member of an otherwise empty event.
    try {
      scanStructured(Buffer.concat([Buffer.from('{"data":'), bytes, Buffer.from('}')]), { maxDepth: MAX_DEPTH + 1 });
    } catch (error) {
      const refusal = readRefusal(error);
      const code = refusal.code === ExchangeErrorCode.BodyUnreadable ? ExchangeErrorCode.DataNotJson : refusal.code;
      return refuse(code, `the data is not strict JSON: ${refusal.detail}`);
    }
  }
  const text = bytes.toString('utf8');
  const value: unknown = JSON.parse(text);
  // Raw UTF-8 cannot encode a surrogate (the body was checked): only a \uD800-\uDFFF escape can make one.
  const problem = unsafeValue(value, text.includes('\\u0000'), /\\u[dD][89a-fA-F]/.test(text));
  if (problem) return refuse(problem.code, problem.detail, [{ pointer: problem.pointer, detail: problem.detail }]);
  return { value };
}

/** A value met in the walk, and where: the pointer is only spelled out for the value at fault. */
interface Visit {
  value: unknown;
  parent: Visit | undefined;
  token: string;
}

function pointerOf(visit: Visit): string {
  const tokens: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) tokens.push(escapeToken(at.token));
  return tokens.reverse().map((token) => `/${token}`).join('');
}

/**
 * The first string (or member name) holding U+0000 or an unpaired surrogate (each only looked for when the text
 * escapes one), or number beyond ±(2^53 - 1). Linear in the value: each value is visited once.
 */
function unsafeValue(root: unknown, mayHoldNul: boolean, mayHoldSurrogate: boolean): { code: ExchangeErrorCode; pointer: string; detail: string } | null {
  const loneSurrogate = (at: Visit, what: string) => ({
    code: ExchangeErrorCode.DataNotJson, pointer: printable(pointerOf(at), 300), detail: `${what} an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not Unicode text`,
  });
  const pending: Visit[] = [{ value: root, parent: undefined, token: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value } = next;
    if (typeof value === 'number' && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      return { code: ExchangeErrorCode.DataNumberOutOfRange, pointer: pointerOf(next), detail: 'a number beyond ±(2^53 - 1) cannot be read the same way by every consumer' };
    }
    if (mayHoldNul && typeof value === 'string' && value.includes('\u0000')) return { code: ExchangeErrorCode.DataNulCharacter, pointer: pointerOf(next), detail: 'text contains a NUL character (U+0000)' };
    if (mayHoldSurrogate && typeof value === 'string' && LONE_SURROGATE.test(value)) return loneSurrogate(next, 'text contains');
    if (value === null || typeof value !== 'object') continue;
    for (const [name, member] of Object.entries(value)) {
      const child: Visit = { value: member, parent: next, token: name };
      if (mayHoldNul && name.includes('\u0000')) return { code: ExchangeErrorCode.DataNulCharacter, pointer: pointerOf(child), detail: 'a member name contains a NUL character (U+0000)' };
      if (mayHoldSurrogate && LONE_SURROGATE.test(name)) return loneSurrogate(child, 'a member name contains');
      pending.push(child);
    }
  }
  return null;
}

export const escapeToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
