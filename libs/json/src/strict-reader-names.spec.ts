import { type JsonMember, JsonReadError, StrictJsonReader } from './strict-reader.js';

// The reader keeps short member names in a table keyed by their bytes, and finds a repeated name in a list for small
// objects: neither may change what it reads.

const namesOf = (text: string): string[] => {
  const reader = new StrictJsonReader(text, 8);
  const members: JsonMember[] = [];
  reader.document(() => reader.object(1, (m) => members.push(m)));
  return members.map((m) => m.name);
};

const codeOf = (text: string): string | null => {
  try {
    namesOf(text);
    return null;
  } catch (error) {
    if (error instanceof JsonReadError) return error.code;
    throw error;
  }
};

/** The table's slot of a name (FNV-1a of its UTF-8 bytes, low ten bits), as the reader computes it. */
function slotOf(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash & 1023;
}

describe('member names read through the kept-names table', () => {
  it('are the names as written, also when two share a slot of the table, read in turn', () => {
    const bySlot = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const name = `n${i}`;
      const other = bySlot.get(slotOf(name));
      if (other !== undefined) pair = [other, name];
      else bySlot.set(slotOf(name), name);
    }
    const [a, b] = pair;
    for (let round = 0; round < 3; round++) {
      expect(namesOf(`{"${a}":1}`)).toEqual([a]);
      expect(namesOf(`{"${b}":1}`)).toEqual([b]);
      expect(namesOf(`{"${a}":1,"${b}":2}`)).toEqual([a, b]);
    }
  });

  it('are decoded alike whether short or long, escaped or not, ASCII or not', () => {
    const long = 'x'.repeat(40);
    expect(namesOf(`{"é":1,"${long}":2,"\\u0061b":3,"😀":4}`)).toEqual(['é', long, 'ab', '😀']);
    expect(namesOf('{"ab":1}')).toEqual(['ab']);
  });

  it('are refused when repeated, in small objects and wide ones, however the repeat is spelled', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `"m${i}":${i}`).join(',');
    for (const width of [0, 5, 15, 16, 17, 40]) {
      const others = width > 0 ? `${members(width)},` : '';
      expect(codeOf(`{${others}"ab":1,"ab":2}`)).toBe('duplicate_member');
      expect(codeOf(`{${others}"ab":1,"\\u0061b":2}`)).toBe('duplicate_member');
      expect(codeOf(`{"ab":1,${others}"\\u0061b":2}`)).toBe('duplicate_member');
      expect(codeOf(`{${others}"ab":1,"ba":2}`)).toBeNull();
    }
  });
});
