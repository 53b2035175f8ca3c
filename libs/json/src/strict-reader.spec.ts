import { Buffer } from 'node:buffer';
import { assertStrictJson, JsonReadError, type JsonReadErrorCode } from './strict-reader.js';

const codeOf = (input: Uint8Array | string, maxDepth?: number): JsonReadErrorCode | null => {
  try {
    assertStrictJson(input, maxDepth === undefined ? {} : { maxDepth });
    return null;
  } catch (error) {
    if (error instanceof JsonReadError) return error.code;
    throw error;
  }
};

describe('assertStrictJson: strict JSON over bytes, judged before anything is parsed', () => {
  it('accepts any RFC 8259 value, with the whitespace the grammar allows around it', () => {
    for (const text of [' {"a":[1,-2.5e3,true,false,null,"\\u00e9"]} ', '"x"', '0', '[]', '\t\r\n{}']) expect(codeOf(text)).toBeNull();
  });

  it('names each fault with its code, the one libs/dsse reports for it in a CloudEvents body', () => {
    expect(codeOf(Buffer.from([0x22, 0xff, 0x22]))).toBe('not_utf8');
    expect(codeOf(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('invalid_json');
    expect(codeOf('{"a":1,}')).toBe('invalid_json');
    expect(codeOf('')).toBe('invalid_json');
    expect(codeOf('{"a":{"b":1,"\\u0062":2}}')).toBe('duplicate_member');
    expect(codeOf('[[[]]]', 3)).toBeNull();
    expect(codeOf('[[[[]]]]', 3)).toBe('too_deep');
  });

  it('reports the first fault in the text: a duplicate before a later grammar error, and the reverse', () => {
    expect(codeOf('{"a":1,"a":2,')).toBe('duplicate_member');
    expect(codeOf('{"a":1 "a":2}')).toBe('invalid_json');
  });

  it('refuses a depth bomb without recursing into it', () => {
    expect(codeOf(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBe('too_deep');
  });
});
