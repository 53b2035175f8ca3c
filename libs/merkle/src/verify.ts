/**
 * Proof verification per RFC 9162 sections 2.1.3.2 and 2.1.4.2. Pure: needs only the hasher, never a store, and
 * never throws on malformed input (a proof from an untrusted server simply fails to verify).
 *
 * Sizes and indexes are plain numbers; the RFC's bit operations are done arithmetically (`% 2`, halving) so that
 * sizes above 2^31 work.
 */
import { equalBytes, type TreeHasher } from './hasher.js';

/**
 * True iff `proof` proves that `leafHash` (= `hasher.leaf(entry)`) is leaf `index` of the tree of `size` leaves
 * whose root is `root`.
 *
 * An inclusion proof does not bind the tree size on its own: for some indexes the same path also verifies against
 * a neighbouring size with the same root (see the spec). Trust a (size, root) pair only from a signed checkpoint.
 */
export async function verifyInclusion(
  hasher: TreeHasher,
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (!isCount(index) || !isCount(size) || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false; // the path is longer than the tree is deep
    if (isOdd(fn) || fn === sn) {
      r = await hasher.node(p, r);
      // Skip the levels where this node is the last one and has no right sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await hasher.node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * True iff `proof` proves that the tree of `m` leaves with root `rootM` is a prefix of the tree of `n` leaves with
 * root `rootN`. For m = n the proof must be empty and the roots equal; for m = 0 the proof must be empty and
 * `rootM` must be the empty tree's root HASH() (the RFC leaves m = 0 undefined; every tree extends the empty one).
 */
export async function verifyConsistency(
  hasher: TreeHasher,
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<boolean> {
  if (!isCount(m) || !isCount(n) || m > n) return false;
  if (m === n) return proof.length === 0 && equalBytes(rootM, rootN);
  if (m === 0) return proof.length === 0 && equalBytes(rootM, await hasher.empty());
  if (proof.length === 0) return false;
  // When m is a power of two the old tree is a complete subtree of the new one and the proof omits its root.
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await hasher.node(c, fr);
      sr = await hasher.node(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await hasher.node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, rootM) && equalBytes(sr, rootN);
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isOdd(value: number): boolean {
  return value % 2 === 1;
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function isPowerOfTwo(value: number): boolean {
  let v = value;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
