import { RE2JS } from 're2js';

/**
 * Regular expressions for schemas, run by re2js: a pure-JavaScript port of RE2 whose matching time is
 * linear in the input, so no `pattern` or `patternProperties` can stall the exchange's hot path
 * (`^(a+)+$` against a long `aaaa…!` is as cheap as any other pattern).
 *
 * JSON Schema patterns are ECMA-262 regular expressions. A pattern is accepted only when BOTH engines
 * accept it: V8 compiles it with the `u` flag (it is valid ECMA-262, so other tools read it the same
 * way; compiling never matches, so this costs nothing dangerous) and re2js compiles it. That refuses
 * what RE2 cannot do in linear time (backreferences, lookahead, lookbehind) and RE2-only syntax
 * (`(?i)`, POSIX classes). The only rewriting is ECMA's `\uXXXX` / `\u{X…}` escapes to RE2's
 * `\x{…}`. Remaining differences, which only make RE2 slightly stricter: `\s` is ASCII whitespace,
 * `.` also matches `\r`, `\u2028` and `\u2029`.
 */

/** Why a pattern was refused. */
export class PatternRefusedError extends Error {
  override readonly name = 'PatternRefusedError';
  constructor(readonly pattern: string, readonly reason: string) {
    super(`pattern ${JSON.stringify(pattern)} is refused: ${reason}`);
  }
}

/** The most characters a schema pattern may have. */
export const MAX_PATTERN_LENGTH = 1000;

/** A compiled, linear-time pattern with the `test` that ajv calls. */
export interface LinearRegExp {
  test(input: string): boolean;
  toString(): string;
}

/** Compiles an ECMA-262 pattern into a linear-time matcher, or throws {@link PatternRefusedError}. */
export function compileLinearRegExp(pattern: string): LinearRegExp {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternRefusedError(pattern.slice(0, 40) + '…', `longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new PatternRefusedError(pattern, `not a valid ECMA-262 regular expression (${(error as Error).message})`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translateUnicodeEscapes(pattern));
  } catch (error) {
    throw new PatternRefusedError(pattern, `the linear-time engine cannot run it (${(error as Error).message})`);
  }
  // ajv de-duplicates patterns by `toString()`: it must be distinct per pattern.
  const key = `re2:${pattern}`;
  return { test: (input: string) => compiled.test(input), toString: () => key };
}

/**
 * The engine in the shape of ajv's `code.regExp` option (`(pattern, flags) => { test }` with a
 * `code` property naming it for standalone code, which Plaza does not generate).
 */
export const linearRegExpEngine = Object.assign((pattern: string, _flags: string): LinearRegExp => compileLinearRegExp(pattern), {
  code: 'plazaLinearRegExp',
});

/** `\uXXXX` and `\u{X…}` (ECMA) become `\x{…}` (RE2); every other escape pair is copied unchanged. */
function translateUnicodeEscapes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = pattern[i + 1] ?? '';
    if (next === 'u') {
      const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 2));
      if (braced) {
        out += `\\x{${braced[1]}}`;
        i += 1 + braced[0].length;
        continue;
      }
      const four = /^[0-9A-Fa-f]{4}/.exec(pattern.slice(i + 2));
      if (four) {
        out += `\\x{${four[0]}}`;
        i += 5;
        continue;
      }
    }
    out += c + next;
    i++;
  }
  return out;
}
