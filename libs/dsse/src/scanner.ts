import { assertStrictJson as strictJson, type JsonMember, JsonReadError, StrictJsonReader } from '#plaza/json';
import { decodeBase64 } from './base64.js';
import { DsseError } from './errors.js';
import type { AttributeValue } from './types.js';

/** Byte offsets [start, end) into the body that was scanned. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One event found in a structured or batch body, read without re-serialising anything. */
export interface ScannedEvent {
  /** Position in the batch (0 in structured mode). */
  readonly index: number;
  /** Context attributes (core and extensions, including `dssematerial`); members whose value is null are left out. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The bytes the signature covers: the raw `data` text, the decoded `data_base64`, or empty. */
  readonly data: Uint8Array;
  /** Where the data came from. */
  readonly dataEncoding: 'json' | 'base64' | 'none';
  /**
   * For `data`: the raw member text from just after the colon to the end of the value (leading
   * whitespace included, as the published vectors require). For `data_base64`: the string token.
   */
  readonly dataRange?: ByteRange;
  /** The whole event object, from `{` to `}` inclusive. */
  readonly range: ByteRange;
  /** The `dssematerial` member's value token (quotes included), if the member is present. */
  readonly materialRange?: ByteRange;
}

export interface ScanOptions {
  /** Deepest nesting of arrays/objects accepted anywhere in the body (default 64). */
  readonly maxDepth?: number;
  /**
   * scanBatch: the most events accepted. Reading stops (DsseError `too_many_events`) as soon as one more begins,
   * so an oversized batch of tiny events costs no more than `maxEvents` of them.
   */
  readonly maxEvents?: number;
  /**
   * Receives the units of work a successful scan did (one per byte read, plus the bytes of every name and value it
   * decodes and every set operation), so tests can show the work grows linearly with the body.
   */
  readonly meter?: { work: number };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The strict JSON reader (libs/json) reports its faults with the codes DsseError uses for them. */
function asDsseError(error: unknown): unknown {
  return error instanceof JsonReadError ? new DsseError(error.code, error.message) : error;
}

/** Reads one event object at the reader's position. */
function readEvent(reader: StrictJsonReader, index: number, start: number, depth: number): ScannedEvent {
  const buf = reader.bytes;
  if (reader.peek() === -1) reader.fail('expected a JSON value');
  if (reader.peek() !== 0x7b) throw new DsseError('invalid_event', `event ${index} is not a JSON object`);
  const members: JsonMember[] = [];
  const end = reader.object(depth + 1, (m) => members.push(m));
  const attributes: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  let dataMember: JsonMember | undefined;
  let base64Member: JsonMember | undefined;
  let materialRange: ByteRange | undefined;
  for (const m of members) {
    reader.work += 1 + (m.valueEnd - m.valueStart);
    if (m.name === 'data') {
      dataMember = m;
      continue;
    }
    if (m.name === 'data_base64') {
      base64Member = m;
      continue;
    }
    const first = buf[m.valueStart];
    if (first === 0x7b || first === 0x5b) {
      throw new DsseError('invalid_attribute', `event ${index}: attribute "${m.name}" has an object or array value`);
    }
    if (m.name === 'dssematerial') materialRange = { start: m.valueStart, end: m.valueEnd };
    if (first === 0x6e) continue; // null: treated as absent
    if (first === 0x22) {
      if (!m.escaped) {
        // Valid UTF-8 cannot encode a surrogate: only an escape can make a lone one.
        attributes[m.name] = buf.toString('utf8', m.valueStart + 1, m.valueEnd - 1);
        continue;
      }
      const value = JSON.parse(buf.toString('utf8', m.valueStart, m.valueEnd)) as string;
      if (LONE_SURROGATE.test(value)) throw new DsseError('invalid_attribute', `event ${index}: attribute "${m.name}" contains a lone surrogate`);
      attributes[m.name] = value;
    } else if (first === 0x74 || first === 0x66) {
      attributes[m.name] = first === 0x74;
    } else {
      const raw = buf.toString('latin1', m.valueStart, m.valueEnd);
      const n = Number(raw);
      if (!/^-?(0|[1-9][0-9]*)$/.test(raw) || n < INT32_MIN || n > INT32_MAX) {
        throw new DsseError('invalid_attribute', `event ${index}: attribute "${m.name}" is not a CloudEvents Integer`);
      }
      attributes[m.name] = n;
    }
  }
  if (dataMember && base64Member) throw new DsseError('invalid_event', `event ${index} has both "data" and "data_base64"`);
  let data: Uint8Array = new Uint8Array(0);
  let dataEncoding: ScannedEvent['dataEncoding'] = 'none';
  let dataRange: ByteRange | undefined;
  if (dataMember) {
    dataRange = { start: dataMember.afterColon, end: dataMember.valueEnd };
    data = buf.subarray(dataRange.start, dataRange.end);
    dataEncoding = 'json';
  } else if (base64Member) {
    if (buf[base64Member.valueStart] !== 0x22) throw new DsseError('invalid_data_base64', `event ${index}: "data_base64" is not a string`);
    dataRange = { start: base64Member.valueStart, end: base64Member.valueEnd };
    const decoded = decodeBase64(JSON.parse(buf.toString('utf8', dataRange.start, dataRange.end)) as string);
    if (!decoded) throw new DsseError('invalid_data_base64', `event ${index}: "data_base64" is not valid base64`);
    data = decoded;
    dataEncoding = 'base64';
    reader.work += dataRange.end - dataRange.start;
  }
  const event: { -readonly [K in keyof ScannedEvent]: ScannedEvent[K] } = { index, attributes, data, dataEncoding, range: { start, end } };
  if (dataRange) event.dataRange = dataRange;
  if (materialRange) event.materialRange = materialRange;
  return event;
}

/**
 * Scans a structured-mode body (`application/cloudevents+json`): one JSON object. Throws DsseError
 * for anything that is not strict, duplicate-free JSON of one event.
 */
export function scanStructured(body: Uint8Array | string, options: ScanOptions = {}): ScannedEvent {
  try {
    const reader = new StrictJsonReader(body, options.maxDepth ?? 64);
    return reader.document((start) => readEvent(reader, 0, start, 0), options.meter);
  } catch (error) {
    throw asDsseError(error);
  }
}

/**
 * Scans a batch-mode body (`application/cloudevents-batch+json`): a JSON array of event objects.
 * The body is read once; any fault anywhere refuses the whole body (throws DsseError).
 */
export function scanBatch(body: Uint8Array | string, options: ScanOptions = {}): ScannedEvent[] {
  const events: ScannedEvent[] = [];
  const maxEvents = options.maxEvents ?? Infinity;
  try {
    const reader = new StrictJsonReader(body, options.maxDepth ?? 64);
    reader.document(() => {
      if (reader.peek() !== 0x5b) throw new DsseError('invalid_event', 'a batch body must be a JSON array');
      reader.array(1, (index, start) => {
        if (index >= maxEvents) throw new DsseError('too_many_events', `the batch holds more than ${maxEvents} events`);
        events.push(readEvent(reader, index, start, 1));
      });
    }, options.meter);
  } catch (error) {
    throw asDsseError(error);
  }
  return events;
}

/**
 * Checks that bytes are strict, duplicate-free JSON within the depth bound (used for the DSSE
 * envelope and payload before JSON.parse sees them). Throws DsseError.
 */
export function assertStrictJson(bytes: Uint8Array | string, options: ScanOptions = {}): void {
  try {
    strictJson(bytes, options);
  } catch (error) {
    throw asDsseError(error);
  }
}
