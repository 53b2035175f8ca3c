import { findDuplicateMember, inspectJson } from './inspect.js';

describe('findDuplicateMember', () => {
  it('accepts objects whose member names are distinct', () => {
    expect(findDuplicateMember('{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}')).toBeNull();
  });
  it('reports a duplicate at the top level', () => {
    expect(findDuplicateMember('{"a":1,"a":2}')).toBe('/a');
  });
  it('reports a duplicate inside a nested object with its pointer', () => {
    expect(findDuplicateMember('{"x":{"y":[1,{"k":1, "k" :2}]}}')).toBe('/x/y/1/k');
  });
  it('sees through escapes that spell the same name', () => {
    expect(findDuplicateMember('{"ab":1,"\\u0061b":2}')).toBe('/ab');
  });
  it('ignores braces and commas inside strings', () => {
    expect(findDuplicateMember('{"a":"{,\\"a\\":1}","b":"]"}')).toBeNull();
  });
});

describe('inspectJson', () => {
  it('refuses nesting beyond maxDepth with the pointer of the value that opens one level too many', () => {
    expect(inspectJson('[[[]]]', { maxDepth: 3 })).toBeNull();
    expect(inspectJson('{"a":[{"b":[]}]}', { maxDepth: 3 })).toEqual({ flaw: 'too_deep', pointer: '/a/0/b' });
    expect(inspectJson('['.repeat(5000) + ']'.repeat(5000), { maxDepth: 64 })).toEqual({ flaw: 'too_deep', pointer: '/0'.repeat(64) });
  });

  it('refuses an object of more than maxMembers members with the pointer of the object', () => {
    expect(inspectJson('{"a":1,"b":{"x":1,"y":2}}', { maxMembers: 2 })).toBeNull();
    expect(inspectJson('[{"a":{"x":1,"y":2,"z":3}}]', { maxMembers: 2 })).toEqual({ flaw: 'too_many_members', pointer: '/0/a' });
    expect(inspectJson('{"x":1,"y":2,"z":3}', { maxMembers: 2 })).toEqual({ flaw: 'too_many_members', pointer: '' });
  });

  it('finds a NUL character in a value or a member name, with its pointer', () => {
    expect(inspectJson('{"a":["x","y\\u0000"]}')).toEqual({ flaw: 'nul_character', pointer: '/a/1' });
    expect(inspectJson('{"a":{"k\\u0000":1}}')).toEqual({ flaw: 'nul_character', pointer: '/a/k\u0000' });
  });

  it('finds a lone surrogate, escaped or raw, in a value or a member name', () => {
    expect(inspectJson('{"name":"\\ud800"}')).toEqual({ flaw: 'lone_surrogate', pointer: '/name' });
    expect(inspectJson('{"name":"x\\udc00y"}')).toEqual({ flaw: 'lone_surrogate', pointer: '/name' });
    expect(inspectJson('{"name":"\\ud800\\u0041"}')).toEqual({ flaw: 'lone_surrogate', pointer: '/name' });
    expect(inspectJson('["ok","\ud800"]')).toEqual({ flaw: 'lone_surrogate', pointer: '/1' });
    expect(inspectJson('{"a/b":{"\\udfff":1}}')).toEqual({ flaw: 'lone_surrogate', pointer: '/a~1b/\udfff' });
  });

  it('accepts surrogate pairs however they are written', () => {
    expect(inspectJson('["\\ud83d\\ude00","😀","\\ud83d\ude00",{"😀":"\\uD83D\\uDE00"}]')).toBeNull();
  });

  it('ignores text flaws when asked only for structure', () => {
    expect(inspectJson('{"a":"\\u0000","b":"\\ud800"}', { checkText: false })).toBeNull();
  });
});

/**
 * Linearity is proven by counting work, not by timing: each shape is built at 1, 2, 4 and 8 times a base size, and the
 * work the inspection reports may at most double (with 10% slack) each time the input doubles.
 */
describe('inspectJson does work linear in its input', () => {
  const shapes: Record<string, (k: number) => string> = {
    'a wide object of {} members': (k) => `{${Array.from({ length: k }, (_, i) => `"m${i}":{}`).join(',')}}`,
    'a wide object of nested objects': (k) => `{${Array.from({ length: k }, (_, i) => `"m${i}":{"a":{"b":[{}]}}`).join(',')}}`,
    'deep arrays': (k) => '['.repeat(k) + ']'.repeat(k),
    'deep objects': (k) => '{"a":'.repeat(k) + '{}' + '}'.repeat(k),
    'many keys with long names': (k) => `{${Array.from({ length: k }, (_, i) => `"${'n'.repeat(40)}${i}":1`).join(',')}}`,
    'many arrays of strings': (k) => `[${Array.from({ length: k }, () => '["a","b"]').join(',')}]`,
    'a long string': (k) => `{"s":"${'x'.repeat(k * 10)}"}`,
    'many escapes': (k) => `{"s":"${'\\u0041\\n\\ud83d\\ude00'.repeat(k)}"}`,
    'escaped member names': (k) => `{${Array.from({ length: k }, (_, i) => `"\\u0061${i}":"\\ud83d\\ude00"`).join(',')}}`,
  };
  const workOf = (text: string) => {
    const meter = { work: 0 };
    expect(inspectJson(text, { meter })).toBeNull();
    return meter.work;
  };
  it.each(Object.entries(shapes))('on %s', (_shape, build) => {
    const base = 2000;
    const works = [1, 2, 4, 8].map((factor) => workOf(build(base * factor)));
    for (let step = 1; step < works.length; step++) expect(works[step]! / works[step - 1]!).toBeLessThanOrEqual(2.2);
    // and a small constant per character of input
    expect(works[3]! / build(base * 8).length).toBeLessThan(4);
  });
});
