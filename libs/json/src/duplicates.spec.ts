import { findDuplicateMember } from './duplicates.js';

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
