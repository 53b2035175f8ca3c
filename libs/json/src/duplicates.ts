/**
 * Finds the first object member name that appears twice in the same object of a JSON text.
 * JSON.parse silently keeps the last duplicate, so a body could say one thing to a raw reader
 * and another to the parser; Plaza refuses such bodies instead. The text is assumed to be
 * syntactically valid JSON (the caller parses it as well); the scan only tracks strings and nesting.
 * Returns the JSON pointer of the duplicated member, or null.
 */
export function findDuplicateMember(text: string): string | null {
  type Frame = { kind: 'object'; names: Set<string>; path: string; expectName: boolean } | { kind: 'array'; path: string; index: number };
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let escaped = false;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) { escaped = true; i += 2; continue; }
        if (d === 0x22) break;
        i++;
      }
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectName) {
        const raw = text.slice(start, i);
        const name = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        const pointer = `${top.path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (top.names.has(name)) return pointer;
        top.names.add(name);
        top.expectName = false;
      }
      i++;
      continue;
    }
    if (c === 0x7b /* { */) {
      stack.push({ kind: 'object', names: new Set(), path: currentPath(stack), expectName: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ kind: 'array', path: currentPath(stack), index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectName = true;
      else if (top?.kind === 'array') top.index++;
    }
    i++;
  }
  return null;

  function currentPath(frames: Frame[]): string {
    const top = frames[frames.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}/${top.index}`;
    const last = [...top.names].pop() ?? '';
    return `${top.path}/${last.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
}
