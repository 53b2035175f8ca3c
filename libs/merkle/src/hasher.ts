/**
 * The hash function behind the tree, injected so that the same code runs in Node and in the browser.
 *
 * A `HashFunction` is SHA-256 (or, in principle, any hash whose output length is fixed) and may be synchronous
 * or asynchronous: Node callers pass `(bytes) => createHash('sha256').update(bytes).digest()` from `node:crypto`
 * (fast and synchronous), browsers and other runtimes use `webCryptoSha256` (WebCrypto, always asynchronous).
 * The tree code awaits every hash, so both kinds work unchanged.
 */
export type HashFunction = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** SHA-256 through WebCrypto (`globalThis.crypto.subtle`), present in browsers, Node 19+, Deno and Bun. */
export const webCryptoSha256: HashFunction = async (data) => {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto (crypto.subtle) is not available: pass a SHA-256 function to TreeHasher');
  // Copy into a fresh ArrayBuffer-backed view: digest() does not accept views over SharedArrayBuffer.
  return new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(data)));
};

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** The RFC 9162 (section 2.1.1) domain-separated hashes of leaves and interior nodes. */
export class TreeHasher {
  constructor(private readonly hash: HashFunction = webCryptoSha256) {}

  /** MTH({}) = HASH(), the root of the empty tree. */
  async empty(): Promise<Uint8Array> {
    return this.hash(new Uint8Array(0));
  }

  /** MTH({d(0)}) = HASH(0x00 || d(0)), the hash of one log entry (the exact bytes of the entry). */
  async leaf(entry: Uint8Array): Promise<Uint8Array> {
    const input = new Uint8Array(1 + entry.length);
    input[0] = LEAF_PREFIX;
    input.set(entry, 1);
    return this.hash(input);
  }

  /** HASH(0x01 || left || right), the hash of an interior node. */
  async node(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
    const input = new Uint8Array(1 + left.length + right.length);
    input[0] = NODE_PREFIX;
    input.set(left, 1);
    input.set(right, 1 + left.length);
    return this.hash(input);
  }
}

/** Byte-wise equality (hashes are public, so no constant-time comparison is needed). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
