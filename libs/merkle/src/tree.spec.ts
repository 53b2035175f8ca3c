import fc from 'fast-check';
import {
  MemoryHashStore,
  MerkleTree,
  TreeHasher,
  appendLeafHashes,
  computeRoot,
  proveInclusion,
  type HashStore,
  type NodeId,
  type StoredNode,
} from './index.js';
import { Reference, fromHex, hex, sampleEntries, sha256, utf8 } from './test-support/reference.js';

const nodeHasher = new TreeHasher(sha256); // synchronous node:crypto
const webHasher = new TreeHasher(); // the default: asynchronous WebCrypto

async function treeOf(entries: readonly Uint8Array[], hasher = nodeHasher): Promise<MerkleTree> {
  const tree = new MerkleTree(hasher);
  for (const entry of entries) await tree.appendEntries([entry]);
  return tree;
}

describe('known answers', () => {
  // Computed once, independently of this library, with a Node one-off:
  //   H = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest()
  //   empty = H(''), leaf(s) = H(0x00, s), node(l, r) = H(0x01, l, r)
  //   "a","b","c": node(node(leaf('a'), leaf('b')), leaf('c'))
  const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const ONE_EMPTY_LEAF = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';
  const A_B = 'b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb';
  const A_B_C = '36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1';

  // The eight-leaf vectors used throughout the Certificate Transparency test suites; the same one-off (a naive
  // recursive MTH over these leaves) produced exactly these roots for the sizes 1..8.
  const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const CT_ROOTS = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];

  describe.each([
    ['node:crypto (sync)', nodeHasher],
    ['WebCrypto (async)', webHasher],
  ])('with %s', (_name, hasher) => {
    it('hashes the empty tree, a leaf and a node with the RFC 9162 prefixes', async () => {
      expect(hex(await hasher.empty())).toBe(EMPTY);
      expect(hex(await hasher.leaf(new Uint8Array(0)))).toBe(ONE_EMPTY_LEAF);
      expect(hex(await hasher.node(await hasher.leaf(utf8('a')), await hasher.leaf(utf8('b'))))).toBe(A_B);
    });

    it('computes the fixed roots', async () => {
      expect(hex(await new MerkleTree(hasher).root())).toBe(EMPTY);
      expect(hex(await (await treeOf([utf8('')], hasher)).root())).toBe(ONE_EMPTY_LEAF);
      const abc = await treeOf(['a', 'b', 'c'].map(utf8), hasher);
      expect(hex(await abc.root())).toBe(A_B_C);
      expect(hex(await abc.root(2))).toBe(A_B);
      expect(hex(await abc.root(0))).toBe(EMPTY);
    });

    it('reproduces the Certificate Transparency eight-leaf roots for every size', async () => {
      const tree = await treeOf(CT_LEAVES.map(fromHex), hasher);
      for (let n = 1; n <= 8; n++) expect(hex(await tree.root(n))).toBe(CT_ROOTS[n - 1]);
    });
  });
});

describe('against the naive recursive reference, every size 0..300', () => {
  const N = 300;
  const entries = sampleEntries(N);
  const reference = new Reference(entries);
  let tree: MerkleTree;

  beforeAll(async () => {
    tree = await treeOf(entries);
  });

  it('computes the root of every past size from stored hashes', async () => {
    for (let n = 0; n <= N; n++) expect(hex(await tree.root(n))).toBe(hex(reference.root(n)));
  });

  it('produces exactly the RFC PATH for every index of every size', async () => {
    const mismatches: string[] = []; // collected, so that 45,150 comparisons cost one expect
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        const got = (await tree.inclusionProof(i, n)).map(hex).join();
        if (got !== reference.inclusion(i, n).map(hex).join()) mismatches.push(`index ${i}, size ${n}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('produces exactly the RFC PROOF for every m <= n', async () => {
    const mismatches: string[] = [];
    for (let n = 0; n <= N; n++) {
      for (let m = 0; m <= n; m++) {
        const got = (await tree.consistencyProof(m, n)).map(hex).join();
        if (got !== reference.consistency(m, n).map(hex).join()) mismatches.push(`${m} -> ${n}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('appending', () => {
  it('gives the same tree whatever the batch sizes', async () => {
    const entries = sampleEntries(120);
    const reference = new Reference(entries);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), async (batches) => {
        const tree = new MerkleTree(nodeHasher);
        let next = 0;
        for (const length of batches) {
          const batch = entries.slice(next, next + length);
          expect(await tree.appendEntries(batch)).toBe(next);
          next += batch.length;
          expect(tree.size).toBe(next);
          expect(hex(await tree.root())).toBe(hex(reference.root(next)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stores every complete subtree, and nothing else', async () => {
    const store = new MemoryHashStore();
    const puts: NodeId[] = [];
    const spy: HashStore = {
      getNodes: (ids) => store.getNodes(ids),
      putNodes: (nodes) => {
        puts.push(...nodes.map((n) => n.id));
        store.putNodes(nodes);
      },
    };
    const tree = new MerkleTree(nodeHasher, spy);
    await tree.appendEntries(sampleEntries(13));
    await tree.appendEntries(sampleEntries(14).slice(13));
    const expected: string[] = [];
    for (let level = 0; 2 ** level <= 14; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 14; index++) expected.push(`${level}:${index}`);
    }
    expect(puts.map((id) => `${id.level}:${id.index}`).sort()).toEqual(expected.sort());
    expect(store.leafCount).toBe(14);
  });

  it('serialises concurrent appends', async () => {
    const entries = sampleEntries(30);
    const tree = new MerkleTree(new TreeHasher(async (bytes) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return sha256(bytes);
    }));
    const firsts = await Promise.all([
      tree.appendEntries(entries.slice(0, 10)),
      tree.appendEntries(entries.slice(10, 25)),
      tree.appendEntries(entries.slice(25)),
    ]);
    expect(firsts).toEqual([0, 10, 25]);
    expect(hex(await tree.root())).toBe(hex(new Reference(entries).root(30)));
  });

  it('keeps working after a failed append', async () => {
    let failNext = true;
    const store = new MemoryHashStore();
    const flaky: HashStore = {
      getNodes: (ids) => store.getNodes(ids),
      putNodes: (nodes: readonly StoredNode[]) => {
        if (failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        store.putNodes(nodes);
      },
    };
    const tree = new MerkleTree(nodeHasher, flaky);
    const entries = sampleEntries(3);
    await expect(tree.appendEntries(entries.slice(0, 2))).rejects.toThrow('database unavailable');
    expect(tree.size).toBe(0);
    expect(await tree.appendEntries(entries)).toBe(0);
    expect(hex(await tree.root())).toBe(hex(new Reference(entries).root(3)));
  });
});

describe('stored-hash access is O(log n)', () => {
  // A store that records every call, over a tree of 1000 leaves built by the stateless functions (as a server would).
  const reads: NodeId[][] = [];
  const inner = new MemoryHashStore();
  const counting: HashStore = {
    getNodes: (ids) => {
      reads.push([...ids]);
      return inner.getNodes(ids);
    },
    putNodes: (nodes) => inner.putNodes(nodes),
  };
  const bits = (n: number) => n.toString(2).length;

  beforeAll(async () => {
    let size = 0;
    for (const entry of sampleEntries(1000)) {
      size = await appendLeafHashes(counting, nodeHasher, size, [await nodeHasher.leaf(entry)]);
    }
  });

  beforeEach(() => {
    reads.length = 0;
  });

  it('appends reading only the right edge of the tree', async () => {
    const size = await appendLeafHashes(counting, nodeHasher, 1000, [await nodeHasher.leaf(utf8('one more'))]);
    expect(size).toBe(1001);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toHaveLength(6); // 1000 = 0b1111101000: one complete subtree per set bit
  });

  it('computes roots and proofs with one read of at most 2 log2(n) nodes', async () => {
    for (const n of [1, 2, 3, 7, 8, 9, 511, 512, 513, 999, 1000]) {
      reads.length = 0;
      await computeRoot(counting, nodeHasher, n);
      await proveInclusion(counting, nodeHasher, n - 1, n);
      await proveInclusion(counting, nodeHasher, 0, n);
      expect(reads.length).toBeLessThanOrEqual(3); // an empty proof (n = 1) reads nothing
      for (const ids of reads) expect(ids.length).toBeLessThanOrEqual(2 * bits(n));
    }
  });
});

describe('input checks', () => {
  it('refuses sizes and indexes outside the tree', async () => {
    const tree = await treeOf(sampleEntries(5));
    await expect(tree.root(6)).rejects.toThrow(RangeError);
    await expect(tree.root(-1)).rejects.toThrow(RangeError);
    await expect(tree.root(2.5)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(5, 5)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(0, 0)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(0, 6)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(4, 3)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(2, 6)).rejects.toThrow(RangeError);
  });

  it('never lets a stored node change, and reports missing nodes', () => {
    const store = new MemoryHashStore();
    const id = { level: 1, index: 3 };
    store.putNodes([{ id, hash: sha256(utf8('x')) }]);
    expect(() => store.putNodes([{ id, hash: sha256(utf8('x')) }])).not.toThrow();
    expect(() => store.putNodes([{ id, hash: sha256(utf8('y')) }])).toThrow('already stored');
    expect(() => store.getNodes([{ level: 1, index: 2 }])).toThrow('not stored');
  });
});
