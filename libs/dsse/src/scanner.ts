import { Buffer, isUtf8 } from 'node:buffer';
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

interface Member {
  name: string;
  afterColon: number;
  valueStart: number;
  valueEnd: number;
}

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * A strict, single-pass JSON reader over bytes. It validates the full RFC 8259 grammar, refuses
 * duplicate member names in every object at every depth (compared after unescaping), and bounds
 * nesting. It builds no values: callers get byte offsets of the members they ask for.
 */
class RawJson {
  private pos = 0;
  private readonly len: number;
  /** Work beyond reading each byte once (decoding, set operations): see ScanOptions.meter. */
  work = 0;

  constructor(private readonly buf: Buffer, private readonly maxDepth: number) {
    this.len = buf.length;
  }

  /** Reads the whole body as one value; `top` is called with the offsets of the top-level value. */
  document<T>(top: (start: number) => T, meter?: { work: number }): T {
    this.ws();
    const result = top(this.pos);
    this.ws();
    if (this.pos !== this.len) this.fail('unexpected content after the JSON value');
    // Every loop of the reader moves pos forward, so pos counts the bytes read.
    if (meter) meter.work += this.pos + this.work;
    return result;
  }

  peek(): number {
    return this.pos < this.len ? this.buf[this.pos]! : -1;
  }

  ws(): void {
    while (this.pos < this.len && WS(this.buf[this.pos]!)) this.pos++;
  }

  fail(message: string): never {
    throw new DsseError('invalid_json', `${message} at byte ${this.pos}`);
  }

  /** Any value. Returns the end offset. */
  value(depth: number): number {
    const c = this.peek();
    if (c === 0x7b) this.object(depth + 1);
    else if (c === 0x5b) this.array(depth + 1);
    else if (c === 0x22) this.string();
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.number();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.fail('expected a JSON value');
    return this.pos;
  }

  /** An object; `onMember` (if any) receives each member's offsets. Duplicate names are refused. */
  object(depth: number, onMember?: (m: Member) => void): number {
    if (depth > this.maxDepth) throw new DsseError('too_deep', `JSON nested deeper than ${this.maxDepth} levels`);
    this.pos++; // {
    const names = new Set<string>();
    this.ws();
    if (this.peek() === 0x7d) {
      this.pos++;
      return this.pos;
    }
    for (;;) {
      this.ws();
      if (this.peek() !== 0x22) this.fail('expected a member name');
      const nameStart = this.pos;
      const escaped = this.string();
      const name = this.decodeString(nameStart, this.pos, escaped);
      if (names.has(name)) throw new DsseError('duplicate_member', `duplicate member "${name}" at byte ${nameStart}`);
      names.add(name);
      this.work += 2;
      this.ws();
      if (this.peek() !== 0x3a) this.fail('expected ":"');
      this.pos++;
      const afterColon = this.pos;
      this.ws();
      const valueStart = this.pos;
      const valueEnd = this.value(depth);
      onMember?.({ name, afterColon, valueStart, valueEnd });
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return this.pos;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
  }

  /** An array; `onElement` (if any) is called at the start of each element and must consume it. */
  array(depth: number, onElement?: (index: number, start: number) => void): number {
    if (depth > this.maxDepth) throw new DsseError('too_deep', `JSON nested deeper than ${this.maxDepth} levels`);
    this.pos++; // [
    this.ws();
    if (this.peek() === 0x5d) {
      this.pos++;
      return this.pos;
    }
    for (let index = 0; ; index++) {
      this.ws();
      if (onElement) onElement(index, this.pos);
      else this.value(depth);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === 0x5d) return this.pos;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  /** A string token; returns whether it contains escapes. */
  string(): boolean {
    const buf = this.buf;
    let escaped = false;
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.len) this.fail('unterminated string');
      const c = buf[this.pos]!;
      if (c === 0x22) {
        this.pos++;
        return escaped;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        escaped = true;
        const e = buf[this.pos + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = buf[this.pos + k];
            const hex = h !== undefined && ((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66));
            if (!hex) this.fail('bad \\u escape');
          }
          this.pos += 6;
          continue;
        }
        if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          this.pos += 2;
          continue;
        }
        this.fail('bad escape');
      }
      this.pos++;
    }
  }

  private number(): void {
    const buf = this.buf;
    const digits = (): number => {
      const s = this.pos;
      while (this.pos < this.len && buf[this.pos]! >= 0x30 && buf[this.pos]! <= 0x39) this.pos++;
      return this.pos - s;
    };
    if (buf[this.pos] === 0x2d) this.pos++;
    if (buf[this.pos] === 0x30) this.pos++;
    else if (digits() === 0) this.fail('bad number');
    if (buf[this.pos] === 0x2e) {
      this.pos++;
      if (digits() === 0) this.fail('bad number fraction');
    }
    if (buf[this.pos] === 0x65 || buf[this.pos] === 0x45) {
      this.pos++;
      if (buf[this.pos] === 0x2b || buf[this.pos] === 0x2d) this.pos++;
      if (digits() === 0) this.fail('bad number exponent');
    }
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.buf[this.pos + k] !== word.charCodeAt(k)) this.fail('bad literal');
    }
    this.pos += word.length;
  }

  /** The text of a string token [start, end) (quotes included). */
  decodeString(start: number, end: number, escaped: boolean): string {
    this.work += end - start;
    const s = escaped ? (JSON.parse(this.buf.toString('utf8', start, end)) as string) : this.buf.toString('utf8', start + 1, end - 1);
    return s;
  }
}

function toBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function checkedBody(body: Uint8Array | string): Buffer {
  const buf = toBuffer(body);
  if (!isUtf8(buf)) throw new DsseError('not_utf8', 'the body is not valid UTF-8');
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) throw new DsseError('invalid_json', 'the body starts with a byte order mark');
  return buf;
}

/** Reads one event object at the reader's position. */
function readEvent(reader: RawJson, buf: Buffer, index: number, start: number, depth: number): ScannedEvent {
  if (reader.peek() === -1) reader.fail('expected a JSON value');
  if (reader.peek() !== 0x7b) throw new DsseError('invalid_event', `event ${index} is not a JSON object`);
  const members: Member[] = [];
  const end = reader.object(depth + 1, (m) => members.push(m));
  const attributes: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  let dataMember: Member | undefined;
  let base64Member: Member | undefined;
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
      const text = buf.toString('utf8', m.valueStart, m.valueEnd);
      const value = JSON.parse(text) as string;
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
  const event: ScannedEvent = {
    index,
    attributes,
    data,
    dataEncoding,
    range: { start, end },
    ...(dataRange ? { dataRange } : {}),
    ...(materialRange ? { materialRange } : {}),
  };
  return event;
}

/**
 * Scans a structured-mode body (`application/cloudevents+json`): one JSON object. Throws DsseError
 * for anything that is not strict, duplicate-free JSON of one event.
 */
export function scanStructured(body: Uint8Array | string, options: ScanOptions = {}): ScannedEvent {
  const buf = checkedBody(body);
  const reader = new RawJson(buf, options.maxDepth ?? 64);
  return reader.document((start) => readEvent(reader, buf, 0, start, 0), options.meter);
}

/**
 * Scans a batch-mode body (`application/cloudevents-batch+json`): a JSON array of event objects.
 * The body is read once; any fault anywhere refuses the whole body (throws DsseError).
 */
export function scanBatch(body: Uint8Array | string, options: ScanOptions = {}): ScannedEvent[] {
  const buf = checkedBody(body);
  const reader = new RawJson(buf, options.maxDepth ?? 64);
  const events: ScannedEvent[] = [];
  const maxEvents = options.maxEvents ?? Infinity;
  reader.document(() => {
    if (reader.peek() !== 0x5b) throw new DsseError('invalid_event', 'a batch body must be a JSON array');
    reader.array(1, (index, start) => {
      if (index >= maxEvents) throw new DsseError('too_many_events', `the batch holds more than ${maxEvents} events`);
      events.push(readEvent(reader, buf, index, start, 1));
    });
  }, options.meter);
  return events;
}

/**
 * Checks that bytes are strict, duplicate-free JSON within the depth bound (used for the DSSE
 * envelope and payload before JSON.parse sees them). Throws DsseError.
 */
export function assertStrictJson(bytes: Uint8Array | string, options: ScanOptions = {}): void {
  const buf = checkedBody(bytes);
  const reader = new RawJson(buf, options.maxDepth ?? 64);
  reader.document(() => reader.value(0), options.meter);
}
