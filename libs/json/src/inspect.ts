/** What the inspection can find wrong in a JSON text that JSON.parse accepts. */
export type JsonFlaw =
  /** A member name twice in one object: JSON.parse keeps the last, so two readers could see different values. */
  | 'duplicate_member'
  /** Arrays and objects nested deeper than `maxDepth`. */
  | 'too_deep'
  /** An object with more than `maxMembers` members. */
  | 'too_many_members'
  /** U+0000 in a string or member name (PostgreSQL text cannot hold it). */
  | 'nul_character'
  /** A UTF-16 surrogate without its pair (`"\ud800"`): not Unicode text, so neither PostgreSQL nor a consumer can take it. */
  | 'lone_surrogate';

export interface JsonFinding {
  flaw: JsonFlaw;
  /**
   * RFC 6901 pointer of the member or element at fault (for `too_deep`, of the value that opens one level too many;
   * for `too_many_members`, of the object).
   */
  pointer: string;
}

export interface InspectOptions {
  /** Deepest nesting of arrays and objects accepted (the top-level value is level 1). Default: no limit. */
  maxDepth?: number;
  /**
   * Most members accepted in one object. Default: no limit. Readers downstream may be quadratic in the members of
   * one object (class-transformer removes duplicate keys with indexOf), so a body reader bounds them here.
   */
  maxMembers?: number;
  /** Whether NUL characters and lone surrogates are flaws (default true). */
  checkText?: boolean;
  /** Receives the units of work done (one per character read, per name copied, per set operation), for tests of linearity. */
  meter?: { work: number };
}

type Frame = { names: Set<string>; name: string; expectName: boolean } | { names: undefined; index: number };

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

/**
 * One pass over a JSON text that JSON.parse has already accepted, finding the first duplicate member, nesting beyond
 * `maxDepth`, object of more than `maxMembers` members, NUL character or lone surrogate. The work is linear in the text: each character is read once, each
 * member name is copied once into its object's set, and the pointer is only assembled for the flaw it reports.
 */
export function inspectJson(text: string, options: InspectOptions = {}): JsonFinding | null {
  const maxDepth = options.maxDepth ?? Infinity;
  const maxMembers = options.maxMembers ?? Infinity;
  const checkText = options.checkText ?? true;
  const stack: Frame[] = [];
  const n = text.length;
  let work = 0;
  let i = 0;
  const found = (flaw: JsonFlaw, frames = stack): JsonFinding => {
    let pointer = '';
    for (const frame of frames) pointer += `/${frame.names ? escapeToken(frame.name) : frame.index}`;
    work += pointer.length;
    if (options.meter) options.meter.work += work;
    return { flaw, pointer };
  };
  while (i < n) {
    work++;
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = ++i;
      let escaped = false;
      let textFlaw: JsonFlaw | null = null;
      let pendingHigh = false;
      for (; i < n; i++) {
        work++;
        let u = text.charCodeAt(i);
        if (u === 0x22) break;
        if (u === 0x5c /* \ */) {
          escaped = true;
          const e = text.charCodeAt(i + 1);
          if (e === 0x75 /* u */) {
            u = Number.parseInt(text.slice(i + 2, i + 6), 16);
            i += 5;
            work += 5;
          } else {
            i++;
            u = 0x5c;
          }
        }
        if (!checkText || textFlaw !== null) continue;
        if (pendingHigh) {
          pendingHigh = false;
          if (isLow(u)) continue;
          textFlaw = 'lone_surrogate';
        } else if (isHigh(u)) pendingHigh = true;
        else if (isLow(u)) textFlaw = 'lone_surrogate';
        else if (u === 0) textFlaw = 'nul_character';
      }
      if (pendingHigh && textFlaw === null) textFlaw = 'lone_surrogate';
      const top = stack[stack.length - 1];
      if (top?.names && top.expectName) {
        const raw = text.slice(start, i);
        const name = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        work += 2 + raw.length;
        top.name = name;
        if (textFlaw !== null) return found(textFlaw);
        if (top.names.has(name)) return found('duplicate_member');
        if (top.names.size >= maxMembers) return found('too_many_members', stack.slice(0, -1));
        top.names.add(name);
        top.expectName = false;
      } else if (textFlaw !== null) {
        return found(textFlaw);
      }
      i++;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return found('too_deep');
      stack.push(c === 0x7b ? { names: new Set(), name: '', expectName: true } : { names: undefined, index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.names) top.expectName = true;
      else if (top) top.index++;
    }
    i++;
  }
  if (options.meter) options.meter.work += work;
  return null;
}

/** The JSON pointer of the first member name that appears twice in one object, or null (see inspectJson). */
export function findDuplicateMember(text: string): string | null {
  const finding = inspectJson(text, { checkText: false });
  return finding === null ? null : finding.pointer;
}

/** A member name as a JSON pointer reference token (RFC 6901). */
export const escapeToken = (token: string): string => (token.includes('~') || token.includes('/') ? token.replace(/~/g, '~0').replace(/\//g, '~1') : token);
