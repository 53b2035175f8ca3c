import { Buffer, isUtf8 } from 'node:buffer';

/** Why bytes are not strict JSON. The codes are the ones libs/dsse reports for the same faults in a CloudEvents body. */
export type JsonReadErrorCode =
  | 'not_utf8' // the bytes are not valid UTF-8
  | 'invalid_json' // not RFC 8259 JSON (or a byte order mark in front)
  | 'duplicate_member' // an object repeats a member name (compared after unescaping)
  | 'too_deep'; // arrays and objects nested deeper than the reader's bound

export class JsonReadError extends Error {
  override readonly name = 'JsonReadError';
  constructor(readonly code: JsonReadErrorCode, message: string) {
    super(message);
  }
}

/** Byte offsets of one member of an object the reader went through. */
export interface JsonMember {
  name: string;
  /** Just after the colon (whitespace before the value included from here). */
  afterColon: number;
  valueStart: number;
  valueEnd: number;
  /** The value is a string holding escapes (a string without any is its bytes between the quotes). */
  escaped: boolean;
}

export interface StrictReadOptions {
  /** Deepest nesting of arrays and objects accepted (the top-level value is level 1). Default 64. */
  readonly maxDepth?: number;
  /**
   * Receives the units of work a successful read did (one per byte read, plus the bytes of every name and value it
   * decodes and every set operation), so tests can show the work grows linearly with the input.
   */
  readonly meter?: { work: number };
}

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

// Member names repeat from object to object (every event of a batch names the same attributes), so short ones are
// kept in a small table keyed by their bytes: each is decoded once and handed out as the same string, which is
// cheaper to compare and to use as a property name. A name that misses (or collides) is decoded as any other.
const NAME_SLOTS = 1024; // a power of two
const NAME_MAX_BYTES = 32;
const keptNameBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(NAME_SLOTS).fill(undefined);
const keptNames: string[] = new Array<string>(NAME_SLOTS).fill('');

function keptName(buf: Buffer, start: number, end: number): string {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  const slot = hash & (NAME_SLOTS - 1);
  const kept = keptNameBytes[slot];
  if (kept !== undefined && kept.length === end - start) {
    let i = 0;
    while (i < kept.length && kept[i] === buf[start + i]) i++;
    if (i === kept.length) return keptNames[slot]!;
  }
  const name = buf.toString('utf8', start, end);
  keptNameBytes[slot] = new Uint8Array(buf.subarray(start, end));
  keptNames[slot] = name;
  return name;
}

/** Objects with at most this many members find a repeated name in a list; wider ones in a set. */
const FEW_MEMBERS = 16;

/**
 * A strict, single-pass JSON reader over bytes: valid UTF-8 without a byte order mark, the full RFC 8259 grammar,
 * no member name twice in one object at any depth (compared after unescaping), and nesting bounded before anything
 * is built. It builds no values: callers get the byte offsets of the members they ask for (libs/dsse reads
 * CloudEvents this way), or only the verdict (assertStrictJson). Throws JsonReadError.
 */
export class StrictJsonReader {
  /** The bytes being read. */
  readonly bytes: Buffer;
  private pos = 0;
  private readonly len: number;
  /** Work beyond reading each byte once (decoding, set operations): see StrictReadOptions.meter. */
  work = 0;
  /** Whether the last string token read held escapes. */
  private escapedString = false;

  constructor(input: Uint8Array | string, private readonly maxDepth: number) {
    const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (!isUtf8(buf)) throw new JsonReadError('not_utf8', 'the body is not valid UTF-8');
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) throw new JsonReadError('invalid_json', 'the body starts with a byte order mark');
    this.bytes = buf;
    this.len = buf.length;
  }

  /** Reads the whole input as one value; `top` is called with the offset of the top-level value. */
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
    return this.pos < this.len ? this.bytes[this.pos]! : -1;
  }

  ws(): void {
    while (this.pos < this.len && WS(this.bytes[this.pos]!)) this.pos++;
  }

  fail(message: string): never {
    throw new JsonReadError('invalid_json', `${message} at byte ${this.pos}`);
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
  object(depth: number, onMember?: (m: JsonMember) => void): number {
    if (depth > this.maxDepth) throw new JsonReadError('too_deep', `JSON nested deeper than ${this.maxDepth} levels`);
    this.pos++; // {
    const few: string[] = [];
    let many: Set<string> | null = null;
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
      let name: string;
      if (escaped || this.pos - nameStart - 2 > NAME_MAX_BYTES) name = this.decodeString(nameStart, this.pos, escaped);
      else {
        this.work += this.pos - nameStart;
        name = keptName(this.bytes, nameStart + 1, this.pos - 1);
      }
      if (many === null ? few.includes(name) : many.has(name)) throw new JsonReadError('duplicate_member', `duplicate member "${name}" at byte ${nameStart}`);
      if (many !== null) many.add(name);
      else if (few.push(name) > FEW_MEMBERS) many = new Set(few);
      this.work += 2;
      this.ws();
      if (this.peek() !== 0x3a) this.fail('expected ":"');
      this.pos++;
      const afterColon = this.pos;
      this.ws();
      const valueStart = this.pos;
      this.escapedString = false;
      const valueEnd = this.value(depth);
      onMember?.({ name, afterColon, valueStart, valueEnd, escaped: this.bytes[valueStart] === 0x22 && this.escapedString });
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
    if (depth > this.maxDepth) throw new JsonReadError('too_deep', `JSON nested deeper than ${this.maxDepth} levels`);
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
    const buf = this.bytes;
    const len = this.len;
    let escaped = false;
    // The position is kept in a local while the bytes between escapes are run over (most of a body is strings).
    let pos = this.pos + 1; // after the opening quote
    for (;;) {
      let c = -1;
      while (pos < len) {
        c = buf[pos]!;
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        pos++;
      }
      this.pos = pos;
      if (pos >= len) this.fail('unterminated string');
      if (c === 0x22) {
        this.pos = pos + 1;
        this.escapedString = escaped;
        return escaped;
      }
      if (c < 0x20) this.fail('control character in string');
      escaped = true;
      const e = buf[pos + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          const h = buf[pos + k];
          const hex = h !== undefined && ((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66));
          if (!hex) this.fail('bad \\u escape');
        }
        pos += 6;
        continue;
      }
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        pos += 2;
        continue;
      }
      this.fail('bad escape');
    }
  }

  private number(): void {
    const buf = this.bytes;
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
      if (this.bytes[this.pos + k] !== word.charCodeAt(k)) this.fail('bad literal');
    }
    this.pos += word.length;
  }

  /** The text of a string token [start, end) (quotes included). */
  decodeString(start: number, end: number, escaped: boolean): string {
    this.work += end - start;
    return escaped ? (JSON.parse(this.bytes.toString('utf8', start, end)) as string) : this.bytes.toString('utf8', start + 1, end - 1);
  }
}

/** Checks that bytes are strict JSON (see StrictJsonReader) before anything parses them. Throws JsonReadError. */
export function assertStrictJson(input: Uint8Array | string, options: StrictReadOptions = {}): void {
  const reader = new StrictJsonReader(input, options.maxDepth ?? 64);
  reader.document(() => reader.value(0), options.meter);
}
