import { escapeToken } from '#plaza/json';
import type { PointerError } from '../exchange-error.js';

const MAX_REPORTED = 20;

// Agreements name few pointers and every event of a vendor is judged against the same ones: each is parsed once.
const PARSED_MAX = 1024;
const parsed = new Map<string, string[]>();

function tokensOf(pointer: string): string[] {
  let tokens = parsed.get(pointer);
  if (tokens === undefined) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    tokens = pointer.slice(1).split('/').map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
    parsed.set(pointer, tokens);
  }
  return tokens;
}

// An allowed pointer's token matches a data token when equal; `-` (any element, as the agreement writes array items) matches an index.
const matches = (allowed: string, actual: string, inArray: boolean) => allowed === actual || (allowed === '-' && inArray);

/**
 * The fields of `data` that no allowed pointer covers (check 6, the agreement's terms). A pointer allows the member
 * it names and everything under it; a member that is only on the way to allowed ones (`/location` for
 * `/location/lat`) is walked through, not allowed itself. With no allowed pointers, any member at all is outside.
 */
export function fieldsOutside(data: unknown, allowedPointers: readonly string[]): PointerError[] {
  const allowed = allowedPointers.map(tokensOf);
  const outside: PointerError[] = [];
  // [value, path tokens, pointer, the allowed pointers whose prefix matches the path so far]
  const pending: [unknown, number, string, string[][]][] = [[data, 0, '', allowed]];
  for (let next = pending.pop(); next !== undefined && outside.length < MAX_REPORTED; next = pending.pop()) {
    const [value, depth, at, candidates] = next;
    if (value === null || typeof value !== 'object') continue;
    const inArray = Array.isArray(value);
    const members = value as Record<string, unknown>;
    for (const name of Object.keys(members)) {
      // The allowed pointers that go on through this member; none needed once one names it.
      let onPath: string[][] | null = null;
      let allowedHere = false;
      for (const tokens of candidates) {
        if (tokens.length <= depth || !matches(tokens[depth]!, name, inArray)) continue;
        if (tokens.length === depth + 1) {
          allowedHere = true;
          break;
        }
        (onPath ??= []).push(tokens);
      }
      if (allowedHere) continue;
      const member = members[name];
      const pointer = `${at}/${escapeToken(name)}`;
      if (onPath === null || member === null || typeof member !== 'object') {
        outside.push({ pointer, detail: 'the agreement does not allow this field' });
        continue;
      }
      pending.push([member, depth + 1, pointer, onPath]);
    }
  }
  return outside.sort((a, b) => a.pointer.localeCompare(b.pointer));
}
