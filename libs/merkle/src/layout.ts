/**
 * Pure index arithmetic of the RFC 9162 tree: which complete subtrees make up a range of leaves, and which ranges
 * an inclusion or consistency proof consists of. No hashing and no storage here.
 *
 * A complete subtree is addressed by `{ level, index }`: it covers the 2^level leaves
 * [index * 2^level, (index + 1) * 2^level). Level 0 holds the leaf hashes themselves. These are exactly the nodes
 * that never change once the log has grown past them, so they are what a store keeps.
 */

/** The address of a complete (perfect) subtree: 2^level leaves starting at leaf index * 2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A half-open range of leaf indexes [start, end). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** Throws unless `value` is a non-negative safe integer (tree sizes and indexes are plain numbers, up to 2^53). */
export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}

/** The largest power of two strictly smaller than n (n >= 2): the RFC 9162 split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete subtrees that make up MTH(D[start:end]), left to right, each as large as alignment allows.
 *
 * For every range that the RFC 9162 recursion produces (the whole tree, and both halves of any split of such a
 * range) `start` is a multiple of the power of two at or above the range's length, so this is the binary
 * decomposition of the length and the range's hash is the right fold of the subtrees' hashes:
 * MTH = H(s0, H(s1, ... H(s[j-1], s[j]))). `rangeHash` relies on that.
 */
export function subtreesOf(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    let level = 0;
    let width = 1;
    while (start % (width * 2) === 0 && start + width * 2 <= range.end) {
      level++;
      width *= 2;
    }
    out.push({ level, index: start / width });
    start += width;
  }
  return out;
}

/**
 * The ranges whose hashes form the inclusion proof of leaf `index` in the tree of `size` leaves
 * (RFC 9162 section 2.1.3.1, PATH(m, D[n])), ordered from the leaf up to the root.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  assertCount('size', size);
  assertCount('index', index);
  if (index >= size) throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  const topDown: LeafRange[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
      topDown.push({ start: start + k, end: start + n });
      n = k;
    } else {
      // PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
      topDown.push({ start, end: start + k });
      start += k;
      m -= k;
      n -= k;
    }
  }
  return topDown.reverse();
}

/**
 * The ranges whose hashes form the consistency proof between the trees of `m` and `n` leaves
 * (RFC 9162 section 2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true)), in proof order.
 * Empty when m = n (as the RFC defines) and when m = 0 (every tree extends the empty tree).
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  assertCount('m', m);
  assertCount('n', n);
  if (m > n) throw new RangeError(`cannot prove consistency from size ${m} to the smaller size ${n}`);
  if (m === 0 || m === n) return [];
  const topDown: LeafRange[] = [];
  let start = 0;
  let first = m;
  let second = n;
  let completeSubtree = true; // the RFC's flag b: the old tree is still a complete subtree we are inside of
  while (first !== second) {
    const k = splitPoint(second);
    if (first <= k) {
      // SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      topDown.push({ start: start + k, end: start + second });
      second = k;
    } else {
      // SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      topDown.push({ start, end: start + k });
      start += k;
      first -= k;
      second -= k;
      completeSubtree = false;
    }
  }
  // SUBPROOF(m, D[m], true) = {} ; SUBPROOF(m, D[m], false) = {MTH(D[m])}
  if (!completeSubtree) topDown.push({ start, end: start + first });
  return topDown.reverse();
}
