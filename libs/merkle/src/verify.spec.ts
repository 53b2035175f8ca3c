import fc from 'fast-check';
import {
  TreeHasher,
  computeRoot,
  proveConsistency,
  proveInclusion,
  verifyConsistency,
  verifyInclusion,
  type HashStore,
  type NodeId,
} from './index.js';
import { Reference, hex, sampleEntries, sha256, utf8 } from './test-support/reference.js';

// The proofs checked here come from the naive reference, not from the tree builder: the verifier is tested on its own.
const hasher = new TreeHasher(sha256);
const N = 300;
const reference = new Reference(sampleEntries(N + 1)); // one spare leaf, for the root of size N + 1

/** A copy of `hash` with one bit flipped. */
function flipped(hash: Uint8Array): Uint8Array {
  const copy = new Uint8Array(hash);
  copy[0]! ^= 1;
  return copy;
}

const replaceAt = (proof: readonly Uint8Array[], j: number) => proof.map((h, k) => (k === j ? flipped(h) : h));
const bitLength = (x: number) => x.toString(2).replace(/^0+/, '').length;

/**
 * Whether a proof made for the tree of `size` leaves, anchored at leaf `last` (the leaf itself for an inclusion
 * proof, the last leaf m - 1 of the old tree for a consistency proof), also verifies against the same root when
 * the verifier is told `otherSize` instead.
 *
 * The RFC verifiers only look at the tree size through the walk from `last` towards the last leaf `size - 1`:
 * below the level where the two paths meet (the bit length of last XOR (size - 1)) every node on the path has a
 * sibling, on the side given by the bits of `last`; above it the path runs along the right edge, where only the bits
 * of `last` decide which levels have a left sibling. So two sizes give the verifier the very same sequence of
 * operations, and the same proof and root pass for both, exactly when that meeting level is the same.
 * For example leaf 0 of a 3-leaf tree has the path [leaf 1, leaf 2], which is also the correct path shape for leaf 0
 * of a 4-leaf tree, so verifyInclusion(leaf0, 0, 4, proof3, root3) is true. This is why a size and a root are only
 * trusted together, from a signed checkpoint, and never a proof alone.
 */
function sameShape(last: number, size: number, otherSize: number): boolean {
  return last < otherSize && bitLength(last ^ (size - 1)) === bitLength(last ^ (otherSize - 1));
}

/** Every index for small trees; for larger ones the edges, the middle and a few others, so every size is covered. */
function sampled(count: number, all = 64): number[] {
  if (count <= all) return Array.from({ length: count }, (_, i) => i);
  const picks = [0, 1, 2, count >> 2, count / 3, count >> 1, (count * 2) / 3, count - 3, count - 2, count - 1];
  for (let k = 1; k <= 4; k++) picks.push((count * 7919 * k) % count);
  return [...new Set(picks.map(Math.floor))].sort((a, b) => a - b);
}

describe('verifyInclusion', () => {
  it(`accepts every proof for every index of every size 1..${N}`, async () => {
    const failures: string[] = [];
    for (let n = 1; n <= N; n++) {
      const root = reference.root(n);
      for (let i = 0; i < n; i++) {
        if (!(await verifyInclusion(hasher, reference.leafHash(i), i, n, reference.inclusion(i, n), root))) {
          failures.push(`index ${i}, size ${n}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it(`rejects every mutation of valid proofs, sizes 1..${N}`, async () => {
    const wrong: string[] = []; // mutations that verified although they must not
    let checked = 0;
    for (let n = 1; n <= N; n++) {
      const root = reference.root(n);
      for (const i of sampled(n)) {
        const leaf = reference.leafHash(i);
        const proof = reference.inclusion(i, n);
        const mustFail = async (what: string, ...args: Parameters<typeof verifyInclusion>) => {
          checked++;
          if (await verifyInclusion(...args)) wrong.push(`index ${i}, size ${n}: ${what}`);
        };
        for (let j = 0; j < proof.length; j++) await mustFail(`hash ${j} replaced`, hasher, leaf, i, n, replaceAt(proof, j), root);
        await mustFail('leaf replaced', hasher, flipped(leaf), i, n, proof, root);
        await mustFail('root replaced', hasher, leaf, i, n, proof, flipped(root));
        await mustFail('index - 1', hasher, leaf, i - 1, n, proof, root);
        await mustFail('index + 1', hasher, leaf, i + 1, n, proof, root);
        await mustFail('another leaf at this index', hasher, reference.leafHash((i + 1) % (n + 1)), i, n, proof, root);
        await mustFail('the raw entry instead of its leaf hash', hasher, reference.entries[i]!, i, n, proof, root);
        if (proof.length > 0) {
          await mustFail('last hash dropped', hasher, leaf, i, n, proof.slice(0, -1), root);
          await mustFail('first hash dropped', hasher, leaf, i, n, proof.slice(1), root);
        }
        await mustFail('a hash appended', hasher, leaf, i, n, [...proof, leaf], root);
        await mustFail('the root appended', hasher, leaf, i, n, [...proof, root], root);
        await mustFail('a hash prepended', hasher, leaf, i, n, [leaf, ...proof], root);
        await mustFail('root of size - 1', hasher, leaf, i, n, proof, reference.root(n - 1));
        await mustFail('root of size + 1', hasher, leaf, i, n, proof, reference.root(n + 1));
        // Swapping the leaf and the root is no change at all in a one-leaf tree, whose root is its leaf hash.
        if (n > 1) await mustFail('leaf and root swapped', hasher, root, i, n, proof, leaf);
        // The size off by one verifies exactly when the path has the same shape (see sameShape): assert that.
        for (const other of [n - 1, n + 1]) {
          checked++;
          const accepted = await verifyInclusion(hasher, leaf, i, other, proof, root);
          if (accepted !== sameShape(i, n, other)) wrong.push(`index ${i}, size ${n} told as ${other}: ${accepted}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(40_000);
  });

  it('finds neighbouring sizes that accept the same proof, as documented', async () => {
    const accepted: string[] = [];
    for (let n = 2; n <= 8; n++) {
      for (let i = 0; i < n; i++) {
        for (const other of [n - 1, n + 1]) {
          if (await verifyInclusion(hasher, reference.leafHash(i), i, other, reference.inclusion(i, n), reference.root(n))) {
            accepted.push(`${i}@${n}as${other}`);
          }
        }
      }
    }
    // Never the last leaf of the tree, never a size that changes the path's shape.
    expect(accepted).toEqual([
      '0@3as4', '1@3as4',
      '0@4as3', '1@4as3',
      '0@5as6', '1@5as6', '2@5as6', '3@5as6',
      '0@6as5', '0@6as7', '1@6as5', '1@6as7', '2@6as5', '2@6as7', '3@6as5', '3@6as7',
      '0@7as6', '0@7as8', '1@7as6', '1@7as8', '2@7as6', '2@7as8', '3@7as6', '3@7as8', '4@7as8', '5@7as8',
      '0@8as7', '1@8as7', '2@8as7', '3@8as7', '4@8as7', '5@8as7',
    ]);
  });

  it('rejects malformed input without throwing', async () => {
    const leaf = reference.leafHash(0);
    const root = reference.root(1);
    for (const [index, size] of [[0, 0], [1, 1], [-1, 1], [0, -1], [0.5, 2], [0, Number.NaN], [0, Infinity], [0, 2 ** 60]]) {
      await expect(verifyInclusion(hasher, leaf, index!, size!, [], root)).resolves.toBe(false);
    }
    expect(await verifyInclusion(hasher, leaf, 0, 1, [], root)).toBe(true);
    const long = Array.from({ length: 100 }, () => leaf);
    expect(await verifyInclusion(hasher, leaf, 0, 3, long, root)).toBe(false);
  });
});

describe('verifyConsistency', () => {
  it(`accepts every proof for every 0 <= m <= n <= ${N}`, async () => {
    const failures: string[] = [];
    for (let n = 0; n <= N; n++) {
      const rootN = reference.root(n);
      for (let m = 0; m <= n; m++) {
        if (!(await verifyConsistency(hasher, m, n, reference.root(m), rootN, reference.consistency(m, n)))) {
          failures.push(`${m} -> ${n}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it(`rejects every mutation of valid proofs, sizes 1..${N}`, async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let n = 2; n <= N; n++) {
      const rootN = reference.root(n);
      for (const m of sampled(n, 48).filter((m) => m > 0)) {
        const rootM = reference.root(m);
        const proof = reference.consistency(m, n);
        const mustFail = async (what: string, ...args: Parameters<typeof verifyConsistency>) => {
          checked++;
          if (await verifyConsistency(...args)) wrong.push(`${m} -> ${n}: ${what}`);
        };
        for (let j = 0; j < proof.length; j++) await mustFail(`hash ${j} replaced`, hasher, m, n, rootM, rootN, replaceAt(proof, j));
        await mustFail('old root replaced', hasher, m, n, flipped(rootM), rootN, proof);
        await mustFail('new root replaced', hasher, m, n, rootM, flipped(rootN), proof);
        await mustFail('roots swapped', hasher, m, n, rootN, rootM, proof);
        await mustFail('m - 1', hasher, m - 1, n, rootM, rootN, proof);
        await mustFail('m + 1', hasher, m + 1, n, rootM, rootN, proof);
        await mustFail('m - 1 with its own root', hasher, m - 1, n, reference.root(m - 1), rootN, proof);
        await mustFail('m + 1 with its own root', hasher, m + 1, n, reference.root(m + 1), rootN, proof);
        await mustFail('n + 1 with its own root', hasher, m, n + 1, rootM, reference.root(n + 1), proof);
        await mustFail('last hash dropped', hasher, m, n, rootM, rootN, proof.slice(0, -1));
        await mustFail('first hash dropped', hasher, m, n, rootM, rootN, proof.slice(1));
        await mustFail('a hash appended', hasher, m, n, rootM, rootN, [...proof, rootM]);
        await mustFail('a hash prepended', hasher, m, n, rootM, rootN, [rootM, ...proof]);
        await mustFail('the new root appended', hasher, m, n, rootM, rootN, [...proof, rootN]);
        // As with inclusion, n alone is not bound by the proof: n off by one with the same roots verifies exactly
        // when the walk from the old tree's last leaf m - 1 to the new last leaf has the same shape.
        for (const other of [n - 1, n + 1]) {
          checked++;
          const accepted = await verifyConsistency(hasher, m, other, rootM, rootN, proof);
          if (accepted !== sameShape(m - 1, n, other)) wrong.push(`${m} -> ${n} told as ${other}: ${accepted}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(40_000);
  });

  it('handles the empty and the equal cases', async () => {
    const empty = reference.root(0);
    const r5 = reference.root(5);
    expect(await verifyConsistency(hasher, 0, 5, empty, r5, [])).toBe(true);
    expect(await verifyConsistency(hasher, 0, 0, empty, empty, [])).toBe(true);
    expect(await verifyConsistency(hasher, 0, 5, r5, r5, [])).toBe(false); // size 0 must come with the empty root
    expect(await verifyConsistency(hasher, 0, 5, empty, r5, [r5])).toBe(false);
    expect(await verifyConsistency(hasher, 5, 5, r5, r5, [])).toBe(true);
    expect(await verifyConsistency(hasher, 5, 5, r5, flipped(r5), [])).toBe(false);
    expect(await verifyConsistency(hasher, 5, 5, r5, r5, [r5])).toBe(false);
    expect(await verifyConsistency(hasher, 3, 5, reference.root(3), r5, [])).toBe(false);
  });

  it('rejects malformed input without throwing', async () => {
    const r = reference.root(4);
    for (const [m, n] of [[5, 4], [-1, 4], [1.5, 4], [Number.NaN, 4], [1, Infinity]]) {
      await expect(verifyConsistency(hasher, m!, n!, r, r, [r])).resolves.toBe(false);
    }
  });
});

describe('round trips', () => {
  it('verifies proofs with the asynchronous WebCrypto hasher', async () => {
    const web = new TreeHasher();
    const proof = reference.inclusion(5, 11);
    expect(await verifyInclusion(web, reference.leafHash(5), 5, 11, proof, reference.root(11))).toBe(true);
    expect(await verifyConsistency(web, 6, 11, reference.root(6), reference.root(11), reference.consistency(6, 11))).toBe(true);
    expect(await verifyConsistency(web, 6, 11, reference.root(11), reference.root(6), reference.consistency(6, 11))).toBe(false);
  });

  it('verifies store-built proofs in trees of up to 2^52 leaves', async () => {
    // A tree whose leaves are all the same: every complete subtree of a level has the same hash, so a store can
    // answer for any size without holding it. This exercises the index arithmetic far beyond 32 bits.
    const levels: Uint8Array[] = [await hasher.leaf(utf8('same'))];
    const uniform: HashStore = {
      async getNodes(ids: readonly NodeId[]) {
        const out: Uint8Array[] = [];
        for (const { level } of ids) {
          while (levels.length <= level) levels.push(await hasher.node(levels.at(-1)!, levels.at(-1)!));
          out.push(levels[level]!);
        }
        return out;
      },
      putNodes() {
        throw new Error('read-only');
      },
    };
    const size = fc.integer({ min: 1, max: 2 ** 52 });
    await fc.assert(
      fc.asyncProperty(size, size, fc.double({ min: 0, max: 1, noNaN: true }), async (a, b, t) => {
        const [m, n] = a <= b ? [a, b] : [b, a];
        const index = Math.min(n - 1, Math.floor(t * n));
        const rootN = await computeRoot(uniform, hasher, n);
        const rootM = await computeRoot(uniform, hasher, m);
        const inclusion = await proveInclusion(uniform, hasher, index, n);
        expect(await verifyInclusion(hasher, levels[0]!, index, n, inclusion, rootN)).toBe(true);
        expect(await verifyInclusion(hasher, levels[0]!, index, n, inclusion, flipped(rootN))).toBe(false);
        const consistency = await proveConsistency(uniform, hasher, m, n);
        expect(await verifyConsistency(hasher, m, n, rootM, rootN, consistency)).toBe(true);
        if (m < n) expect(await verifyConsistency(hasher, m, n, rootN, rootM, consistency)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps hex helpers honest', () => {
    expect(hex(reference.root(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
